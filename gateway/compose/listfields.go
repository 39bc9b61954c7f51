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
	if len(s.SentFor) > 1 {
		b.add(sentForField, strings.Join(s.SentFor, ", "))
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

// Where a list copy keeps the original's addressing: fields of our own,
// never X-Original-To, which Postfix writes on delivery and list servers
// and filters read as the envelope recipient.
const (
	// sentForField lists every caucus one copy stands for.
	sentForField    = "X-Caucus-Caucuses"
	originalToField = "X-Caucus-Original-To"
	originalCcField = "X-Caucus-Original-Cc"
)

// writeListAddressing addresses a copy to a list caucus To the list, the
// original To and Cc renamed. Reply-all then reaches the list and the
// sender, never the bureau, and the list server sees itself named as the
// destination (Mailman holds a post whose list address is only in the
// envelope as an "implicit destination").
func writeListAddressing(b *headerBuf, s Spec, o original) {
	b.add("To", s.ListAddress)
	for _, f := range o.fields {
		switch f.name {
		case "To":
			writeRenamed(b, f, originalToField)
		case "Cc":
			writeRenamed(b, f, originalCcField)
		}
	}
}

// isListAddressing names the original's fields a list copy replaces or
// writes again under its own names.
func isListAddressing(name string) bool {
	switch name {
	case "To", "Cc", originalToField, originalCcField:
		return true
	}
	return false
}
