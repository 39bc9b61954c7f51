package gateway

import (
	"bufio"
	"net/mail"
	"slices"
	"strings"
)

// inviterOf is who a reply to invitation goes back to: its Reply-To, else
// its From. When a bureau member forwarded the invitation (with a tag), the
// inviter is the original sender, read from the forwarded header block of
// the body ("---------- Forwarded message ----------" and its "From:"
// line, as Gmail, Outlook and Thunderbird write it); failing that, the
// member.
func inviterOf(inv *inbound, bureauMembers []string) string {
	from := inv.Facts.From
	if slices.ContainsFunc(bureauMembers, func(m string) bool { return strings.EqualFold(m, from) }) {
		if original := forwardedFrom(inv.Facts.Body); original != "" {
			return original
		}
		return from
	}
	if rt := inv.Facts.Header["Reply-To"]; len(rt) > 0 {
		if a, err := mail.ParseAddress(rt[0]); err == nil {
			return strings.ToLower(a.Address)
		}
	}
	return from
}

// forwardedFrom finds the original sender in a forwarded header block.
func forwardedFrom(body string) string {
	s := bufio.NewScanner(strings.NewReader(body))
	inBlock := false
	for s.Scan() {
		line := strings.TrimSpace(strings.TrimLeft(s.Text(), "> "))
		lower := strings.ToLower(line)
		if strings.Contains(lower, "forwarded message") || strings.Contains(lower, "original message") ||
			strings.HasPrefix(lower, "begin forwarded message") {
			inBlock = true
			continue
		}
		if !inBlock {
			continue
		}
		for _, prefix := range []string{"from:", "de :", "de:", "von:"} {
			if strings.HasPrefix(lower, prefix) {
				if a, err := mail.ParseAddress(strings.TrimSpace(line[len(prefix):])); err == nil {
					return strings.ToLower(a.Address)
				}
			}
		}
	}
	return ""
}
