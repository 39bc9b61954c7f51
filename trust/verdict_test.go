package trust

import (
	"strings"
	"testing"
)

func TestAligned(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"un.org", "un.org", true},
		{"mail.un.org", "un.org", true},
		{"un.org", "mail.un.org", true},
		{"co.uk", "ngo.co.uk", false},
		{"ngo.co.uk", "other.co.uk", false},
		{"evilun.org", "un.org", false},
		{"UN.ORG.", "un.org", true},
		{"github.io", "me.github.io", false},
		{"", "un.org", false},
		{"org", "un.org", false},
	} {
		if got := Aligned(tc.a, tc.b); got != tc.want {
			t.Errorf("Aligned(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestPolicyTrusts(t *testing.T) {
	p := Policy{Authserv: []string{"*.messagingengine.com", "MX.Google.com", Microsoft365}}
	for id, want := range map[string]bool{
		"mx6.messagingengine.com": true, "messagingengine.com": false, "mx.google.com": true,
		"": true, "evil.example": false, "mx6.messagingengine.com.evil.example": false,
	} {
		if got := p.trusts(id); got != want {
			t.Errorf("trusts(%q) = %v, want %v", id, got, want)
		}
	}
	if (Policy{Authserv: []string{"mx.google.com"}}).trusts("") {
		t.Error("a field without authserv-id is trusted without microsoft365")
	}
}

const forgedBelow = `Delivered-To: bureau@gmail.com
Received: by 2002:a05:7010::1 with SMTP id x;
        Tue, 1 Dec 2026 09:02:11 -0800 (PST)
ARC-Authentication-Results: i=1; mx.google.com; dkim=pass header.i=@ngo.example; dmarc=pass header.from=ngo.example
Received: from smtp.attacker.example by mx.google.com
Received-SPF: pass (google.com: domain of x@attacker.example)
Authentication-Results: mx.google.com;
       spf=pass smtp.mailfrom=x@attacker.example;
       dmarc=fail (p=REJECT sp=REJECT dis=QUARANTINE) header.from=ngo.example
Authentication-Results: mx.google.com; dkim=pass header.i=@ngo.example; dmarc=pass header.from=ngo.example
From: Ana <ana@ngo.example>
Subject: hi

body
`

func TestEvaluate(t *testing.T) {
	gmail := Policy{Authserv: []string{"mx.google.com"}}
	for _, tc := range []struct {
		name   string
		p      Policy
		header string
		dkim   bool   // Author(ana@ngo.example, dkim)
		dmarc  string // DMARC(ngo.example)
		why    string // in the reason, when not authenticated by dkim
	}{
		{"forged field below the provider's", gmail, forgedBelow, false, "fail", "no dkim=pass aligned with ngo.example"},
		{"arc results never count", gmail, "ARC-Authentication-Results: i=1; mx.google.com; dkim=pass header.d=ngo.example; dmarc=pass header.from=ngo.example\nFrom: ana@ngo.example\n", false, "", "no Authentication-Results of mx.google.com above the first field that is not a trace field (From)"},
		{"a sender's field above", gmail, strings.Replace(forgedBelow, "Authentication-Results: mx.google.com;\n", "X-Other: 1\nAuthentication-Results: mx.google.com;\n", 1), false, "", "first field that is not a trace field (X-Other)"},
		{"untrusted id", Policy{Authserv: []string{"mx.example.net"}}, forgedBelow, false, "", "no Authentication-Results of mx.example.net"},
		{"results below a sender's field", gmail, "Received: x\nFrom: ana@ngo.example\nAuthentication-Results: mx.google.com; dkim=pass header.d=ngo.example\n", false, "", "first field that is not a trace field (From)"},
		{"two From fields", gmail, "Authentication-Results: mx.google.com; dkim=pass header.d=ngo.example\nFrom: ana@ngo.example\nFrom: eve@evil.example\n", false, "", "2 From fields"},
		{"two Subject fields", gmail, "Authentication-Results: mx.google.com; dkim=pass header.d=ngo.example\nSubject: [caucus: x] a\nFrom: ana@ngo.example\nsubject: b\n", false, "", "2 Subject fields"},
		{"aligned pass beside unaligned fail", gmail, "Authentication-Results: mx.google.com; dkim=fail header.d=esp.example; dkim=pass header.d=mail.ngo.example; dmarc=pass header.from=ngo.example\nFrom: ana@ngo.example\n", true, "pass", ""},
		{"local verification ignores results", Policy{Local: true}, "Authentication-Results: mx.google.com; dkim=pass header.d=ngo.example\nFrom: ana@ngo.example\n", false, "", "local DKIM verification: no signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.p.Evaluate(ParseHeader(tc.header), nil)
			ok, why := v.Author("ana@ngo.example", "dkim")
			if ok != tc.dkim || !strings.Contains(why, tc.why) {
				t.Errorf("Author = %v, %q; want %v, containing %q", ok, why, tc.dkim, tc.why)
			}
			if got := v.DMARC("ngo.example"); got != tc.dmarc {
				t.Errorf("DMARC = %q, want %q", got, tc.dmarc)
			}
		})
	}
}

func TestVouches(t *testing.T) {
	p := Policy{Authserv: []string{"mx.bureau.example"}}
	for _, tc := range []struct {
		results string
		want    bool
	}{
		{"dkim=pass header.d=lists.un.org", true},
		{"dkim=fail header.d=un.org; spf=pass smtp.mailfrom=bounces+x@lists.un.org", true},
		{"spf=pass smtp.mailfrom=bounce@esp.example", false},
		{"spf=softfail smtp.mailfrom=a@un.org", false},
		{"dkim=pass header.d=org", false},
	} {
		v := p.Evaluate([]Field{{"Authentication-Results", "mx.bureau.example; " + tc.results}}, nil)
		if ok, why := v.Vouches("un.org"); ok != tc.want {
			t.Errorf("%s: Vouches(un.org) = %v (%s), want %v", tc.results, ok, why, tc.want)
		}
	}
}

func TestLocalSignatures(t *testing.T) {
	v := Policy{Local: true}.Evaluate(nil, []Signature{{"esp.example", "fail"}, {"mail.ngo.example", "pass"}})
	if ok, why := v.Author("ana@ngo.example", "dkim"); !ok {
		t.Errorf("local aligned pass: %s", why)
	}
	if ok, _ := v.Author("ana@ngo.example", "dmarc"); ok {
		t.Error("local verification gives no DMARC result, yet dmarc passed")
	}
}

func FuzzEvaluate(f *testing.F) {
	f.Add(forgedBelow)
	f.Add("Authentication-Results: spf=pass smtp.mailfrom=a.example; dkim=pass header.d=a.example\nFrom: a@a.example\n")
	f.Fuzz(func(t *testing.T, header string) {
		p := Policy{Authserv: []string{"mx.google.com", Microsoft365}}
		v := p.Evaluate(ParseHeader(header), nil)
		ok, _ := v.Author("a@a.example", "dkim")
		if ok && (v.Refused != "" || v.Source == "") {
			t.Fatalf("authenticated with %+v", v)
		}
	})
}
