package extract

import (
	"regexp"
	"strings"
)

var (
	// headerLine is a line of a forwarded or quoted message's header block, as
	// mail clients write it in English, French and Spanish.
	headerLine = regexp.MustCompile(`(?i)^\s*\*?(?:from|sent|date|to|cc|subject|de|envoyé|date|à|a|objet|enviado|fecha|para|asunto)\s*\*?\s*:`)
	// fromLine opens a header block that has no separator line above it.
	fromLine = regexp.MustCompile(`(?i)^\s*\*?(?:from|de)\s*\*?\s*:`)
	// separator opens a forwarded or original message block.
	separator = regexp.MustCompile(`(?i)^\s*-{2,}\s*(?:forwarded message|original message|message transféré|message d'origine|mensaje reenviado|mensaje original)\s*-{2,}\s*$`)
	// attribution is the line a client writes above quoted text.
	attribution = regexp.MustCompile(`(?i)(?:wrote|a écrit|escribió)\s*:\s*$`)
)

// readable drops what a message quotes rather than says: lines quoted with
// ">", attribution lines, and the header block of each forwarded message (the
// forwarded body stays: a bureau member often forwards the invitation itself).
func readable(text string) string {
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	out := make([]string, 0, len(lines))
	inHeader := false
	for _, l := range lines {
		// Every pattern but ">" needs a colon or a dash run: most lines are
		// spared four regexps.
		colon, dashes := strings.Contains(l, ":"), strings.Contains(l, "--")
		switch {
		case dashes && separator.MatchString(l):
			inHeader = true
			continue
		case inHeader && ((colon && headerLine.MatchString(l)) || isContinuation(l)):
			continue
		case strings.HasPrefix(strings.TrimSpace(l), ">"), colon && attribution.MatchString(l):
			inHeader = false
			continue
		case colon && fromLine.MatchString(l) && startsHeaderBlock(out):
			inHeader = true
			continue
		}
		inHeader = false
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// isContinuation is a folded header line: indented and not empty.
func isContinuation(l string) bool {
	return l != "" && (l[0] == ' ' || l[0] == '\t') && strings.TrimSpace(l) != ""
}

// startsHeaderBlock reports whether a header-like line opens a block of its
// own (after an empty line or at the top), as Outlook writes a forwarded
// message with no separator: "From: ... Sent: ... To: ... Subject: ...".
func startsHeaderBlock(before []string) bool {
	return len(before) == 0 || strings.TrimSpace(before[len(before)-1]) == "" ||
		strings.Trim(strings.TrimSpace(before[len(before)-1]), "_-") == ""
}
