package compose

import (
	"bytes"
	"flag"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output")

// testSpec is the Spec of the golden tests: a caucus with a name that needs
// no quoting, the reply token address and a one-click unsubscribe link.
func testSpec(mode Mode) Spec {
	return Spec{
		Mode:            mode,
		Caucus:          "gender",
		CaucusName:      "Gender Caucus",
		Account:         "bureau@example.org",
		Subject:         "Invitation à la consultation sur l’égalité des genres",
		RewriteFrom:     true,
		ReplyTo:         "bureau+f7k2q9wx@example.org",
		ListHelp:        "mailto:bureau@example.org?subject=help",
		ListUnsubscribe: []string{"mailto:bureau@example.org?subject=unsubscribe", "https://gate.example.org/u/tok3n"},
		UnsubscribePost: true,
		MessageID:       "generated.1@caucusgate.example.org",
		Recipient:       "caucus-gender@example.org",
		Date:            time.Date(2025, 10, 14, 9, 30, 0, 0, time.UTC),
		Boundary:        "caucusgate=_TESTBOUNDARY",
	}
}

func TestWriteGolden(t *testing.T) {
	keepFrom := testSpec(Resend)
	keepFrom.RewriteFrom, keepFrom.Subject, keepFrom.ReplyTo = false, "", ""
	prefixed := testSpec(Resend)
	prefixed.Subject, prefixed.SubjectPrefix = "", "[gender] "
	// A copy to a list caucus: To the list, whatever RewriteFrom says
	// From the account (issue 10, "Copies to a list").
	toList := keepFrom
	toList.ListAddress = "caucus-gender@lists.example.net"
	toListEnc := testSpec(Encapsulate)
	toListEnc.ListAddress = "caucus-gender@lists.example.net"
	tests := []struct {
		name, in string
		spec     Spec
	}{
		{"invitation-resend-list", "invitation.eml", toList},
		{"invitation-encapsulate-list", "invitation.eml", toListEnc},
		{"invitation-resend", "invitation.eml", testSpec(Resend)},
		{"invitation-resend-keepfrom", "invitation.eml", keepFrom},
		{"invitation-encapsulate", "invitation.eml", testSpec(Encapsulate)},
		{"invitation-redirect", "invitation.eml", testSpec(Redirect)},
		{"plain-resend-prefix", "plain.eml", prefixed},
		{"reply-resend-prefix", "reply.eml", prefixed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := readFile(t, filepath.Join("testdata", tt.in))
			out := compose(t, tt.spec, in)
			checkWellFormed(t, out)
			checkKeepsOriginal(t, tt.spec.Mode, in, out)
			golden(t, filepath.Join("testdata", tt.name+".golden"), out)
		})
	}
}

// checkKeepsOriginal asserts that the copy's parts decode to the original's;
// in encapsulate mode the attached original must be the input itself. An
// original whose header is in Unix form is compared in its RFC 5322 form,
// bare LFs as CRLF, in every mode: that is how Write carries it, since SMTP
// DATA and RFC 5322 know no other line end (RFC 5321 2.3.8, RFC 5322 2.1).
func checkKeepsOriginal(t testing.TB, mode Mode, in, out []byte) {
	t.Helper()
	if headerInUnixForm(t, in) {
		in = bareLFsAsCRLF(in)
	}
	if mode == Encapsulate {
		out = embedded(t, out)
		if !bytes.Equal(out, in) {
			t.Fatalf("the attached original differs from the input (%d bytes, want %d)", len(out), len(in))
		}
	}
	checkSameParts(t, in, out)
}

// headerInUnixForm says whether in's header block ends its lines with LF
// alone: Write then writes the whole message's bare LFs as CRLF (a CRLF
// already in its body stays one), as the wire writer's Unix form does.
func headerInUnixForm(t testing.TB, in []byte) bool {
	t.Helper()
	o, err := readHeader(newMessageReader(bytes.NewReader(in)))
	if err != nil {
		t.Fatalf("read header: %v", err)
	}
	return isUnixForm(o.raw)
}

// bareLFsAsCRLF is b with every LF not preceded by CR written as CRLF.
func bareLFsAsCRLF(b []byte) []byte {
	var out []byte
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

func compose(t testing.TB, spec Spec, in []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := Write(&out, spec, bytes.NewReader(in)); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return out.Bytes()
}

func readFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func golden(t testing.TB, name string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(name, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := readFile(t, name)
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update to accept):\n%s", name, got)
	}
}

// TestListCopyAddressing: a copy to a list caucus is addressed To the list
// alone, the original To and Cc kept in fields of our own (never
// X-Original-To, which Postfix writes on delivery), and its From is the
// account's even when RewriteFrom is off.
func TestListCopyAddressing(t *testing.T) {
	in := readFile(t, filepath.Join("testdata", "invitation.eml"))
	for _, mode := range []Mode{Resend, Encapsulate} {
		t.Run(string(mode), func(t *testing.T) {
			spec := testSpec(mode)
			spec.RewriteFrom = false
			spec.ListAddress = "caucus-gender@lists.example.net"
			h := readHeaderOf(t, compose(t, spec, in))
			want := map[string][]string{
				"To":                   {"caucus-gender@lists.example.net"},
				"Cc":                   nil,
				"X-Caucus-Original-To": {"Bureau <bureau@example.org>"},
				"X-Caucus-Original-Cc": {"alice@example.org"},
				"X-Original-To":        nil,
			}
			for name, v := range want {
				if got := h[name]; !slices.Equal(got, v) {
					t.Errorf("%s = %q, want %q", name, got, v)
				}
			}
			from, err := mail.ParseAddress(h.Get("From"))
			if err != nil || from.Address != "bureau@example.org" || from.Name != "Dr. Amélie Dupont via Gender Caucus" {
				t.Errorf("From = %q (%v), want \"Dr. Amélie Dupont via Gender Caucus\" <bureau@example.org>", h.Get("From"), err)
			}
			if got := h["X-Original-From"]; len(got) != 1 || !strings.Contains(got[0], "amelie.dupont@itu.int") {
				t.Errorf("X-Original-From = %q, want the original From", got)
			}
		})
	}
}

func readHeaderOf(t *testing.T, out []byte) mail.Header {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	return m.Header
}
