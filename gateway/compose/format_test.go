package compose

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var encodedWord = regexp.MustCompile(`=\?[^?]+\?[bBqQ]\?[^?]*\?=`)

func TestSubjectEncoding(t *testing.T) {
	tests := []string{
		"Call for papers",
		"Invitation à la consultation sur l’égalité des genres et l’éducation des filles en 2026",
		"教育に関する協議への招待状：ジェンダー平等と女子教育の推進について",
		"Приглашение на консультацию по вопросам гендерного равенства и образования",
		"👩‍🏫👩‍🔬 emoji sequences 🇨🇭🇫🇷 that must not split 👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦",
		"ASCII that looks encoded =?utf-8?q?x?= must be encoded",
		strings.Repeat("averyveryverylongwordwithoutspaces", 40),
		"  spaces  around  ",
		"e\u0301 combining accents e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301",
	}
	for _, subject := range tests {
		t.Run(subject[:min(len(subject), 20)], func(t *testing.T) {
			var b headerBuf
			b.add("Subject", encodeText(subject))
			field := strings.TrimSuffix(b.String(), "\r\n")
			for _, line := range strings.Split(field, "\r\n") {
				if len(line) > preferredLineLen {
					t.Errorf("line of %d bytes: %q", len(line), line)
				}
			}
			for _, w := range encodedWord.FindAllString(field, -1) {
				dec, err := newWordDecoder().Decode(w)
				if err != nil || !utf8.ValidString(dec) {
					t.Errorf("encoded word %q alone decodes to %q (%v): it splits a character", w, dec, err)
				}
			}
			value := strings.TrimPrefix(strings.ReplaceAll(field, "\r\n", ""), "Subject: ")
			got, err := newWordDecoder().DecodeHeader(value)
			if err != nil || got != strings.TrimSpace(subject) && got != subject {
				t.Errorf("decodes to %q (%v), want %q", got, err, subject)
			}
		})
	}
}

func TestSubjectPrefix(t *testing.T) {
	tests := []struct{ prefix, subject, want string }{
		{"[gender] ", "Invitation", "[gender] Invitation"},
		{"[gender]", "Invitation", "[gender] Invitation"},
		{"[gender] ", "Re: [gender] Invitation", "Re: [gender] Invitation"},
		{"[gender] ", "RE: [GENDER] Invitation", "RE: [GENDER] Invitation"},
		{"[gender] ", "", "[gender]"},
		{"", "Invitation", "Invitation"},
	}
	for _, tt := range tests {
		if got := withPrefix(tt.prefix, tt.subject); got != tt.want {
			t.Errorf("withPrefix(%q, %q) = %q, want %q", tt.prefix, tt.subject, got, tt.want)
		}
	}
}

func TestRawSubjectWithEncodedPrefix(t *testing.T) {
	value := rawWithPrefix("[génder] ", "=?x-unknown?q?abc?=")
	// The space between the two encoded words vanishes in decoding: the
	// prefix's own space must survive inside its word.
	if !strings.HasPrefix(value, "=?utf-8?") || !strings.HasSuffix(value, " =?x-unknown?q?abc?=") {
		t.Fatalf("rawWithPrefix = %q", value)
	}
	first := encodedWord.FindString(value)
	got, err := newWordDecoder().Decode(first)
	if err != nil || got != "[génder] " {
		t.Fatalf("prefix word decodes to %q (%v), want it to keep its trailing space", got, err)
	}
}

func TestSpecValidate(t *testing.T) {
	tests := []struct {
		field  string
		change func(*Spec)
	}{
		{"Subject", func(s *Spec) { s.Subject = "Invitation\r\nBcc: everyone@example.net" }},
		{"Subject", func(s *Spec) { s.Subject = "bare LF\nX-Evil: 1" }},
		{"SubjectPrefix", func(s *Spec) { s.SubjectPrefix = "[x]\r\n" }},
		{"CaucusName", func(s *Spec) { s.CaucusName = "Gender\x00Caucus" }},
		{"ReplyTo", func(s *Spec) { s.ReplyTo = "bureau+t@example.org\r\nBcc: x@example.net" }},
		{"ReplyTo", func(s *Spec) { s.ReplyTo = "Bureau <bureau@example.org>" }},
		{"Account", func(s *Spec) { s.Account = "not an address" }},
		{"Caucus", func(s *Spec) { s.Caucus = "gen der" }},
		{"Caucus", func(s *Spec) { s.Caucus = "" }},
		{"ListDomain", func(s *Spec) { s.ListDomain = "exa mple.org" }},
		{"ListHelp", func(s *Spec) { s.ListHelp = "mailto:x@example.org>\r\nX: y" }},
		{"ListUnsubscribe", func(s *Spec) { s.ListUnsubscribe = []string{"javascript:alert(1)"} }},
		{"UnsubscribePost", func(s *Spec) { s.ListUnsubscribe = []string{"mailto:u@example.org"} }},
		{"MessageID", func(s *Spec) { s.MessageID = "no-at-sign" }},
		{"MessageID", func(s *Spec) { s.MessageID = "a b@example.org" }},
		{"Mode", func(s *Spec) { s.Mode = "bounce" }},
		{"Recipient", func(s *Spec) { s.Mode, s.Recipient = Redirect, "" }},
		{"Date", func(s *Spec) { s.Mode, s.Date = Redirect, time.Time{} }},
		{"Boundary", func(s *Spec) { s.Boundary = "has space" }},
	}
	if err := testSpec(Resend).Validate(); err != nil {
		t.Fatalf("valid spec refused: %v", err)
	}
	for _, tt := range tests {
		s := testSpec(Resend)
		tt.change(&s)
		err := Write(new(strings.Builder), s, strings.NewReader("Subject: x\r\n\r\nbody\r\n"))
		var se *SpecError
		if !errors.As(err, &se) || se.Field != tt.field {
			t.Errorf("%s: Write error = %v, want a SpecError for %s", tt.field, err, tt.field)
		}
	}
}
