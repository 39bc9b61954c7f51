package compose

import (
	"strings"
)

// subjectValue returns the Subject field value of the copy, and false when
// the original Subject fields are to be kept as they are.
func subjectValue(s Spec, o original) (string, bool) {
	if s.Subject == "" && s.SubjectPrefix == "" {
		return "", false
	}
	if s.Subject != "" {
		return encodeText(withPrefix(s.SubjectPrefix, s.Subject)), true
	}
	raw := o.get("Subject")
	decoded, ok := decodeText(raw)
	if hasPrefix(decoded, s.SubjectPrefix) {
		return "", false
	}
	if ok {
		return encodeText(withPrefix(s.SubjectPrefix, decoded)), true
	}
	return rawWithPrefix(s.SubjectPrefix, raw), true
}

// withPrefix puts the caucus prefix before the subject unless the subject
// already holds it: a reply to an earlier copy reads "Re: [gender] ...",
// and list servers do not make that "[gender] Re: [gender] ...".
func withPrefix(prefix, subject string) string {
	if prefix == "" || hasPrefix(subject, prefix) {
		return subject
	}
	return strings.TrimSpace(strings.TrimSpace(prefix) + " " + strings.TrimLeft(subject, " "))
}

func hasPrefix(subject, prefix string) bool {
	p := strings.ToLower(strings.TrimSpace(prefix))
	return p != "" && strings.Contains(strings.ToLower(subject), p)
}

// rawWithPrefix prefixes a subject that could not be decoded (an unknown
// charset, raw 8-bit bytes) without touching its bytes. A prefix that needs
// encoding carries its trailing space inside its encoded word, since the
// space between two encoded words vanishes when they are decoded.
func rawWithPrefix(prefix, raw string) string {
	prefix = strings.TrimRight(prefix, " ")
	if plainText(prefix) {
		return prefix + " " + raw
	}
	return encodeText(prefix+" ") + " " + raw
}
