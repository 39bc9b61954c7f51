package bounce

import (
	"net/textproto"
	"strings"
)

// field is one "Name: value" field, unfolded.
type field struct {
	name, value string
}

// maxFields bounds what one report or header block may hold.
const maxFields = 2000

// splitLines splits text at LF, dropping a CR before it; other control
// characters become spaces, so that no value read from a report carries
// a line break into a log line or a header.
func splitLines(text string) []string {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.Map(noControl, strings.TrimSuffix(l, "\r"))
	}
	return lines
}

func noControl(r rune) rune {
	if r < 0x20 && r != '\t' || r == 0x7f {
		return ' '
	}
	return r
}

// readGroups reads RFC 3464 field groups: blocks of RFC 5322-style fields
// separated by blank lines. It is lenient as real reports require: a line
// that is no field ends nothing and is skipped, continuation lines join
// their field with one space.
func readGroups(text string) [][]field {
	var groups [][]field
	var cur []field
	n := 0
	for _, line := range splitLines(text) {
		switch {
		case strings.TrimSpace(line) == "":
			if len(cur) > 0 {
				groups = append(groups, cur)
				cur = nil
			}
		case line[0] == ' ' || line[0] == '\t':
			if len(cur) > 0 {
				cur[len(cur)-1].value += " " + strings.TrimSpace(line)
			}
		default:
			if f, ok := parseField(line); ok && n < maxFields {
				cur = append(cur, f)
				n++
			}
		}
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	return groups
}

func parseField(line string) (field, bool) {
	i := strings.IndexByte(line, ':')
	if i <= 0 || strings.ContainsAny(line[:i], " \t") {
		return field{}, false
	}
	return field{name: textproto.CanonicalMIMEHeaderKey(line[:i]), value: strings.TrimSpace(line[i+1:])}, true
}

// readHeader reads a header block up to the first blank line into a
// MIMEHeader, leniently (see readGroups); nil when there is no field. Blank
// lines before the block (text bounces leave some) are skipped.
func readHeader(text string) textproto.MIMEHeader {
	lines := splitLines(strings.TrimLeft(text, "\r\n"))
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			lines = lines[:i]
			break
		}
	}
	groups := readGroups(strings.Join(lines, "\n"))
	if len(groups) == 0 {
		return nil
	}
	h := textproto.MIMEHeader{}
	for _, f := range groups[0] {
		h[f.name] = append(h[f.name], f.value)
	}
	return h
}

// typedValue strips an RFC 3464 type prefix ("rfc822;", "dns;", "smtp;")
// and angle brackets.
func typedValue(v string) string {
	if i := strings.IndexByte(v, ';'); i >= 0 && !strings.ContainsAny(v[:i], " @<") {
		v = v[i+1:]
	}
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "<") && strings.HasSuffix(v, ">") {
		v = strings.TrimSpace(v[1 : len(v)-1])
	}
	return v
}

// stripComment removes a trailing RFC 5322 comment, as in
// "failed (bad mailbox)".
func stripComment(v string) string {
	if i := strings.IndexByte(v, '('); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}
