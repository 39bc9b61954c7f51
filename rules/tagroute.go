package rules

import (
	"fmt"
	"slices"
	"strings"

	"caucusgate/internal/typo"
)

// tags reads the subject tags and routes by them when the sender is
// authorized. It returns false when evaluation must stop (a non-member's tag
// held for moderation).
func (ev *evaluation) tags() bool {
	found := ev.set.tags.find(subjectOf(ev.msg))
	if len(found) == 0 {
		return true
	}
	tt := ev.set.resolveTags(found)
	ev.d.Trace.Tag = tt
	ok, why := ev.set.authorize(ev.msg, ev.in.verdict)
	ev.authorized = &ok
	tt.Authorized = ok
	if !ok {
		return ev.outsiderTag(tt, why)
	}
	ev.add(tt.Caucuses...)
	tt.Why = why + ": routes to " + orNone(tt.Caucuses)
	if len(tt.Caucuses) > 0 {
		ev.reasons = append(ev.reasons, fmt.Sprintf("tag %s from %s routes to %s", tt.Text, ev.msg.From, strings.Join(tt.Caucuses, ", ")))
	}
	if len(tt.Unknown) > 0 {
		tt.Why += "; unknown: " + strings.Join(tt.Unknown, ", ")
		ev.d.Notices = append(ev.d.Notices, ev.set.unknownNameNotice(ev.msg, tt))
	}
	return true
}

// outsiderTag ignores a tag from anyone who may not route, without a notice
// (no backscatter), or holds the message when hold_outsider_tags is set.
func (ev *evaluation) outsiderTag(tt *TagTrace, why string) bool {
	if !ev.set.bureau.HoldOutsiderTags {
		tt.Why = "ignored: " + why
		return true
	}
	tt.Why = "held: " + why
	ev.chosen = nil
	ev.add(tt.Caucuses...)
	ev.hold("", -1, "a subject tag from someone who may not route by tag ("+why+")")
	return false
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "no caucus"
	}
	return strings.Join(list, ", ")
}

// resolveTags maps the names of the tags found to caucuses.
func (s *Set) resolveTags(found []foundTag) *TagTrace {
	tt := &TagTrace{}
	texts := make([]string, 0, len(found))
	for _, f := range found {
		texts = append(texts, f.text)
		for _, name := range f.names {
			tt.Names = append(tt.Names, name)
			if id, ok := s.names[normalizeName(name)]; ok {
				tt.Caucuses = append(tt.Caucuses, id)
			} else if !slices.Contains(tt.Unknown, name) {
				tt.Unknown = append(tt.Unknown, name)
			}
		}
	}
	tt.Text = strings.Join(texts, " ")
	slices.Sort(tt.Caucuses)
	tt.Caucuses = slices.Compact(tt.Caucuses)
	return tt
}

// unknownNameNotice tells the member which names in the tag are unknown,
// the closest known one, and every caucus's names.
func (s *Set) unknownNameNotice(m *Message, tt *TagTrace) Notice {
	var b strings.Builder
	fmt.Fprintf(&b, "Your tag %s names no caucus for:\n", tt.Text)
	for _, name := range tt.Unknown {
		fmt.Fprintf(&b, "  %s", name)
		if best, ok := s.closestName(name); ok {
			fmt.Fprintf(&b, " (did you mean %s?)", best)
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "\nThe message went to: %s.\n\nKnown caucuses:\n", orNone(tt.Caucuses))
	for _, c := range s.caucuses {
		fmt.Fprintf(&b, "  %s (%s)", c.ID, c.Name)
		if len(c.Tags) > 0 {
			fmt.Fprintf(&b, ": %s", strings.Join(c.Tags, ", "))
		}
		b.WriteByte('\n')
	}
	return Notice{To: m.From, Subject: "Unknown caucus in your tag: " + oneLine(m.Subject), Body: b.String()}
}

// closestName returns the known name nearest to name, ignoring case and
// accents, as it is written in the file.
func (s *Set) closestName(name string) (string, bool) {
	n := normalizeName(name)
	best, bestDist := "", -1
	for _, c := range s.caucuses {
		for _, cand := range append([]string{c.ID}, c.Tags...) {
			if d := typo.Distance(n, normalizeName(cand)); bestDist < 0 || d < bestDist {
				best, bestDist = cand, d
			}
		}
	}
	return best, bestDist >= 0 && bestDist <= max(2, len([]rune(n))/2)
}
