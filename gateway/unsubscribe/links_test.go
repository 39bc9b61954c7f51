package unsubscribe

import (
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"caucusgate/gateway/token"
)

// rfc6068 is the mailtoURI grammar of RFC 6068 section 2, with one
// addr-spec and percent-encoding checked for form; what the addresses
// decode to is checked apart.
var rfc6068 = regexp.MustCompile(`^mailto:` +
	`(?:[A-Za-z0-9\-._~!$'()*+:@]|%[0-9A-F]{2})+` +
	`(?:\?(?:[A-Za-z0-9\-._~!$'()*+,;:@]|%[0-9A-F]{2})*=(?:[A-Za-z0-9\-._~!$'()*+,;:@]|%[0-9A-F]{2})*` +
	`(?:&(?:[A-Za-z0-9\-._~!$'()*+,;:@]|%[0-9A-F]{2})*=(?:[A-Za-z0-9\-._~!$'()*+,;:@]|%[0-9A-F]{2})*)*)?$`)

func TestMailtoLink(t *testing.T) {
	t.Parallel()
	tests := []struct{ account, caucus, want string }{
		{"bureau@example.org", "gender", "mailto:bureau@example.org?subject=unsubscribe%20gender"},
		{"bureau@example.org", "a;b,c", "mailto:bureau@example.org?subject=unsubscribe%20a%3Bb,c"},
		{"bureau+gw@example.org", "a+b", "mailto:bureau+gw@example.org?subject=unsubscribe%20a%2Bb"},
		{"bureau@example.org", "educ&ation=1#x", "mailto:bureau@example.org?subject=unsubscribe%20educ%26ation%3D1%23x"},
		{"bureau@example.org", "éducation", "mailto:bureau@example.org?subject=unsubscribe%20%C3%A9ducation"},
		{`"a,b?c"@example.org`, "gender", "mailto:%22a%2Cb%3Fc%22@example.org?subject=unsubscribe%20gender"},
		{"b%u/r=a&{x}@example.org", "x y", "mailto:b%25u%2Fr%3Da%26%7Bx%7D@example.org?subject=unsubscribe%20x%20y"},
		{`"a;b"@example.org`, "g", "mailto:%22a%3Bb%22@example.org?subject=unsubscribe%20g"},
	}
	for _, tt := range tests {
		got, _ := Links(Config{}, tt.caucus, "ana@example.org", tt.account)
		if got != tt.want {
			t.Errorf("mailto for %q, %q = %q, want %q", tt.account, tt.caucus, got, tt.want)
		}
		checkMailto(t, got, tt.account, tt.caucus)
	}
}

// checkMailto asserts that link is an RFC 6068 URI that a mail client
// reads back as a message to account with subject "unsubscribe CAUCUS".
func checkMailto(t *testing.T, link, account, caucus string) {
	t.Helper()
	if !rfc6068.MatchString(link) {
		t.Errorf("%q is not an RFC 6068 mailto: URI", link)
	}
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("parse %q: %v", link, err)
	}
	to, err := url.PathUnescape(u.Opaque)
	if err != nil || to != account {
		t.Errorf("%q addresses %q (%v), want %q", link, to, err, account)
	}
	if _, err := mail.ParseAddress(to); err != nil {
		t.Errorf("%q: address %q does not parse: %v", link, to, err)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil || q.Get("subject") != "unsubscribe "+caucus {
		t.Errorf("%q has subject %q (%v), want %q", link, q.Get("subject"), err, "unsubscribe "+caucus)
	}
}

func TestHTTPSLinkRoundTrip(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, newMemStore())
	tests := []struct{ caucus, member string }{
		{"gender", "ana@example.org"},
		{"education", "Bo.Smith+lists@Example.ORG"},
		{"éducation", `"odd local"@example.org`},
	}
	for _, tt := range tests {
		_, link := Links(cfg, tt.caucus, tt.member, "bureau@example.org")
		if !strings.HasPrefix(link, baseURL+"u/") {
			t.Fatalf("link %q does not start with %su/", link, baseURL)
		}
		tok := tokenOf(t, link)
		if strings.Trim(tok, "abcdefghijklmnopqrstuvwxyz234567") != "" {
			t.Errorf("token %q needs escaping in a URL", tok)
		}
		got, err := cfg.Keyring.OpenKind(tok, token.Unsubscribe, now.Add(DefaultTokenTTL-time.Hour))
		if err != nil {
			t.Fatalf("open %q within its year: %v", tok, err)
		}
		caucus, member, ok := openExtra(got.Extra)
		if !ok || caucus != tt.caucus || member != tt.member {
			t.Errorf("token opens to %q, %q, %v; want %q, %q", caucus, member, ok, tt.caucus, tt.member)
		}
		// Issue 9: links expire, a year on (Seal rounds up to midnight).
		if e := got.Expires; e.Before(now.Add(DefaultTokenTTL)) || e.After(now.Add(DefaultTokenTTL+24*time.Hour)) {
			t.Errorf("token expires %v, want a year after %v", e, now)
		}
	}
}

func TestHTTPSLinkBase(t *testing.T) {
	t.Parallel()
	tests := []struct{ base, want string }{
		{"https://lists.example.org/caucusgate/", "https://lists.example.org/caucusgate/u/"},
		{"https://lists.example.org/caucusgate", "https://lists.example.org/caucusgate/u/"},
		{"https://lists.example.org", "https://lists.example.org/u/"},
		{"https://lists.example.org:8443/", "https://lists.example.org:8443/u/"},
	}
	for _, tt := range tests {
		cfg := testConfig(t, newMemStore())
		cfg.PublicURL, _ = url.Parse(tt.base)
		_, link := Links(cfg, "gender", "ana@example.org", "bureau@example.org")
		if !strings.HasPrefix(link, tt.want) || strings.Contains(link[len(tt.want):], "/") {
			t.Errorf("base %q gives %q, want %s + token", tt.base, link, tt.want)
		}
	}
}

func TestLinksNone(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, newMemStore())
	noURL := cfg
	noURL.PublicURL = nil
	noKeys := cfg
	noKeys.Keyring = nil
	long := strings.Repeat("x", 600) + "@example.org"
	tests := []struct {
		name                    string
		cfg                     Config
		caucus, member, account string
		mailto                  bool
	}{
		{"no public URL", noURL, "gender", "ana@example.org", "bureau@example.org", true},
		{"no keyring", noKeys, "gender", "ana@example.org", "bureau@example.org", true},
		{"no caucus", cfg, "", "ana@example.org", "bureau@example.org", true},
		{"no member", cfg, "gender", "", "bureau@example.org", true},
		{"NUL in caucus", cfg, "gen\x00der", "ana@example.org", "bureau@example.org", true},
		{"NUL in member", cfg, "gender", "ana\x00@example.org", "bureau@example.org", true},
		{"link too long", cfg, "gender", long, "bureau@example.org", true},
		{"extra too long", cfg, "gender", strings.Repeat("x", token.MaxExtra), "bureau@example.org", true},
		{"no account", cfg, "gender", "", "", false},
	}
	for _, tt := range tests {
		mailto, https := Links(tt.cfg, tt.caucus, tt.member, tt.account)
		if https != "" {
			t.Errorf("%s: https link %q, want none", tt.name, https)
		}
		if (mailto != "") != tt.mailto {
			t.Errorf("%s: mailto %q, want one: %v", tt.name, mailto, tt.mailto)
		}
	}
}

func TestLinkLengthBound(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, newMemStore())
	// An address at RFC 5321's limit of 254 octets still gets a link.
	member := strings.Repeat("a", 64) + "@" + strings.Repeat("b", 189)
	_, link := Links(cfg, "a-long-caucus-identifier", member, "bureau@example.org")
	if link == "" || len(link) > maxLinkLen {
		t.Errorf("link for a 254-octet address: %d octets, want 1..%d", len(link), maxLinkLen)
	}
}

func TestOpenExtra(t *testing.T) {
	t.Parallel()
	tests := []struct {
		extra          string
		caucus, member string
		ok             bool
	}{
		{"gender\x00ana@example.org", "gender", "ana@example.org", true},
		{"gender", "", "", false},
		{"\x00ana@example.org", "", "", false},
		{"gender\x00", "", "", false},
		{"gender\x00ana\x00x", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		c, m, ok := openExtra(tt.extra)
		if c != tt.caucus || m != tt.member || ok != tt.ok {
			t.Errorf("openExtra(%q) = %q, %q, %v; want %q, %q, %v", tt.extra, c, m, ok, tt.caucus, tt.member, tt.ok)
		}
	}
}
