package msgtext

import (
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"golang.org/x/text/encoding/charmap"
)

// readText reads a text part's body, decoded to UTF-8, up to limit bytes.
// Bytes that are not UTF-8 (an unknown or undeclared charset) are read as
// Windows-1252, the commonest such charset, rather than dropped.
func (w *walker) readText(e *message.Entity, limit int) string {
	b, err := io.ReadAll(io.LimitReader(e.Body, int64(limit)+1))
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		w.problem("text part: %v", err)
	}
	if len(b) > limit {
		b = b[:limit]
		w.truncated = true
	}
	if utf8.Valid(b) {
		return string(b)
	}
	if _, params, _ := e.Header.ContentType(); params["charset"] != "" {
		w.problem("text not in its declared charset %q: read as Windows-1252", params["charset"])
	}
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}

// addText appends s to the text, cleaned, up to the text limit.
func (w *walker) addText(s string, fromHTML bool) {
	s = strings.TrimRight(clean(s), " \t\n")
	if strings.TrimSpace(s) == "" {
		return
	}
	if w.text.Len() > 0 {
		s = "\n\n" + s
	}
	w.fromHTML = w.fromHTML || fromHTML
	room := w.opt.MaxText - w.runes
	if n := utf8.RuneCountInString(s); n > room {
		s = string([]rune(s)[:max(room, 0)])
		w.truncated = true
	}
	w.text.WriteString(s)
	w.runes += utf8.RuneCountInString(s)
}

// clean makes text safe to show: line ends as "\n", no control characters
// but tab and newline, no bidirectional overrides that could disguise it.
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case unicode.IsControl(r), isBidiControl(r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// isBidiControl reports the embedding, override and isolate controls
// (Unicode TR 9) that can make text read other than it is.
func isBidiControl(r rune) bool {
	return r >= 0x202A && r <= 0x202E || r >= 0x2066 && r <= 0x2069
}
