package compose

import (
	"mime"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/emersion/go-message/charset"

	"caucusgate/internal/rfc2047"
)

// newWordDecoder decodes RFC 2047 encoded words in the charsets real mail
// uses, not only the UTF-8, ISO 8859-1 and US-ASCII of Go's default.
func newWordDecoder() *mime.WordDecoder {
	return &mime.WordDecoder{CharsetReader: charset.Reader}
}

// decodeText decodes an unstructured value (a Subject) with the project's
// one RFC 2047 decoder, which the rules read tags with: it joins words split
// inside a character, which Go's decodes one by one (a Shift_JIS "日本" came
// out "�坙{"). ok is false when a word is in an unknown charset or the
// result is not UTF-8 (raw Latin-1 in the header): the caller then keeps the
// raw bytes rather than lose them.
func decodeText(raw string) (string, bool) {
	s, err := rfc2047.Decode(raw)
	if err != nil || !utf8.ValidString(s) {
		return raw, false
	}
	return s, true
}

// sender is who a From value names: a display name and an address, either
// possibly empty when the value is broken.
type sender struct {
	name, address string
}

// parseSender reads the first mailbox of a From value, leniently: a value
// that does not parse is taken apart at its angle brackets.
func parseSender(raw string) sender {
	p := mail.AddressParser{WordDecoder: newWordDecoder()}
	list, err := p.ParseList(raw)
	if err == nil && len(list) > 0 {
		return sender{name: cleanText(list[0].Name), address: list[0].Address}
	}
	name, addr := raw, ""
	if before, after, ok := strings.Cut(raw, "<"); ok {
		name = before
		addr, _, _ = strings.Cut(after, ">")
	} else if strings.Contains(raw, "@") && !strings.ContainsAny(strings.TrimSpace(raw), " \t") {
		name, addr = "", raw
	}
	addr = strings.TrimSpace(addr)
	if strings.ContainsFunc(addr, isNotIDRune) || !strings.Contains(addr, "@") {
		addr = ""
	}
	return sender{name: cleanText(strings.Trim(lenientName(name), `" `)), address: addr}
}

// lenientName decodes a display name that net/mail refused: encoded words
// in an unknown charset give no name (the address stands in), raw 8-bit
// bytes that are not UTF-8 are read as Latin-1, the usual culprit.
func lenientName(name string) string {
	decoded, ok := decodeText(name)
	switch {
	case ok:
		return decoded
	case strings.Contains(name, "=?"):
		return ""
	case !utf8.ValidString(name):
		return latin1(name)
	}
	return name
}

func latin1(s string) string {
	r := make([]rune, len(s))
	for i := 0; i < len(s); i++ {
		r[i] = rune(s[i])
	}
	return string(r)
}

// label is how a reader knows the sender: the display name, else the
// address, cut to a length a mail client shows.
func (s sender) label() string {
	l := s.name
	if l == "" {
		l = s.address
	}
	if utf8.RuneCountInString(l) > 64 {
		l = string([]rune(l)[:64]) + "…"
	}
	return l
}

// String is the sender as the cover note shows it.
func (s sender) String() string {
	switch {
	case s.address == "":
		return s.name
	case s.name == "":
		return "<" + s.address + ">"
	}
	return s.name + " <" + s.address + ">"
}
