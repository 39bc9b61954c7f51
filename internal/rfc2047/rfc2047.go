// Package rfc2047 decodes the encoded words of header values (RFC 2047),
// the one decoder the rules (subject tags) and the composer (the copy's
// subject, the cover note) share. Unlike mime.WordDecoder it joins the
// bytes of adjacent encoded words in one charset before converting them:
// real mailers split words inside a multi-byte character, and inside a
// tag ("=?UTF-8?Q?[caucus:_g=C3?= =?UTF-8?Q?=A9nero]?="), and a Shift_JIS
// subject split that way decodes word by word to garbage.
package rfc2047

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"
)

// ErrUnknownCharset says that a word's charset is unknown: its bytes were
// kept as far as they are UTF-8.
var ErrUnknownCharset = errors.New("unknown charset")

// Decode decodes the encoded words of an unstructured value (RFC 2047 6.2:
// white space between two encoded words is not text). Text outside encoded
// words is kept as it is. A word in an unknown charset, or whose bytes do
// not convert, is kept with U+FFFD for what is not UTF-8, and the error
// wraps ErrUnknownCharset.
func Decode(raw string) (string, error) {
	d := decoder{}
	prevWord := false
	for rest := raw; rest != ""; {
		start, end, cs, data, ok := nextEncodedWord(rest)
		if !ok {
			d.flush()
			d.out.WriteString(rest)
			break
		}
		gap := rest[:start]
		joined := prevWord && strings.TrimSpace(gap) == ""
		if !joined || !strings.EqualFold(cs, d.charset) {
			d.flush()
		}
		if !joined {
			d.out.WriteString(gap)
		}
		d.charset, prevWord = cs, true
		d.pending = append(d.pending, data...)
		rest = rest[end:]
	}
	d.flush()
	return d.out.String(), d.err
}

// decoder gathers the bytes of adjacent words in one charset.
type decoder struct {
	out     strings.Builder
	pending []byte
	charset string
	err     error
}

func (d *decoder) flush() {
	if len(d.pending) == 0 {
		return
	}
	s, err := toUTF8(d.charset, d.pending)
	if err != nil && d.err == nil {
		d.err = err
	}
	d.out.WriteString(s)
	d.pending = d.pending[:0]
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
			return nil, errors.New("decode Q word: truncated escape")
		default:
			b.WriteByte(c)
		}
	}
	return b.Bytes(), nil
}

// toUTF8 converts data from charset (WHATWG names and aliases, which cover
// what mail uses).
func toUTF8(charset string, data []byte) (string, error) {
	cs := strings.ToLower(charset)
	if cs == "utf-8" || cs == "us-ascii" || cs == "utf8" {
		return strings.ToValidUTF8(string(data), "\uFFFD"), nil
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		return strings.ToValidUTF8(string(data), "\uFFFD"), fmt.Errorf("%w %q", ErrUnknownCharset, charset)
	}
	out, err := enc.NewDecoder().Bytes(data)
	if err != nil || !utf8.Valid(out) {
		return strings.ToValidUTF8(string(data), "\uFFFD"), fmt.Errorf("%w %q: the bytes do not convert", ErrUnknownCharset, charset)
	}
	return string(out), nil
}
