package rules

import (
	"strings"
)

// forwardedBefore catches a copy we forwarded coming back through a caucus
// list that rewrote our headers: the gateway found its Message-ID among our
// forwarded copies. Distinct messages sharing a Message-ID are not caught
// here: the gateway compares more than the Message-ID.
func forwardedBefore(m *Message, _ Env) (bool, string) {
	if m.ForwardedBefore {
		return true, "Message-ID " + m.MessageID + " is one we forwarded"
	}
	return false, ""
}

// deliveryReport catches bounces: the null sender, MAILER-DAEMON, and
// multipart/report (RFC 6522: DSNs, MDNs).
func deliveryReport(m *Message, _ Env) (bool, string) {
	switch {
	case strings.TrimSpace(m.Sender) == "<>":
		return true, "null envelope sender <>"
	case isMailerDaemon(m.From) || isMailerDaemon(bareAddress(m.Sender)):
		return true, "sent by MAILER-DAEMON"
	case strings.EqualFold(m.ContentType, "multipart/report"):
		return true, "Content-Type multipart/report"
	}
	return false, ""
}

func isMailerDaemon(addr string) bool {
	local, _, _ := strings.Cut(addr, "@")
	return strings.EqualFold(local, "mailer-daemon")
}

// autoReply catches automatic replies (RFC 3834 Auto-Submitted:
// auto-replied, the X-Autoreply family, Precedence: auto_reply, and
// out-of-office subjects). Auto-Submitted: auto-generated and Precedence:
// bulk are not caught: invitations come from mass mailers.
func autoReply(m *Message, _ Env) (bool, string) {
	for _, v := range m.header("Auto-Submitted") {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(v)), "auto-replied") {
			return true, "Auto-Submitted: " + strings.TrimSpace(v)
		}
	}
	for _, h := range []string{"X-Autoreply", "X-Autorespond"} {
		if len(m.header(h)) > 0 {
			return true, h + " header"
		}
	}
	for _, v := range m.header("Precedence") {
		if strings.EqualFold(strings.TrimSpace(v), "auto_reply") {
			return true, "Precedence: auto_reply"
		}
	}
	if p, ok := outOfOfficeSubject(m.Subject); ok {
		return true, "subject starts with " + p
	}
	return false, ""
}

// outOfOfficePrefixes start the subjects of out-of-office replies from
// mailers that mark them no other way, in the bureau's usual languages.
var outOfOfficePrefixes = []string{
	"automatic reply:", "auto-reply:", "autoreply:", "auto reply:", "out of office:", "out of office reply",
	"réponse automatique", "absence du bureau", "respuesta automática:", "fuera de la oficina",
	"automatische antwort:", "abwesenheitsnotiz", "risposta automatica:", "resposta automática:",
}

func outOfOfficeSubject(subject string) (string, bool) {
	// Lower case maps rune by rune, each to one byte at least: the first
	// runes of a subject, as many as the longest prefix has bytes, are
	// all a prefix can be compared with.
	s := strings.ToLower(leadingRunes(strings.TrimSpace(subject), 32))
	for _, p := range outOfOfficePrefixes {
		if strings.HasPrefix(s, p) {
			return p, true
		}
	}
	return "", false
}

// leadingRunes is s cut after its first n runes.
func leadingRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
