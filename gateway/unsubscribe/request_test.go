package unsubscribe

import (
	"net/url"
	"strings"
	"testing"
)

func TestRequestedCaucus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		subject, caucus string
		ok              bool
	}{
		{"unsubscribe gender", "gender", true},
		{"  UNSUBSCRIBE\tgender  ", "gender", true},
		{"Unsubscribe   éducation", "éducation", true},
		{"unsubscribe", "", false},
		{"unsubscribe ", "", false},
		{"unsubscribegender", "", false},
		{"unsubscribe gender education", "", false},
		{"Re: unsubscribe gender", "", false},
		{"please unsubscribe gender", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		caucus, ok := RequestedCaucus(tt.subject)
		if caucus != tt.caucus || ok != tt.ok {
			t.Errorf("RequestedCaucus(%q) = %q, %v; want %q, %v", tt.subject, caucus, ok, tt.caucus, tt.ok)
		}
	}
}

// FuzzRequestedCaucus: the subject of every mailto: link Links makes reads
// back to its caucus, and no input panics or yields an empty caucus.
func FuzzRequestedCaucus(f *testing.F) {
	for _, s := range []string{"gender", "é d", "a;b", "", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, ok := RequestedCaucus(s); ok && c == "" {
			t.Fatalf("RequestedCaucus(%q) = empty, true", s)
		}
		link, _ := Links(Config{}, s, "", "bureau@example.org")
		u, err := url.Parse(link)
		if err != nil {
			t.Fatalf("parse %q: %v", link, err)
		}
		caucus, ok := RequestedCaucus(u.Query().Get("subject"))
		if isID(s) && (!ok || caucus != s) {
			t.Fatalf("caucus %q: subject reads back as %q, %v", s, caucus, ok)
		}
	})
}

// isID reports whether s can be a caucus id in a subject: not empty, no
// white space, which the subject line would lose or split.
func isID(s string) bool {
	return s != "" && strings.TrimSpace(s) == s && !strings.ContainsAny(s, " \t\r\n")
}
