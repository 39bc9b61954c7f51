package smtprelay

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// stuffed returns what goes on the wire for in: the stuffer's output and
// the terminator go-smtp's DataCommand writes on Close.
func stuffed(in []byte, chunk int) ([]byte, error) {
	var out bytes.Buffer
	bw := bufio.NewWriterSize(&out, 16)
	d := newDotStuffer(bw)
	for len(in) > 0 {
		n := min(chunk, len(in))
		if _, err := d.Write(in[:n]); err != nil {
			return nil, err
		}
		in = in[n:]
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return append(out.Bytes(), "\r\n.\r\n"...), nil
}

// unstuff reads DATA content back as RFC 5321 4.5.2 says a server does.
func unstuff(t testing.TB, wire []byte) []byte {
	t.Helper()
	body, ok := bytes.CutSuffix(wire, []byte("\r\n.\r\n"))
	if !ok {
		t.Fatalf("no terminator: %q", wire)
	}
	lines := bytes.Split(body, []byte("\r\n"))
	for i, l := range lines {
		if bytes.Equal(l, []byte(".")) {
			t.Fatalf("a lone dot before the end: %q", wire)
		}
		lines[i] = bytes.TrimPrefix(l, []byte("."))
	}
	return append(bytes.Join(lines, []byte("\r\n")), "\r\n"...)
}

func TestDotStuffer(t *testing.T) {
	tests := []struct{ in, wire string }{
		{"", "\r\n.\r\n"},
		{"a\r\n", "a\r\n.\r\n"},
		{"a", "a\r\n.\r\n"},
		{".\r\n", "..\r\n.\r\n"},
		{"a\r\n.b\r\n..\r\n", "a\r\n..b\r\n...\r\n.\r\n"},
		{"a.\r\n.", "a.\r\n..\r\n.\r\n"},
		{"\r\n\r\n", "\r\n\r\n.\r\n"},
	}
	for _, tt := range tests {
		for _, chunk := range []int{1, 2, 3, 1 << 20} {
			got, err := stuffed([]byte(tt.in), chunk)
			if err != nil || string(got) != tt.wire {
				t.Errorf("%q in chunks of %d: %q, %v; want %q", tt.in, chunk, got, err, tt.wire)
			}
		}
	}
}

func TestDotStufferRefusesBareBytes(t *testing.T) {
	for _, in := range []string{
		"A\r.\rMAIL FROM:<x@bank.example>\r\n", "a\n.\n", "a\r\n.\n", "nul\x00\r\n", "end\r", "\n", "\r",
	} {
		for _, chunk := range []int{1, 2, 1 << 20} {
			if _, err := stuffed([]byte(in), chunk); !errors.Is(err, ErrBareBytes) {
				t.Errorf("%q in chunks of %d: error %v, want ErrBareBytes", in, chunk, err)
			}
		}
	}
}

// FuzzDotStuffer: a message without stray bytes is stuffed into DATA
// content that un-stuffs to it (with a final CRLF added when it lacked
// one), written in any chunks; one with stray bytes is refused.
func FuzzDotStuffer(f *testing.F) {
	for _, s := range []string{"", "a\r\n.b\r\n", ".\r\n.", "A\r.\rMAIL FROM:<x@y>\r\n", "\r\n..\r\n"} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		wire, err := stuffed(in, int(chunk)+1)
		clean := bytes.IndexByte(in, 0) < 0 &&
			bytes.Count(in, []byte("\r")) == bytes.Count(in, []byte("\r\n")) &&
			bytes.Count(in, []byte("\n")) == bytes.Count(in, []byte("\r\n"))
		if !clean {
			if !errors.Is(err, ErrBareBytes) {
				t.Fatalf("%q: error %v, want ErrBareBytes", in, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		want := in
		if len(in) > 0 && !bytes.HasSuffix(in, []byte("\r\n")) {
			want = append(bytes.Clone(in), "\r\n"...)
		}
		if got := unstuff(t, wire); len(in) > 0 && !bytes.Equal(got, want) {
			t.Fatalf("%q un-stuffs to %q", in, got)
		}
	})
}

// TestSendRefusesBareBytes: the relay's DATA writer never sends a bare CR,
// bare LF or NUL, whatever it is given: the transaction is abandoned
// without its final dot, the server gets nothing, and the error is final.
func TestSendRefusesBareBytes(t *testing.T) {
	ts := startServer(t, &testBackend{}, serverOpts{})
	r := newRelay(t, Config{URL: ts.url("smtp")})
	env := Envelope{From: "bureau@example.org", To: []string{"gender@example.org"}}
	body := "From: a@example.net\r\nSubject: x\r\n\r\nA\r.\rMAIL FROM:<x@bank.example>\r\n"
	_, err := r.Send(context.Background(), env, strings.NewReader(body))
	if !errors.Is(err, ErrBareBytes) || Temporary(err) {
		t.Fatalf("Send error %v, want a permanent ErrBareBytes", err)
	}
	if got := ts.be.messages(); len(got) != 0 {
		t.Fatalf("server received %+v", got)
	}
	if _, err := r.Send(context.Background(), env, msg("after")); err != nil {
		t.Fatalf("next send: %v", err)
	}
}

// TestSendKeepsDotsAndEnds: the server reads back what was sent, for
// bodies that start lines with dots and that end without CRLF, also over
// TLS.
func TestSendKeepsDotsAndEnds(t *testing.T) {
	for _, o := range []serverOpts{{}, {implicitTLS: true}} {
		ts := startServer(t, &testBackend{}, o)
		scheme := "smtp"
		if o.implicitTLS {
			scheme = "smtps"
		}
		r := newRelay(t, Config{URL: ts.url(scheme), TLSConfig: tlsConfigFor(ts)})
		bodies := []string{
			"Subject: dots\r\n\r\n.\r\n..\r\n.x\r\n" + strings.Repeat(".", 990) + "\r\n",
			"Subject: no end\r\n\r\nlast line",
		}
		for _, b := range bodies {
			if _, err := r.Send(context.Background(), Envelope{From: "a@example.org", To: []string{"b@example.org"}}, strings.NewReader(b)); err != nil {
				t.Fatalf("%s: %v", scheme, err)
			}
		}
		got := ts.be.messages()
		if len(got) != 2 || got[0].Data != bodies[0] || got[1].Data != bodies[1]+"\r\n" {
			t.Fatalf("%s: server read %+v", scheme, got)
		}
	}
}

// FuzzDotStufferMatchesLines: the chunked stuffer writes what the line at
// a time one, which it falls back on for refused input, writes, byte for
// byte, and refuses what it refuses, in any chunks.
func FuzzDotStufferMatchesLines(f *testing.F) {
	for _, s := range []string{"", "a\r\n.b\r\n", ".\r\n.", "A\r.\rMAIL FROM:<x@y>\r\n", "\r\n..\r\n", "\r\n.\r\n", "a\r", "\r\r\n"} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, chunk uint8) {
		got, err := stuffed(in, int(chunk)+1)
		want, wantErr := stuffedLines(in, int(chunk)+1)
		if (err == nil) != (wantErr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("%q in chunks of %d: %q, %v; a line at a time %q, %v", in, int(chunk)+1, got, err, want, wantErr)
		}
	})
}

// stuffedLines is stuffed with every chunk written a line at a time.
func stuffedLines(in []byte, chunk int) ([]byte, error) {
	var out bytes.Buffer
	bw := bufio.NewWriterSize(&out, 16)
	d := newDotStuffer(bw)
	for len(in) > 0 {
		n := min(chunk, len(in))
		if bytes.IndexByte(in[:n], 0) >= 0 {
			return nil, ErrBareBytes
		}
		if _, err := d.writeLines(in[:n]); err != nil {
			return nil, err
		}
		in = in[n:]
	}
	if err := d.finish(); err != nil {
		return nil, err
	}
	return append(out.Bytes(), "\r\n.\r\n"...), nil
}
