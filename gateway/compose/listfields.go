package compose

import (
	"strings"
)

// writeListFields writes what marks a copy as the caucus list's (RFC 2919,
// RFC 2369, RFC 8058) and guards against loops and auto-replies: X-Loop
// names the account so that the copy coming back is recognised, and
// X-Auto-Response-Suppress keeps Exchange's out-of-office replies away.
func writeListFields(b *headerBuf, s Spec) {
	b.add("List-Id", listIDValue(s))
	b.add("List-Post", "<mailto:"+s.Account+">")
	if s.ListHelp != "" {
		b.add("List-Help", "<"+s.ListHelp+">")
	}
	if len(s.ListUnsubscribe) > 0 {
		b.add("List-Unsubscribe", "<"+strings.Join(s.ListUnsubscribe, ">, <")+">")
	}
	if s.UnsubscribePost {
		b.add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	b.add("Precedence", "list")
	b.add("X-Loop", s.Account)
	b.add("X-Auto-Response-Suppress", "OOF, AutoReply")
}

// listIDValue is RFC 2919's [phrase] "<" list-id ">".
func listIDValue(s Spec) string {
	if p := phrase(s.caucusName()); p != "" {
		return p + " <" + s.listID() + ">"
	}
	return "<" + s.listID() + ">"
}
