package trust

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseResults(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Results
	}{
		{"gmail", `mx.google.com;
       dkim=pass header.i=@ngo.example header.s=google header.b=Yt7QvB2c;
       spf=pass (google.com: domain of ana@ngo.example designates 209.85.220.41 as permitted sender) smtp.mailfrom=ana@ngo.example;
       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=ngo.example`,
			Results{"mx.google.com", []Result{
				{"dkim", "pass", map[string]string{"header.i": "@ngo.example", "header.s": "google", "header.b": "Yt7QvB2c"}},
				{"spf", "pass", map[string]string{"smtp.mailfrom": "ana@ngo.example"}},
				{"dmarc", "pass", map[string]string{"header.from": "ngo.example"}},
			}}},
		{"microsoft 365: no authserv-id", `spf=pass (sender IP is 198.51.100.25) smtp.mailfrom=ngo.example; dkim=pass (signature was verified) header.d=ngo.example;dmarc=pass action=none header.from=ngo.example;compauth=pass reason=100`,
			Results{"", []Result{
				{"spf", "pass", map[string]string{"smtp.mailfrom": "ngo.example"}},
				{"dkim", "pass", map[string]string{"header.d": "ngo.example"}},
				{"dmarc", "pass", map[string]string{"action": "none", "header.from": "ngo.example"}},
				{"compauth", "pass", map[string]string{"reason": "100"}},
			}}},
		{"microsoft 365 with stray segments", `spf=none (sender IP is 192.0.2.1) smtp.mailfrom=example.net; hotmail.com; dkim=none header.d=example.net;hotmail.com; dmarc=none action=none header.from=example.net;compauth=fail reason=001`,
			Results{"", []Result{
				{"spf", "none", map[string]string{"smtp.mailfrom": "example.net"}},
				{"dkim", "none", map[string]string{"header.d": "example.net"}},
				{"dmarc", "none", map[string]string{"action": "none", "header.from": "example.net"}},
				{"compauth", "fail", map[string]string{"reason": "001"}},
			}}},
		{"opendkim: semicolon in a comment", `mail.bureau.example; dkim=pass (2048-bit key; unprotected) header.d=ngo.co.uk header.i=@ngo.co.uk`,
			Results{"mail.bureau.example", []Result{{"dkim", "pass", map[string]string{"header.d": "ngo.co.uk", "header.i": "@ngo.co.uk"}}}}},
		{"rspamd: quoted reason, version, blanks around =", `Mail.Bureau.Example 1; dkim = fail ("headers rsa; verify failed") header.d = esp.example; dkim/1=pass reason="ok; fine" header.d=un.org`,
			Results{"mail.bureau.example", []Result{
				{"dkim", "fail", map[string]string{"header.d": "esp.example"}},
				{"dkim", "pass", map[string]string{"reason": "ok; fine", "header.d": "un.org"}},
			}}},
		{"no result", `mx.example.net; none`, Results{"mx.example.net", nil}},
		{"nested comment", `mx.example.net (a (b; c) d); spf=pass smtp.mailfrom=a.example`,
			Results{"mx.example.net", []Result{{"spf", "pass", map[string]string{"smtp.mailfrom": "a.example"}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseResults(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestParseResultsRefuses(t *testing.T) {
	for _, in := range []string{`mx.example.net; dkim=pass (unterminated`, `mx.example.net; dkim=pass reason="open`} {
		if r, err := ParseResults(in); err == nil {
			t.Errorf("%q: %+v, want an error", in, r)
		}
	}
}

func FuzzParseResults(f *testing.F) {
	for _, s := range []string{
		`mx.google.com; dkim=pass header.i=@a.example; dmarc=fail (p=REJECT) header.from=a.example`,
		`spf=pass (sender IP is 1.2.3.4) smtp.mailfrom=a.example; dkim=pass header.d=a.example;compauth=pass reason=100`,
		`x; dkim = pass ("a;b" (c)) header.d="q\"x"`, `(((`, `"`, `;;;=`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseResults(s)
		if err != nil {
			return
		}
		for _, res := range r.Results {
			if res.Method == "" || res.Value == "" {
				t.Fatalf("empty method or value in %+v", res)
			}
		}
		if r.Authserv != "" && (r.Authserv != strings.ToLower(r.Authserv)) {
			t.Fatalf("authserv-id %q not lower-cased", r.Authserv)
		}
	})
}
