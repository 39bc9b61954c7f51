package compose

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"caucusgate/internal/rfc2047"
)

// The account and the copy's own reply token of FuzzNoForeignReplyAddress.
const (
	fuzzAccount = "bureau@example.org"
	fuzzOwn     = "bureau+owntoken@example.org"
)

// FuzzNoForeignReplyAddress (issue 10, "Done means"): whatever plus-addresses
// of the account (bureau+TOKEN@, another copy's reply address, a delivery
// address, a list envelope) an inbound message's header fields carry, in
// To, Cc, Reply-To, a From display name, Delivered-To, X-Original-To,
// Resent-To, Sender, List-Post, any X- field, plain or in encoded words,
// the header of every copy composed from it (resend and encapsulate, roster
// and list copies, From rewritten or not) carries no plus-address of the
// account but the copy's own reply token. Addresses are compared without
// regard to case, and looked for in the raw, unfolded and decoded header.
//
// Out of scope: the message BODY, the sender's own words, which may quote
// any address; and so also the original that encapsulate attaches byte for
// byte (its signatures must verify). Redirect is out of scope too: it
// changes nothing by design, for trusted internal hops.
func FuzzNoForeignReplyAddress(f *testing.F) {
	f.Add("bureau+othertoken@example.org", "X-Forwarded-To", "Ana")
	f.Add("Bob <BUREAU+OtherToken@EXAMPLE.ORG>, cc@itu.int", "Resent-Cc", `"bureau+othertoken@example.org"`)
	f.Add("=?utf-8?q?bureau+othertoken=40example.org?= <x@itu.int>", "X-Original-Recipient", "=?utf-8?b?YnVyZWF1K290aGVydG9rZW5AZXhhbXBsZS5vcmc=?=")
	f.Add("=?utf-8?q?bureau+oth?= =?utf-8?q?ertoken=40example.org?=", "Comments", "Ana =?iso-8859-1?q?bureau+othertoken=40example.org?=")
	f.Add(`"bureau+othertoken"@example.org`, "X-Envelope-To", "bureau+othertoken @ example.org")
	f.Add("bureau+a@example.org,bureau+b@example.org", "Subject", "Ana")
	f.Fuzz(func(t *testing.T, value, name, display string) {
		if name == "" || strings.ContainsAny(name, ":\r\n \t") {
			t.Skip("not a field name")
		}
		if strings.ContainsAny(display, "\r\n") {
			t.Skip("a line break in From would end the field")
		}
		value = strings.ReplaceAll(value, "\n", "\n ") // folds, never the header's end
		raw := []byte("From: " + display + " <ana@itu.int>\r\n" +
			"To: caucus@itu.int, bureau+othertoken@example.org\r\n" +
			"Cc: Bob <Bureau+OtherToken@Example.ORG>\r\n" +
			"Reply-To: bureau+replytoken@example.org\r\n" +
			"Sender: bureau+sendertoken@example.org\r\n" +
			"Delivered-To: bureau+delivered@example.org\r\n" +
			"X-Original-To: bureau+original@example.org\r\n" +
			"Resent-To: bureau+resent@example.org\r\n" +
			"List-Post: <mailto:bureau+listpost@example.org>\r\n" +
			"X-Caucus-Original-To: bureau+spoofed@example.org\r\n" +
			"Subject: =?utf-8?q?Re:_from_bureau+subject=40example.org?=\r\n" +
			name + ": " + value + "\r\n" +
			"Content-Type: text/plain\r\n\r\nThe body may quote bureau+bodytoken@example.org.\r\n")
		for _, spec := range replyAddrSpecs() {
			var out bytes.Buffer
			if err := Write(&out, spec, bytes.NewReader(raw)); err != nil {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("Write: %v (not ErrMalformed)", err)
				}
				return
			}
			checkWellFormed(t, out.Bytes())
			header, _, _ := bytes.Cut(out.Bytes(), []byte("\r\n\r\n"))
			if leaks := foreignPlusAddresses(string(header)); len(leaks) > 0 {
				t.Fatalf("%s copy (list %t, rewrite %t) carries %q:\n%s",
					spec.Mode, spec.ListAddress != "", spec.RewriteFrom, leaks, header)
			}
		}
	})
}

// replyAddrSpecs are the copies a message is composed into: resend and
// encapsulate, to a roster and to a list, From rewritten or not, the
// original subject kept.
func replyAddrSpecs() []Spec {
	var specs []Spec
	for _, mode := range []Mode{Resend, Encapsulate} {
		for _, list := range []bool{false, true} {
			for _, rewrite := range []bool{false, true} {
				s := testSpec(mode)
				s.Subject, s.SubjectPrefix = "", "[gender] "
				s.Account, s.ReplyTo, s.RewriteFrom = fuzzAccount, fuzzOwn, rewrite
				if list {
					s.ListAddress = "gender@lists.example.net"
				}
				specs = append(specs, s)
			}
		}
	}
	return specs
}

// plusAddress finds bureau+ANYTHING@example.org in any case, quoted or with
// space around the @ (RFC 5322's obsolete syntax, which readers accept).
var plusAddress = regexp.MustCompile(`(?i)bureau\+[^\s@<>,;:()\[\]\\"]*"?\s*@\s*example\.org`)

// foreignPlusAddresses returns the account's plus-addresses in a header
// block but the copy's own, looking in the unfolded text and in what two
// RFC 2047 decoders make of it.
func foreignPlusAddresses(header string) []string {
	unfolded := strings.NewReplacer("\r\n ", " ", "\r\n\t", "\t").Replace(header)
	texts := []string{header, unfolded}
	if d, err := rfc2047.Decode(unfolded); err == nil {
		texts = append(texts, d)
	}
	if d, err := newWordDecoder().DecodeHeader(unfolded); err == nil {
		texts = append(texts, d)
	}
	var leaks []string
	seen := map[string]bool{}
	for _, text := range texts {
		for _, m := range plusAddress.FindAllStringIndex(text, -1) {
			addr := strings.NewReplacer(" ", "", "\t", "", "\r\n", "", `"`, "").Replace(text[m[0]:m[1]])
			if isAddressStart(text, m[0]) && isAddressEnd(text, m[1]) && !strings.EqualFold(addr, fuzzOwn) && !seen[text[m[0]:m[1]]] {
				seen[text[m[0]:m[1]]] = true
				leaks = append(leaks, text[m[0]:m[1]])
			}
		}
	}
	return leaks
}

// isAddressStart says whether the local part begins at i: bureau+x@ in
// xbureau+x@ is another address.
func isAddressStart(s string, i int) bool {
	return i == 0 || !isAtext(s[i-1]) && s[i-1] != '.'
}

// isAddressEnd says whether the domain ends at i: example.org in
// example.org.evil or example.organ is another domain.
func isAddressEnd(s string, i int) bool {
	if i == len(s) {
		return true
	}
	c := s[i]
	if c == '.' {
		return i+1 == len(s) || !isLetterDigit(s[i+1])
	}
	return !isLetterDigit(c) && c != '-'
}

func isLetterDigit(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// TestForeignPlusAddressBecomesAccount: a kept field names the bureau's bare
// address where the original named a plus-address of it, keeps its shape,
// and leaves alone addresses that only look alike.
func TestForeignPlusAddressBecomesAccount(t *testing.T) {
	raw := "From: Ana <ana@itu.int>\r\n" +
		"To: caucus@itu.int, Bureau+OtherToken@Example.org\r\n" +
		"Cc: \"bureau+quoted\"@example.org, xbureau+a@example.org, bureau+b@example.organ\r\n" +
		"X-Note: =?utf-8?q?bureau+hidden=40example.org?=\r\n" +
		"Subject: Hi\r\n\r\nbody bureau+bodytoken@example.org\r\n"
	spec := replyAddrSpecs()[0] // resend, roster, From kept
	var out bytes.Buffer
	if err := Write(&out, spec, strings.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"\r\nTo: caucus@itu.int, Bureau@Example.org\r\n",
		"\r\nCc: \"bureau\"@example.org, xbureau+a@example.org, bureau+b@example.organ\r\n",
		"\r\nX-Note: =?utf-8?b?YnVyZWF1QGV4YW1wbGUub3Jn?=\r\n", // bureau@example.org
		"\r\nReply-To: " + fuzzOwn + "\r\n",
		"\r\n\r\nbody bureau+bodytoken@example.org\r\n", // the body is the sender's
	} {
		if !strings.Contains(got, want) {
			t.Errorf("copy lacks %q:\n%s", want, got)
		}
	}
}

// FuzzNamesOnlyOwn: when scrubHeader skips the pattern because a header
// names no plus-address of the account but the copy's own, the pattern
// would have left it as it is.
func FuzzNamesOnlyOwn(f *testing.F) {
	f.Add([]byte("Reply-To: bureau+f7k2q9wx@example.org\r\nTo: caucus@itu.int\r\n"), "bureau+f7k2q9wx@example.org")
	f.Add([]byte("Reply-To: BUREAU+F7K2Q9WX@Example.Org.evil\r\nCc: xbureau+a@example.org\r\n"), "bureau+f7k2q9wx@example.org")
	f.Add([]byte("To: bureau+f7k2q9wx@example.orgbureau+other@example.org\r\n"), "bureau+f7k2q9wx@example.org")
	f.Add([]byte("To: \"bureau+f7k2q9wx\"@example.org\r\n"), "bureau+f7k2q9wx\"@example.org")
	f.Fuzz(func(t *testing.T, block []byte, own string) {
		s := testSpec(Resend)
		s.ReplyTo = own
		p := newPlusScrubber(s)
		if !p.namesOnlyOwn(block) {
			return
		}
		if got := p.withPattern().scrubFields(block); !bytes.Equal(got, block) {
			t.Fatalf("%q with own %q: skipped, but the pattern makes it %q", block, own, got)
		}
	})
}
