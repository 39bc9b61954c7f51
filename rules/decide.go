package rules

import (
	"fmt"
	"slices"
	"strings"
)

// Decide returns what to do with m, and why. It is deterministic: the same
// message and set always give the same decision. See the package
// documentation for the order of evaluation.
func (s *Set) Decide(m *Message, env Env) Decision {
	var d Decision
	g, why, steps := guard(m, env)
	d.Trace.Guards = steps
	if g != "" {
		d.NeverForwarded = g
		d.Reason = "never forwarded: " + why
		return d.withLists()
	}
	if token, ok := replyToken(m, env); ok {
		d.Action, d.ReplyToken = Reply, token
		d.Reason = "a reply to a forwarded copy (token " + token + ")"
		return d.withLists()
	}
	ev := s.newEvaluation(m, &d)
	defer ev.in.release()
	if ev.tags() {
		ev.run(0)
	}
	ev.finish()
	return d.withLists()
}

// Resume goes on with a held message a moderator approved: the rules after
// the one that held it run, starting with the caucuses chosen before the
// hold, and the message is forwarded where they send it. Tags and guards are
// not read again: they were when it was held.
func (s *Set) Resume(m *Message, env Env, held HoldInfo) Decision {
	var d Decision
	ev := s.newEvaluation(m, &d)
	defer ev.in.release()
	ev.resumed = true
	ev.add(held.Caucuses...)
	ev.reasons = append(ev.reasons, fmt.Sprintf("approved by a moderator (held: %s)", held.Reason))
	if held.RuleIndex+1 < len(s.rules) {
		ev.run(max(0, held.RuleIndex+1))
	}
	ev.finish()
	return d.withLists()
}

func (s *Set) newEvaluation(m *Message, d *Decision) *evaluation {
	return &evaluation{set: s, msg: m, d: d, in: &input{m: m, set: s}}
}

// evaluation is one pass of the rules over a message.
type evaluation struct {
	set        *Set
	msg        *Message
	in         *input
	d          *Decision
	chosen     []string // caucus ids, sorted, each once
	reasons    []string
	terminal   bool
	resumed    bool // after a moderator's approval: no built-in holds again
	authorized *bool
}

// run evaluates the rules from index from on, until one ends evaluation.
// It visits only the candidates of the set's index: every other rule's
// prefilter misses.
func (ev *evaluation) run(from int) {
	rules := ev.set.rules[from:]
	if len(rules) == 0 {
		return
	}
	tr := &ev.d.Trace.Rules
	tr.start(ev.set, from)
	usePre := !ev.set.noPrefilter
	var cand bitmap
	if usePre && ev.set.index != nil {
		cand = ev.set.index.candidates(ev.in)
	}
	for i := 0; i < len(rules); i++ {
		if cand != nil {
			next := cand.next(from + i)
			if next < 0 {
				break
			}
			i = next - from
		}
		r := rules[i]
		if r.pre != nil && usePre && r.pre.misses(ev.in) {
			tr.missed(i)
			continue
		}
		rt := RuleTrace{Rule: r.name, Matched: true}
		if r.when != nil {
			st := r.when.eval(ev.in)
			rt.Matched, rt.Steps = st.Matched, st.Steps
		}
		if rt.Matched {
			rt.Action = ev.apply(r, from+i)
		}
		tr.record(i, rt)
		if ev.terminal {
			return
		}
	}
	tr.missed(len(rules) - 1)
}

// apply carries out a matching rule's actions, in this order: forward,
// then hold, reject or discard, then stop; and describes what it did.
func (ev *evaluation) apply(r *rule, index int) string {
	ev.d.Rules = append(withRoom(ev.d.Rules), r.name)
	var buf [2]string
	did := buf[:0]
	if len(r.forward) > 0 {
		ev.add(r.forward...)
		did = append(did, r.forwardDid)
		ev.reasons = append(withRoom(ev.reasons), r.forwardReason)
		ev.setOverrides(r)
	}
	switch {
	case r.hold:
		ev.hold(r.name, index, fmt.Sprintf("rule %q holds it for moderation", r.name))
		did = append(did, "hold")
	case r.reject != nil:
		ev.reject(r)
		did = append(did, "reject")
	case r.discard:
		ev.discard(r)
		did = append(did, "discard")
	case r.stop:
		ev.terminal = true
		did = append(did, "stop")
	}
	switch len(did) {
	case 0:
		return "nothing"
	case 1:
		return did[0]
	}
	return strings.Join(did, "; ")
}

// hold ends evaluation: the message waits for a moderator, who resumes the
// rules after index.
func (ev *evaluation) hold(rule string, index int, reason string) {
	ev.terminal = true
	ev.d.Action = Hold
	ev.d.Held = &HoldInfo{Rule: rule, RuleIndex: index, Reason: reason, Moderators: ev.moderators(), Caucuses: slices.Clone(ev.chosen)}
	ev.reasons = append(ev.reasons, reason)
}

// moderators are the bureau's and those of the caucuses chosen so far.
func (ev *evaluation) moderators() []string {
	mods := slices.Clone(ev.set.bureau.Moderators)
	for _, id := range ev.chosen {
		if c, ok := ev.set.Caucus(id); ok {
			mods = append(mods, c.Moderators...)
		}
	}
	slices.Sort(mods)
	return slices.Compact(mods)
}

// reject ends evaluation and cancels earlier forwards; the notice goes back
// only to an authorized member (no backscatter to forged senders).
func (ev *evaluation) reject(r *rule) {
	ev.terminal = true
	ev.d.Action = Reject
	text := renderNotice(r.reject, ev.msg, r.name)
	ev.d.Reject = &RejectInfo{Rule: r.name, Notice: text}
	ev.reasons = []string{fmt.Sprintf("rule %q rejects it", r.name)}
	if ev.isAuthorized() {
		ev.d.Notices = append(ev.d.Notices, Notice{To: ev.msg.From, Subject: "Not accepted: " + oneLine(ev.msg.Subject), Body: text})
	}
}

// discard ends evaluation and cancels earlier forwards, silently.
func (ev *evaluation) discard(r *rule) {
	ev.terminal = true
	ev.d.Action = Discard
	ev.reasons = []string{fmt.Sprintf("rule %q discards it", r.name)}
}

func (ev *evaluation) isAuthorized() bool {
	if ev.authorized == nil {
		ok, _ := ev.set.authorize(ev.msg, ev.in.verdict)
		ev.authorized = &ok
	}
	return *ev.authorized
}

func (ev *evaluation) setOverrides(r *rule) {
	if r.mode != "" {
		ev.d.Mode = r.mode
	}
	if r.schedule != "" {
		ev.d.Schedule = r.schedule
	}
}

// add puts ids among the chosen caucuses, keeping them sorted and unique.
func (ev *evaluation) add(ids ...string) {
	for _, id := range ids {
		if i, found := slices.BinarySearch(ev.chosen, id); !found {
			ev.chosen = slices.Insert(withRoom(ev.chosen), i, id)
		}
	}
}

// finish sets the action from what was chosen, unless a rule set a final
// one, and holds a message too big to forward.
func (ev *evaluation) finish() {
	d := ev.d
	if d.Action == None && len(ev.chosen) > 0 {
		d.Action = Forward
		ev.checkSize()
		ev.checkDMARC()
	}
	if d.Action == Forward || d.Action == Hold {
		d.Caucuses = ev.chosen
	}
	switch {
	case len(ev.reasons) > 0:
		d.Reason = strings.Join(ev.reasons, "; ")
	case d.Reason == "" && d.Trace.Tag != nil:
		d.Reason = "no rule routes it; " + d.Trace.Tag.Why
	case d.Reason == "":
		d.Reason = "no rule or tag routes it"
	}
}

// checkSize holds a message above max_message_size, with a notice to an
// authorized sender; approval forwards it as decided.
func (ev *evaluation) checkSize() {
	limit := ev.set.forwarding.MaxMessageSize
	if ev.resumed || limit <= 0 || ev.msg.Size <= limit {
		return
	}
	reason := fmt.Sprintf("%d bytes is more than max_message_size (%d)", ev.msg.Size, limit)
	ev.hold("", len(ev.set.rules)-1, reason)
	if ev.isAuthorized() {
		ev.d.Notices = append(ev.d.Notices, Notice{To: ev.msg.From, Subject: "Held: " + oneLine(ev.msg.Subject),
			Body: "Your message is held for a moderator: " + reason + "."})
	}
}

// checkDMARC holds a forward whose trusted result is dmarc=fail for a From
// domain that asks receivers to quarantine or reject such mail
// (forwarding.hold_dmarc_fail): a forged From the provider let through.
// No notice: the From is the forged one.
func (ev *evaluation) checkDMARC() {
	policy := strings.ToLower(ev.msg.DMARCPolicy)
	if ev.resumed || !ev.set.forwarding.HoldDMARCFail || ev.d.Action != Forward || (policy != "quarantine" && policy != "reject") {
		return
	}
	_, domain, _ := strings.Cut(strings.ToLower(ev.msg.From), "@")
	v := ev.in.verdict()
	if v.DMARC(domain) != "fail" {
		return
	}
	ev.hold("", len(ev.set.rules)-1, fmt.Sprintf("dmarc=fail for %s, whose policy is p=%s (%s): held by forwarding.hold_dmarc_fail", domain, policy, v.Source))
}

// withLists makes the list fields empty rather than nil, so that JSON has
// "caucuses": [] as the CONTRACT's readers expect, never null.
func (d Decision) withLists() Decision {
	if d.Caucuses == nil {
		d.Caucuses = []string{}
	}
	if d.Rules == nil {
		d.Rules = []string{}
	}
	return d
}

// oneLine keeps a header value on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// withRoom gives an empty list room for the few entries a decision adds,
// so that it grows once rather than at every append.
func withRoom[T any](list []T) []T {
	if cap(list) == 0 {
		return make([]T, 0, 8)
	}
	return list
}
