package rules

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// decodeSubject decodes an RFC 2047 header value. Unlike mime.WordDecoder,
// it joins the bytes of adjacent encoded words in one charset before
// converting them, because real mailers split words inside a multi-byte
// character, and inside a tag: "=?UTF-8?Q?[caucus:_g=C3?= =?UTF-8?Q?=A9nero]?=".
func decodeSubject(raw string) string {
	var out strings.Builder
	var pending []byte
	charset := ""
	flush := func() {
		if len(pending) > 0 {
			out.WriteString(toUTF8(charset, pending))
			pending = pending[:0]
		}
	}
	prevWord := false
	for rest := raw; rest != ""; {
		start, end, cs, data, ok := nextEncodedWord(rest)
		if !ok {
			flush()
			out.WriteString(rest)
			break
		}
		gap := rest[:start]
		// Blanks between two encoded words are not text (RFC 2047 section 6.2).
		joined := prevWord && strings.TrimSpace(gap) == ""
		if !joined || !strings.EqualFold(cs, charset) {
			flush()
		}
		if !joined {
			out.WriteString(gap)
		}
		charset, prevWord = cs, true
		pending = append(pending, data...)
		rest = rest[end:]
	}
	flush()
	return out.String()
}

// nextEncodedWord finds the first well-formed encoded word in s and returns
// its bounds, charset and decoded bytes.
func nextEncodedWord(s string) (start, end int, charset string, data []byte, ok bool) {
	for off := 0; ; {
		i := strings.Index(s[off:], "=?")
		if i < 0 {
			return 0, 0, "", nil, false
		}
		i += off
		if cs, d, n, good := parseEncodedWord(s[i:]); good {
			return i, i + n, cs, d, true
		}
		off = i + 2
	}
}

// parseEncodedWord parses "=?charset?enc?text?=" at the start of s.
func parseEncodedWord(s string) (charset string, data []byte, n int, ok bool) {
	parts := strings.SplitN(s[2:], "?", 4)
	if len(parts) < 4 || !strings.HasPrefix(parts[3], "=") || len(parts[1]) != 1 {
		return "", nil, 0, false
	}
	charset, _, _ = strings.Cut(parts[0], "*") // RFC 2231 language suffix
	text := parts[2]
	if strings.ContainsAny(text, " \t") {
		return "", nil, 0, false
	}
	var err error
	switch parts[1] {
	case "B", "b":
		data, err = base64.StdEncoding.DecodeString(padBase64(text))
	case "Q", "q":
		data, err = decodeQ(text)
	default:
		return "", nil, 0, false
	}
	if err != nil {
		return "", nil, 0, false
	}
	return charset, data, 2 + len(parts[0]) + 1 + 1 + 1 + len(text) + 2, true
}

func padBase64(s string) string {
	if m := len(s) % 4; m != 0 {
		s += strings.Repeat("=", 4-m)
	}
	return s
}

func decodeQ(s string) ([]byte, error) {
	var b bytes.Buffer
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_':
			b.WriteByte(' ')
		case c == '=' && i+2 < len(s):
			v, err := hex.DecodeString(s[i+1 : i+3])
			if err != nil {
				return nil, fmt.Errorf("decode Q word: %w", err)
			}
			b.Write(v)
			i += 2
		case c == '=':
			return nil, fmt.Errorf("decode Q word: truncated escape")
		default:
			b.WriteByte(c)
		}
	}
	return b.Bytes(), nil
}

// toUTF8 converts data from charset; an unknown charset or invalid data
// keeps what decodes, with U+FFFD for the rest.
func toUTF8(charset string, data []byte) string {
	cs := strings.ToLower(charset)
	if cs == "utf-8" || cs == "us-ascii" || cs == "utf8" {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil || !utf8.Valid(out) {
		return strings.ToValidUTF8(string(data), "\uFFFD")
	}
	return string(out)
}

// subjectOf returns the subject tags are read in: the raw header decoded
// here when the gateway passed it, else the gateway's decoded subject.
func subjectOf(m *Message) string {
	if m.RawSubject != "" {
		return decodeSubject(unfold(m.RawSubject))
	}
	return m.Subject
}

// unfold joins a folded header value (RFC 5322 section 2.2.3).
func unfold(v string) string {
	return strings.NewReplacer("\r\n", "", "\n", "").Replace(v)
}
