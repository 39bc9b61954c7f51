package compose

import (
	"bytes"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// smuggling is the SMTP smuggling body of the 2023 research: a bare CR
// before and after the dot, which some servers take for the end of DATA.
const smuggling = "From: a@example.net\r\nTo: bureau@example.org\r\nSubject: hi\r\nMessage-ID: <s@example.net>\r\n\r\n" +
	"A\r.\rMAIL FROM:<x@bank.example>\r\n"

func TestSmugglingNeverReachesTheWire(t *testing.T) {
	v := CheckWire([]byte(smuggling))
	if v.Unsendable != nil || v.Reencode == nil || !strings.Contains(v.Reencode.Error(), "bare CR in the body") {
		t.Fatalf("CheckWire = %+v, want Reencode for a bare CR in the body", v)
	}
	for _, mode := range []Mode{Resend, Encapsulate, Redirect} {
		var out bytes.Buffer
		err := Write(&out, testSpec(mode), strings.NewReader(smuggling))
		if !errors.Is(err, ErrBareBytes) || !errors.Is(err, ErrMalformed) {
			t.Errorf("%s without Reencode: Write error %v, want ErrBareBytes", mode, err)
		}
		if bytes.Contains(out.Bytes(), []byte("\r.\r")) {
			t.Errorf("%s: the smuggling sequence was written", mode)
		}
	}
	spec := testSpec(Resend)
	spec.Reencode = true
	out := compose(t, spec, []byte(smuggling))
	checkWellFormed(t, out)
	checkSameParts(t, []byte(smuggling), out)
	if !bytes.Contains(out, []byte("\r\n\r\nA=0D.=0DMAIL FROM:<x@bank.example>\r\n")) {
		t.Errorf("body not re-encoded as quoted-printable:\n%q", out)
	}
}

func TestQuotedPrintableKeepsEveryByte(t *testing.T) {
	for _, in := range []string{
		"", "a\r\nb", "tab\t\r\n", "space ", "\x00\r\r\n\n", strings.Repeat("é=", 100), strings.Repeat("x", 200) + "\r\n",
	} {
		got := decodeQP(t, encodeQuotedPrintable([]byte(in)))
		if got != in {
			t.Errorf("%q decodes back to %q", in, got)
		}
	}
}

func decodeQP(t testing.TB, enc []byte) string {
	t.Helper()
	if what := stray(enc); what != "" {
		t.Fatalf("encoding %q holds a %s", enc, what)
	}
	for _, line := range bytes.Split(enc, []byte("\r\n")) {
		if len(line) > qpLineLen {
			t.Fatalf("encoded line of %d bytes", len(line))
		}
	}
	got, err := decodeLeaf([]field{{name: "Content-Transfer-Encoding", raw: []byte("Content-Transfer-Encoding: quoted-printable\r\n")}}, enc)
	if err != nil {
		t.Fatal(err)
	}
	return string(got)
}

// FuzzWire runs any inbound message through CheckWire and every mode the
// gateway would compose it in: no composed copy ever holds a bare CR, bare
// LF or NUL, a message CheckWire passes composes in every mode unless it is
// malformed otherwise, and one it sends to re-encoding composes in resend
// mode with its parts decoding as they did.
func FuzzWire(f *testing.F) {
	for _, pattern := range []string{"*.eml", "malformed/*.eml"} {
		files, _ := filepath.Glob(filepath.Join("testdata", pattern))
		for _, file := range files {
			f.Add(readFile(f, file))
		}
	}
	f.Add([]byte(smuggling))
	f.Add([]byte("Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\na\rb\x00\n--b--\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		v := CheckWire(in)
		for _, spec := range malformedSpecs() {
			spec.Reencode = v.Reencode != nil
			var out bytes.Buffer
			err := Write(&out, spec, bytes.NewReader(in))
			if what := stray(out.Bytes()); what != "" {
				t.Fatalf("%s: a %s reached the composed copy", spec.Mode, what)
			}
			switch {
			case err != nil && !errors.Is(err, ErrMalformed):
				t.Fatalf("%s: Write: %v (not ErrMalformed)", spec.Mode, err)
			case err == nil:
				checkWellFormed(t, out.Bytes())
			case errors.Is(err, ErrBareBytes) && v.Unsendable == nil && (v.Reencode == nil || spec.Mode == Resend):
				t.Fatalf("%s: Write refused stray bytes (%v) that CheckWire let through: %+v", spec.Mode, err, v)
			}
		}
	})
}

// FuzzCountLineEnds: the one-pass count agrees with counting each kind
// on its own, the check it replaced.
func FuzzCountLineEnds(f *testing.F) {
	for _, s := range []string{"", "\n", "\r", "a\r\nb", "\r\n\r\n", "\n\r", "a\rb\nc", "\r\r\n\n"} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, b []byte, afterCR bool) {
		want := lineEnds{
			cr:   bytes.Count(b, []byte("\r")),
			lf:   bytes.Count(b, []byte("\n")),
			crlf: bytes.Count(b, []byte("\r\n")),
		}
		if afterCR && len(b) > 0 && b[0] == '\n' {
			want.crlf++
		}
		if got := countLineEnds(b, afterCR); got != want {
			t.Fatalf("%q after CR %v: %+v, want %+v", b, afterCR, got, want)
		}
	})
}
