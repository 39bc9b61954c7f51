package compose

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestHeaderLineLimit: the longest header line is readBufferSize bytes,
// LF included (one less at the end of input, without one), whatever
// buffer the source is read through.
func TestHeaderLineLimit(t *testing.T) {
	field := func(n int) string { return "X-Long: " + strings.Repeat("a", n-len("X-Long: ")) }
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"limit with LF", field(readBufferSize-1) + "\n\nbody\n", true},
		{"over with LF", field(readBufferSize) + "\n\nbody\n", false},
		{"limit at end", field(readBufferSize - 1), true},
		{"over at end", field(readBufferSize), false},
	}
	sources := map[string]func(string) io.Reader{
		"writer-to": func(s string) io.Reader { return strings.NewReader(s) },
		"reader":    func(s string) io.Reader { return struct{ io.Reader }{strings.NewReader(s)} },
		"one-byte":  func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
	}
	for _, tt := range tests {
		for name, source := range sources {
			_, _, err := readHeaderLines(newMessageReader(source(tt.in)))
			if tt.ok != (err == nil) || err != nil && !errors.Is(err, ErrMalformed) {
				t.Errorf("%s from %s: %v", tt.name, name, err)
			}
			if !tt.ok && err != nil && !strings.Contains(err.Error(), "header line over 65536 bytes") {
				t.Errorf("%s from %s: %v", tt.name, name, err)
			}
		}
	}
}

// TestWriteSameFromAnySource: a message composes to the same bytes
// whether its source writes itself out or is read through the large
// buffer.
func TestWriteSameFromAnySource(t *testing.T) {
	raw := []byte("From: Ana <ana@itu.int>\r\nSubject: x\r\nX-Long: " + strings.Repeat("word ", 2000) + "\r\n\r\n" +
		strings.Repeat(".line\r\n", 5000))
	for _, mode := range []Mode{Resend, Redirect, Encapsulate} {
		var a, b bytes.Buffer
		errA := Write(&a, testSpec(mode), bytes.NewReader(raw))
		errB := Write(&b, testSpec(mode), iotest.HalfReader(bytes.NewReader(raw)))
		if errA != nil || errB != nil || !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Errorf("%s: %v, %v, same: %v", mode, errA, errB, bytes.Equal(a.Bytes(), b.Bytes()))
		}
	}
}
