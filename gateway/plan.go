package gateway

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"caucusgate/gateway/bounce"
	"caucusgate/gateway/compose"
	invitations "caucusgate/gateway/invitation"
	"caucusgate/queue"
	"caucusgate/rules"
	"caucusgate/rules/schedule"
)

// deliverySpec is what a delivery job sends: a forwarded copy, or a notice
// caucusgate writes itself. It is stored as JSON with the delivery, fixed at
// intake, so that a retry days later sends the same message whatever the
// rules say by then.
type deliverySpec struct {
	Forward    *forwardSpec    `json:"forward,omitempty"`
	Notice     *noticeSpec     `json:"notice,omitempty"`
	Moderation *moderationSpec `json:"moderation,omitempty"`
	// Reminder is an invitation's reminder to a caucus (invitations.go).
	Reminder *invitations.ReminderMail `json:"reminder,omitempty"`
}

// forwardSpec is a forwarded copy: how to compose it, and what the
// deliverer adds at send time (the Reply-To and VERP tokens name the
// delivery, whose id exists only once intake has committed).
type forwardSpec struct {
	compose.Spec
	// ReplyTTL is how long the Reply-To token of the copy stays valid.
	ReplyTTL time.Duration `json:"reply_ttl,omitempty"`
	// NoVERP sends with the account's own envelope sender: a roster copy
	// to several recipients in one transaction (forwarding.verp: false).
	NoVERP bool `json:"no_verp,omitempty"`
}

// planner is what planning deliveries needs beside the decision.
type planner struct {
	set         *rules.Set
	acct        Account
	rewriteFrom bool
	// unsubscribed are the roster members who left, by caucus: the rules
	// file's roster minus them is who gets copies.
	unsubscribed map[string][]string
	// unsubscribeLinks are a roster member's List-Unsubscribe URIs; nil
	// writes none.
	unsubscribeLinks func(caucus, member string) (mailto, https string)
	now              time.Time // when the message was taken in: a scheduled forward's slot follows it
}

// plan lists the deliveries a decision makes: notices to bureau members
// and moderators, then one copy per caucus list address and one per roster
// member, each person once even when several of the matched caucuses list
// them, and never the gateway's own address (a loop).
func (p planner) plan(d rules.Decision, msg *inbound) []queue.NewDelivery {
	set, acct := p.set, p.acct
	out := append(planNotices(d, msg, acct), planModeration(set, d, msg, acct)...)
	if d.Action != rules.Forward {
		return out
	}
	seen := map[string]bool{strings.ToLower(acct.Address): true}
	sentFor := p.caucusesOf(d)
	for _, id := range d.Caucuses {
		c, ok := set.Caucus(id)
		if !ok {
			continue
		}
		var fresh []string
		for _, rcpt := range p.recipients(c) {
			if key := strings.ToLower(rcpt); !seen[key] {
				seen[key] = true
				fresh = append(fresh, rcpt)
			}
		}
		out = append(out, p.copies(d, c, msg, fresh, sentFor)...)
	}
	return out
}

// caucusesOf maps each roster recipient of a decision to the caucuses it
// gets the message for, in the decision's order: its one copy is labelled
// with the first, and a reply from it answers for them all.
func (p planner) caucusesOf(d rules.Decision) map[string][]string {
	out := map[string][]string{}
	for _, id := range d.Caucuses {
		c, ok := p.set.Caucus(id)
		if !ok || c.Address != "" {
			continue
		}
		for _, rcpt := range p.recipients(c) {
			key := strings.ToLower(rcpt)
			out[key] = append(out[key], c.ID)
		}
	}
	return out
}

// maxRecipientsPerTransaction bounds a roster transaction without VERP
// (RFC 5321 4.5.3.1.8 asks servers to take at least 100).
const maxRecipientsPerTransaction = 50

// copies are the deliveries of one caucus's copies: one per recipient
// with VERP (the default: a bounce names the member), or transactions of
// up to 50 recipients without.
func (p planner) copies(d rules.Decision, c rules.Caucus, msg *inbound, rcpts []string, sentFor map[string][]string) []queue.NewDelivery {
	groups := [][]string{}
	if p.set.Forwarding().VERP || c.Address != "" {
		for _, r := range rcpts {
			groups = append(groups, []string{r})
		}
	} else {
		for chunk := range slices.Chunk(rcpts, maxRecipientsPerTransaction) {
			groups = append(groups, chunk)
		}
	}
	out := make([]queue.NewDelivery, 0, len(groups))
	for _, group := range groups {
		spec := specFor(p.set, d, c, msg, p.acct, p.rewriteFrom)
		spec.Recipient = strings.Join(group, ", ")
		if len(group) == 1 {
			p.addUnsubscribe(spec, c, group[0])
			if ids := sentFor[strings.ToLower(group[0])]; len(ids) > 1 {
				spec.SentFor = ids
			}
		} else {
			spec.NoVERP = true
			p.addUnsubscribe(spec, c, "")
		}
		envelope := p.acct.Address
		if c.Address != "" {
			// A list copy: To the list, From the account, and the
			// caucus's fixed envelope, which ties a report from the
			// list's server to the caucus (bounces.go).
			spec.ListAddress = c.Address
			spec.NoVERP = true
			envelope = bounce.ListSender(p.acct.Address, c.ID)
		}
		out = append(out, queue.NewDelivery{Caucus: c.ID, EnvelopeFrom: envelope, Recipients: group,
			Spec: mustJSON(deliverySpec{Forward: spec}), NotBefore: p.slot(d, c)})
	}
	return out
}

// slot is when a forward on a schedule (the deciding rule's, else the
// caucus's) goes out: the first slot after the message came in. The zero
// time means at once.
func (p planner) slot(d rules.Decision, c rules.Caucus) time.Time {
	spec := firstNonEmpty(d.Schedule, c.Schedule)
	if spec == "" || spec == schedule.Immediate {
		return time.Time{}
	}
	sched, err := schedule.Parse(spec)
	if err != nil || p.now.IsZero() {
		return time.Time{} // validated at load; never hold mail back on a bad spec
	}
	return sched.DueSlot(p.now)
}

// recipients are a list caucus's address, or a roster's members who have
// not unsubscribed.
func (p planner) recipients(c rules.Caucus) []string {
	if c.Address != "" {
		return []string{c.Address}
	}
	gone := append(slices.Clip(p.unsubscribed[c.ID]), p.unsubscribed[queue.AllCaucuses]...)
	var out []string
	for _, m := range c.Members {
		if !slices.ContainsFunc(gone, func(g string) bool { return strings.EqualFold(g, m) }) {
			out = append(out, m)
		}
	}
	return out
}

// addUnsubscribe gives a roster member's copy its List-Unsubscribe URIs
// (RFC 2369), and the one-click POST of RFC 8058 when there is an https one.
func (p planner) addUnsubscribe(spec *forwardSpec, c rules.Caucus, member string) {
	if c.Address != "" || p.unsubscribeLinks == nil {
		return
	}
	if member == "" { // a copy for several members: the mailto link names none
		spec.ListUnsubscribe = []string{"mailto:" + p.acct.Address + "?subject=unsubscribe%20" + c.ID}
		return
	}
	mailto, https := p.unsubscribeLinks(c.ID, member)
	for _, link := range []string{https, mailto} {
		if link != "" {
			spec.ListUnsubscribe = append(spec.ListUnsubscribe, link)
		}
	}
	spec.UnsubscribePost = strings.HasPrefix(https, "https://")
}

// specFor is the composition of one caucus's copy: the mode the deciding
// rule or the caucus chose, the subject without its routing tag, the
// caucus's prefix, and the list fields of a list server (RFC 2369).
func specFor(set *rules.Set, d rules.Decision, c rules.Caucus, msg *inbound, acct Account, rewriteFrom bool) *forwardSpec {
	spec := &forwardSpec{Spec: compose.Spec{
		Mode:          compose.Mode(firstNonEmpty(d.Mode, c.Mode, set.Forwarding().Mode)),
		Caucus:        c.ID,
		CaucusName:    c.Name,
		Account:       acct.Address,
		SubjectPrefix: c.SubjectPrefix,
		RewriteFrom:   rewriteFrom,
		ListHelp:      "mailto:" + acct.Address + "?subject=help",
	}, ReplyTTL: set.Replies().TokenTTL}
	if stripped := set.StripTag(msg.Facts.Subject); stripped != msg.Facts.Subject {
		spec.Subject = stripped
	}
	spec.Reencode = msg.Reencode != nil
	if msg.MessageID == "" {
		spec.MessageID = generatedMessageID(msg.Fingerprint, acct.Address)
	}
	if spec.Mode == compose.Encapsulate {
		spec.Boundary = "caucusgate-" + hex.EncodeToString(fingerprintBytes(msg.Fingerprint)[:12])
	}
	return spec
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// generatedMessageID names a message that arrived without a Message-ID. It
// is derived from the message's bytes, so every copy and every retry carries
// the same one, and the replies to it can be threaded.
func generatedMessageID(fingerprint, account string) string {
	return hex.EncodeToString(fingerprintBytes(fingerprint)[:12]) + "@caucusgate." + domainOf(account)
}

func fingerprintBytes(fingerprint string) []byte {
	sum := sha256.Sum256([]byte(fingerprint))
	return sum[:]
}

// mustJSON encodes a value whose type cannot fail to encode.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("encode " + err.Error())
	}
	return b
}

func domainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return strings.ToLower(addr[at+1:])
	}
	return "localhost"
}
