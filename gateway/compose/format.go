package compose

import (
	"bytes"
	"encoding/base64"
	"mime"
	"strings"
	"unicode/utf8"
)

// preferredLineLen is RFC 5322 2.1.1's SHOULD; folding aims for it.
const preferredLineLen = 78

// headerBuf accumulates a header block.
type headerBuf struct {
	bytes.Buffer
}

// add writes a field, folding its value at spaces so that lines stay within
// 78 bytes where a space allows it. Folding inserts CRLF before a space that
// is already there (or the one after the colon), so unfolding gives the
// value back unchanged, and never before an empty run, which would make a
// whitespace-only line. A 75-byte encoded word thus never shares the line
// of a field name.
func (b *headerBuf) add(name, value string) {
	lineLen := len(name) + 1
	b.WriteString(name)
	b.WriteByte(':')
	for _, tok := range strings.Split(value, " ") {
		if tok != "" && lineLen+1+len(tok) > preferredLineLen {
			b.WriteString("\r\n")
			lineLen = 0
		}
		b.WriteByte(' ')
		b.WriteString(tok)
		lineLen += 1 + len(tok)
	}
	b.WriteString("\r\n")
}

func (b *headerBuf) addRaw(raw []byte) {
	b.Write(raw)
}

// encodeText renders unstructured text (a Subject) for a header: as it is
// when it is plain printable ASCII, else as RFC 2047 encoded words. Go's
// mime encoder splits words only between runes, so no encoded word ever
// holds half a UTF-8 sequence; each word is at most 75 bytes and words are
// separated by spaces, where add folds.
func encodeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	switch {
	case plainText(s):
		return s
	case isPrintableASCII(s):
		return forceEncode(s)
	}
	q := mime.QEncoding.Encode("utf-8", s)
	if b := mime.BEncoding.Encode("utf-8", s); len(b) < len(q) {
		return b
	}
	return q
}

// forceEncode encodes ASCII text that Go's encoder would leave as it is
// (it encodes only non-ASCII) but that cannot go out plain: text holding
// "=?", which a reader would decode, or a word too long to fold. Any byte
// boundary of ASCII is a character boundary; other text is cut between
// characters.
func forceEncode(s string) string {
	const chunk = 45 // 60 base64 bytes: a 72-byte encoded word
	var words []string
	for len(s) > 0 {
		n := min(chunk, len(s))
		for n < len(s) && n > 1 && !utf8.RuneStart(s[n]) {
			n--
		}
		words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, " ")
}

// plainText says whether s can go into a header unencoded and be read back
// as itself: printable ASCII, nothing a decoder would take for an encoded
// word, and no word too long to fold.
func plainText(s string) bool {
	if strings.Contains(s, "=?") || strings.HasPrefix(s, " ") || strings.HasSuffix(s, " ") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	for _, w := range strings.Split(s, " ") {
		if len(w) > preferredLineLen-len("Subject: ") {
			return false
		}
	}
	return true
}

// phrase renders a display name (RFC 5322 3.2.5): bare atoms when it is
// made of them, a quoted string when it is other printable ASCII, encoded
// words otherwise. Those use B: RFC 2047 5(3) allows only a few characters
// unencoded in a Q word inside a phrase, and Go's Q encoder leaves others
// (the "." of "Dr.") as they are.
func phrase(name string) string {
	name = cleanText(name)
	switch {
	case name == "":
		return ""
	case isAtoms(name):
		return name
	case isPrintableASCII(name) && !strings.Contains(name, "=?"):
		r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
		return `"` + r.Replace(name) + `"`
	}
	return mime.BEncoding.Encode("utf-8", name)
}

// cleanText makes text taken from a message fit for one header line: valid
// UTF-8, no control characters, runs of whitespace collapsed.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func isAtoms(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != ' ' && !isAtext(s[i]) {
			return false
		}
	}
	return true
}

// isAtext is RFC 5322 3.2.3's atext, ASCII only.
func isAtext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
