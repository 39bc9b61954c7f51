package digest

import (
	"regexp"
	"strings"
)

// attribution matches the line, or lines joined by a space, with which
// mail clients introduce a quoted message: Gmail, Apple Mail, Thunderbird
// and Outlook in English, French, Spanish, German, Italian, Portuguese and
// Dutch.
var attribution = regexp.MustCompile(`(?i)^(` +
	`on\s.+\swrote\s*:|` +
	`le\s.+\sa\s+écrit\s*:|` +
	`el\s.+\sescribió\s*:|` +
	`am\s.+\sschrieb\s.*:|` +
	`il\s.+\sha\s+scritto\s*:|` +
	`em\s.+\sescreveu\s*:|` +
	`op\s.+\sschreef\s.*:|` +
	`[^:]{1,80}\swrote\s*:)$`)

// originalMessage matches Outlook's separator before the message replied
// to, in the same languages.
var originalMessage = regexp.MustCompile(`(?i)^-{3,}\s*(original message|message d'origine|mensaje original|ursprüngliche nachricht|messaggio originale|mensagem original|oorspronkelijk bericht)\s*-{3,}$`)

// outlookFrom and outlookSent match the first lines of the header block
// that newer Outlook versions put above the message replied to
// ("From: ... Sent: ..."; "De : ... Envoyé : ..."; "Von: ... Gesendet: ...").
var (
	outlookFrom = regexp.MustCompile(`(?i)^\*?(from|de|von|da|van)\s?:\*?\s*\S`)
	outlookSent = regexp.MustCompile(`(?i)^\*?(sent|date|envoyé|enviado|enviada|fecha|gesendet|datum|inviato|data|verzonden)\s?:\*?\s*\S`)
)

// maxAttributionLines is how many lines an attribution may wrap over:
// Gmail wraps long ones before the address.
const maxAttributionLines = 3

// StripQuotes removes from a reply's text the message it quotes: lines
// quoted with ">", the attribution line introducing them ("On ... wrote:",
// "Le ... a écrit :", "El ... escribió:", "Am ... schrieb ...:"), and
// everything from Outlook's "-----Original Message-----" separator or its
// "From: ... Sent: ..." block on. What the replier wrote between quotes
// stays. Lines end with "\n" in the result. A text that would be left
// empty is returned whole: a reply that is only a quote is still a reply.
func StripQuotes(text string) string {
	lines := strings.Split(text, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], "\r")
	}
	lines = cutAtOutlook(lines)
	var kept []string
	for i := 0; i < len(lines); i++ {
		if isQuoted(lines[i]) {
			continue
		}
		if n := attributionAt(lines, i); n > 0 {
			i += n - 1
			continue
		}
		kept = append(kept, lines[i])
	}
	out := squeezeBlank(kept)
	if out == "" {
		return text
	}
	return out
}

func isQuoted(line string) bool {
	return strings.HasPrefix(strings.TrimLeft(line, " \t"), ">")
}

// attributionAt returns how many lines from i form an attribution followed
// by a quote (after blank lines, if any), or 0. Requiring the quote keeps a
// sentence of the reply that merely ends in "wrote:".
func attributionAt(lines []string, i int) int {
	joined := ""
	for n := 1; n <= maxAttributionLines && i+n <= len(lines); n++ {
		line := strings.TrimSpace(lines[i+n-1])
		if line == "" || isQuoted(line) {
			return 0
		}
		joined = strings.TrimSpace(joined + " " + line)
		if attribution.MatchString(joined) && quoteFollows(lines, i+n) {
			return n
		}
	}
	return 0
}

func quoteFollows(lines []string, from int) bool {
	for _, line := range lines[from:] {
		if strings.TrimSpace(line) != "" {
			return isQuoted(line)
		}
	}
	return false
}

// cutAtOutlook drops everything from Outlook's marker of the original
// message on, together with the underscore rule Outlook draws above it.
func cutAtOutlook(lines []string) []string {
	for i, line := range lines {
		t := strings.TrimSpace(line)
		if originalMessage.MatchString(t) || outlookFrom.MatchString(t) && sentFollows(lines, i+1) {
			return trimRule(lines[:i])
		}
	}
	return lines
}

// sentFollows reports whether an Outlook "Sent:" line comes within the two
// lines after a "From:" line.
func sentFollows(lines []string, from int) bool {
	for _, line := range lines[from:min(from+2, len(lines))] {
		if outlookSent.MatchString(strings.TrimSpace(line)) {
			return true
		}
	}
	return false
}

func trimRule(lines []string) []string {
	for len(lines) > 0 {
		t := strings.TrimSpace(lines[len(lines)-1])
		if t != "" && strings.Trim(t, "_-") != "" {
			break
		}
		lines = lines[:len(lines)-1]
	}
	return lines
}

// squeezeBlank joins lines, dropping blank lines at both ends and
// collapsing the runs of them that removed quotes leave behind.
func squeezeBlank(lines []string) string {
	var b strings.Builder
	blank := false
	for _, line := range lines {
		if strings.TrimSpace(line) == "" {
			blank = b.Len() > 0
			continue
		}
		if blank {
			b.WriteByte('\n')
			blank = false
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	return b.String()
}
