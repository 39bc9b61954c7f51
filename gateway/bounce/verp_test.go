package bounce

import (
	"net/textproto"
	"slices"
	"testing"
)

func TestVERPSender(t *testing.T) {
	t.Parallel()
	if got := VERPSender("bureau@example.org", liveToken); got != "bureau+"+liveToken+"@example.org" {
		t.Errorf("VERPSender = %q", got)
	}
}

func TestVERPTokens(t *testing.T) {
	t.Parallel()
	const a, b, c = "mltsjeartau4bfixevw2mm5c", "mlucjearwnaluimdqyh3r2qw", "ojrzaek63qwwfuraefjbjxa"
	report := &Report{
		Sender: "bureau+" + b + "@example.org",
		OriginalHeader: textproto.MIMEHeader{
			"Return-Path": {"<bureau+" + b + "@example.org>"},
			"Reply-To":    {`"Caucus" <BUREAU+` + c + `@EXAMPLE.ORG>`},
			"From":        {"bureau@example.org"},
		},
	}
	tests := []struct {
		name   string
		report *Report
		header map[string][]string
		want   []string
	}{
		{"dsn header first, lower-case keys", report, map[string][]string{"to": {"Bureau <bureau+" + a + "@example.org>"}}, []string{a, b, c}},
		{"delivered-to", nil, map[string][]string{"Delivered-To": {"bureau+" + a + "@example.org"}}, []string{a}},
		{"to list with others", nil, map[string][]string{"To": {"x@y.example, bureau+" + a + "@example.org"}}, []string{a}},
		{"unparseable to", nil, map[string][]string{"To": {"broken <<bureau+" + a + "@example.org>"}}, []string{a}},
		{"original only", report, nil, []string{b, c}},
		{"another account's token", nil, map[string][]string{"To": {"other+" + a + "@example.org"}}, nil},
		{"no tokens", &Report{}, map[string][]string{"To": {"bureau@example.org"}}, nil},
	}
	for _, tt := range tests {
		got := VERPTokens(tt.report, "bureau@example.org", tt.header)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s: VERPTokens = %v, want %v", tt.name, got, tt.want)
		}
		first, ok := VERPToken(tt.report, "bureau@example.org", tt.header)
		if ok != (len(tt.want) > 0) || (ok && first != tt.want[0]) {
			t.Errorf("%s: VERPToken = %q, %v", tt.name, first, ok)
		}
	}
}

func TestListSender(t *testing.T) {
	t.Parallel()
	if got := ListSender("bureau@example.org", "gender"); got != "bureau+list-gender@example.org" {
		t.Errorf("ListSender = %q", got)
	}
}

// TestListCaucus: a report that came back to a list caucus's fixed
// envelope names that caucus; a delivery's token or another account's
// list envelope names none.
func TestListCaucus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		report *Report
		header map[string][]string
		want   string
	}{
		{"delivered-to", nil, map[string][]string{"Delivered-To": {"bureau+list-gender@example.org"}}, "gender"},
		{"to, case and brackets", nil, map[string][]string{"to": {"Bureau <BUREAU+list-Youth.Caucus@EXAMPLE.ORG>"}}, "Youth.Caucus"},
		{"report sender", &Report{Sender: "bureau+list-gender@example.org"}, nil, "gender"},
		{"returned return-path", &Report{OriginalHeader: textproto.MIMEHeader{"Return-Path": {"<bureau+list-gender@example.org>"}}}, nil, "gender"},
		{"delivery token", nil, map[string][]string{"To": {"bureau+" + liveToken + "@example.org"}}, ""},
		{"another account", nil, map[string][]string{"To": {"other+list-gender@example.org"}}, ""},
		{"another domain", nil, map[string][]string{"To": {"bureau+list-gender@example.net"}}, ""},
		{"empty caucus", nil, map[string][]string{"To": {"bureau+list-@example.org"}}, ""},
	}
	for _, tt := range tests {
		got, ok := ListCaucus(tt.report, "bureau@example.org", tt.header)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("%s: ListCaucus = %q, %v, want %q", tt.name, got, ok, tt.want)
		}
	}
}
