package token

import "testing"

func TestPlusAddress(t *testing.T) {
	t.Parallel()
	tests := []struct{ account, token, want string }{
		{"bureau@x.org", "abc", "bureau+abc@x.org"},
		{"bureau+gw@x.org", "abc", "bureau+gw+abc@x.org"},
		{`"odd@local"@x.org`, "abc", `"odd@local"+abc@x.org`},
		{"bureau", "abc", "bureau+abc"},
	}
	for _, tt := range tests {
		if got := PlusAddress(tt.account, tt.token); got != tt.want {
			t.Errorf("PlusAddress(%q, %q) = %q, want %q", tt.account, tt.token, got, tt.want)
		}
	}
}

func TestFromPlusAddress(t *testing.T) {
	t.Parallel()
	const tok = "mfrggzdfmztwq2lknnwg23tp" // 24 characters of the alphabet
	tests := []struct {
		addr, account string
		want          string
		ok            bool
	}{
		{"bureau+" + tok + "@x.org", "bureau@x.org", tok, true},
		{"BUREAU+" + "MFRGGZDFMZTWQ2LKNNWG23TP" + "@X.ORG", "bureau@x.org", tok, true},
		{"<bureau+" + tok + "@x.org>", "Bureau@X.org", tok, true},
		{" bureau+" + tok + "@x.org ", "bureau@x.org", tok, true},
		{"bureau+gw+" + tok + "@x.org", "bureau+gw@x.org", tok, true},
		{"bureau@x.org", "bureau@x.org", "", false},
		{"bureau+@x.org", "bureau@x.org", "", false},
		{"bureau+news@x.org", "bureau@x.org", "", false},
		{"bureau+" + tok + "@y.org", "bureau@x.org", "", false},
		{"bureaux+" + tok + "@x.org", "bureau@x.org", "", false},
		{"other+" + tok + "@x.org", "bureau@x.org", "", false},
		{"bureau+" + tok + "0@x.org", "bureau@x.org", "", false},
		{"bureau+" + tok + "+more@x.org", "bureau@x.org", "", false},
		{"bureau+" + tok, "bureau@x.org", "", false},
		{"", "bureau@x.org", "", false},
		{"bureau+" + tok + "@x.org", "", "", false},
	}
	for _, tt := range tests {
		got, ok := FromPlusAddress(tt.addr, tt.account)
		if got != tt.want || ok != tt.ok {
			t.Errorf("FromPlusAddress(%q, %q) = %q, %v; want %q, %v", tt.addr, tt.account, got, ok, tt.want, tt.ok)
		}
	}
}

func TestPlusAddressRoundTrip(t *testing.T) {
	t.Parallel()
	k := mustKeyring(t, keyA)
	s := k.Seal(Token{Kind: Reply, ID: 99, Expires: now.Add(48 * 60 * 60 * 1e9)})
	addr := PlusAddress("Bureau@Example.org", s)
	got, ok := FromPlusAddress(addr, "bureau@example.org")
	if !ok || got != s {
		t.Fatalf("FromPlusAddress(PlusAddress(%q)) = %q, %v", s, got, ok)
	}
	if tok, err := k.OpenKind(got, Reply, now); err != nil || tok.ID != 99 {
		t.Errorf("OpenKind = %+v, %v", tok, err)
	}
}
