package compose

import (
	"bytes"
	"errors"
	"net/mail"
	"path/filepath"
	"strings"
	"testing"
)

// refused lists the corpus messages that cannot be composed safely, and
// what the error must say; every other one must compose in every mode.
var refused = map[string]string{
	"unfoldable-header.eml": "without whitespace to fold at",
	"nul-bytes.eml":         "NUL in the header",
	"bare-cr-boundary.eml":  "bare CR in the message",
	"smuggling-message.eml": "bare CR in the message",
}

// unsendable lists the corpus messages that no copy can carry, and what
// CheckWire must say of them.
var unsendable = map[string]string{
	"nul-bytes.eml":         "NUL in the header",
	"bare-cr-boundary.eml":  "bare CR in a multipart boundary line",
	"smuggling-message.eml": "bare CR in a message/rfc822 part, which cannot be re-encoded",
}

// TestMalformed also checks what CheckWire promises the gateway: a message
// it sends to re-encoding composes in resend mode with Reencode, and is
// refused in the other modes; one it calls unsendable is refused by Write.
func TestMalformed(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "malformed", "*.eml"))
	if err != nil || len(files) < 10 {
		t.Fatalf("malformed corpus missing: %v, %d files", err, len(files))
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".eml"), func(t *testing.T) {
			in := readFile(t, file)
			verdict := CheckWire(in)
			checkVerdict(t, verdict, unsendable[name])
			for _, spec := range malformedSpecs() {
				wantErr := refused[name]
				if verdict.Reencode != nil {
					spec.Reencode = true
					if spec.Mode != Resend {
						wantErr = "bare"
					}
				}
				out, err := composeMalformed(t, spec, in, wantErr)
				if err != nil {
					continue
				}
				checkWellFormed(t, out)
				if parsesStrictly(in) {
					checkKeepsOriginal(t, spec.Mode, in, out)
				}
				if spec.Mode == Resend && spec.Subject == "" {
					golden(t, strings.TrimSuffix(file, ".eml")+".resend.golden", out)
				}
			}
		})
	}
}

// checkVerdict asserts that CheckWire calls unsendable exactly the corpus
// messages listed so.
func checkVerdict(t *testing.T, v WireVerdict, wantErr string) {
	t.Helper()
	switch {
	case wantErr != "" && (!errors.Is(v.Unsendable, ErrBareBytes) || !strings.Contains(v.Unsendable.Error(), wantErr)):
		t.Fatalf("CheckWire: unsendable %v, want an error saying %q", v.Unsendable, wantErr)
	case wantErr == "" && errors.Is(v.Unsendable, ErrBareBytes):
		t.Fatalf("CheckWire: unsendable %v, want none", v.Unsendable)
	}
}

// malformedSpecs covers each mode, and resend both with a subject from the
// rules and with a prefix on the original subject.
func malformedSpecs() []Spec {
	prefixed := testSpec(Resend)
	prefixed.Subject, prefixed.SubjectPrefix = "", "[gender] "
	return []Spec{prefixed, testSpec(Resend), testSpec(Encapsulate), testSpec(Redirect)}
}

func composeMalformed(t *testing.T, spec Spec, in []byte, wantErr string) ([]byte, error) {
	t.Helper()
	var out bytes.Buffer
	err := Write(&out, spec, bytes.NewReader(in))
	switch {
	case wantErr == "" && err != nil:
		t.Fatalf("%s: Write: %v", spec.Mode, err)
	case wantErr != "" && (!errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), wantErr)):
		t.Fatalf("%s: Write error = %v, want ErrMalformed saying %q", spec.Mode, err, wantErr)
	}
	return out.Bytes(), err
}

// parsesStrictly says whether a message's parts can be compared: its
// header ends in an empty line and holds no control characters (which the
// composer replaces), and both net/mail and go-message read it, and
// go-message its parts.
func parsesStrictly(in []byte) bool {
	end := bytes.Index(bytes.ReplaceAll(in, []byte("\r\n"), []byte("\n")), []byte("\n\n"))
	if end < 0 || bytes.ContainsFunc(bytes.ReplaceAll(in[:min(len(in), end*2+2)], []byte("\r\n"), nil), isControl) {
		return false
	}
	if _, err := mail.ReadMessage(bytes.NewReader(in)); err != nil {
		return false
	}
	_, err := leaves(in)
	return err == nil
}

func isControl(r rune) bool {
	return r < 0x20 && r != '\t' && r != '\n' || r == 0x7f
}
