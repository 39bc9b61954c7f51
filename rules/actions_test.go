package rules

import (
	"slices"
	"strings"
	"testing"

	"caucusgate/trust"
)

const actionRules = `
caucuses:
  - id: gender
    address: g@example.org
    moderators: [gmod@example.org]
  - id: education
    address: e@example.org
  - id: health
    address: h@example.org
bureau:
  members: [alice@example.org]
  moderators: [mod@example.org]
forwarding:
  max_message_size: 1MiB
rules:
  - name: all-itu
    when: {from: "*@itu.int"}
    forward: [gender]
  - name: hold-unknown-un
    when: {from: "*@un.org", not: {subject: "(?i)invitation"}}
    forward: [education]
    hold: true
  - name: after-hold
    when: {from: "*@un.org"}
    forward: [health]
  - name: spam
    when: {any: [{subject: "(?i)viagra"}, {header: {X-Spam-Flag: "YES"}}]}
    discard: true
  - name: no-exe
    when: {attachment: "*.exe"}
    reject: "Executables are refused, {{.From}}: {{.Subject}}"
  - name: pdfs
    when: {attachment: "application/pdf", size: "< 500KiB", to: "*@example.org"}
    forward: [health]
  - name: lists
    when: {list_id: "*.lists.itu.int", cc: "bureau@example.org"}
    forward: [education]
    stop: true
  - name: body
    when: {body: "(?i)call for comments"}
    forward: [health]
`

func TestActions(t *testing.T) {
	set := mustParse(t, actionRules)
	for _, tc := range []struct {
		name     string
		msg      Message
		action   Action
		caucuses []string
		rules    []string
		notices  int
	}{
		{"forward", Message{From: "a@itu.int", Subject: "x"}, Forward, []string{"gender"}, []string{"all-itu"}, 0},
		{"hold keeps caucuses chosen", Message{From: "a@un.org", Subject: "news"}, Hold, []string{"education"}, []string{"hold-unknown-un"}, 0},
		{"not: invitation passes the hold", Message{From: "a@un.org", Subject: "Invitation"}, Forward, []string{"health"}, []string{"after-hold"}, 0},
		{"discard cancels earlier forwards", Message{From: "a@itu.int", Subject: "VIAGRA"}, Discard, nil, []string{"all-itu", "spam"}, 0},
		{"discard by header", Message{From: "x@y.org", Header: map[string][]string{"X-Spam-Flag": {"YES"}}}, Discard, nil, []string{"spam"}, 0},
		{"reject outsider: no notice", Message{From: "x@y.org", Subject: "s", Attachments: []Attachment{{Filename: "a.EXE"}}}, Reject, nil, []string{"no-exe"}, 0},
		{"reject member: notice", Message{From: "alice@example.org", Subject: "s", Attachments: []Attachment{{Filename: "run.exe"}}}, Reject, nil, []string{"no-exe"}, 1},
		{"attachment by type, size, to", Message{From: "x@y.org", To: []string{"bureau@example.org"}, Size: 1000, Attachments: []Attachment{{Filename: "a", ContentType: "application/pdf"}}}, Forward, []string{"health"}, []string{"pdfs"}, 0},
		{"size bound fails", Message{From: "x@y.org", To: []string{"bureau@example.org"}, Size: 600 << 10, Attachments: []Attachment{{ContentType: "application/pdf"}}}, None, nil, nil, 0},
		{"list_id and cc, stop", Message{From: "x@y.org", Cc: []string{"other@x.org", "Bureau@Example.org"}, Body: "call for comments", Header: map[string][]string{"List-Id": {"WSIS <wsis.lists.itu.int>"}}}, Forward, []string{"education"}, []string{"lists"}, 0},
		{"body", Message{From: "x@y.org", Body: "A Call For Comments on"}, Forward, []string{"health"}, []string{"body"}, 0},
		{"oversize held", Message{From: "a@itu.int", Size: 2 << 20}, Hold, []string{"gender"}, []string{"all-itu"}, 0},
		{"oversize member notified", Message{From: "alice@example.org", Subject: "[caucus: health]", Size: 2 << 20}, Hold, []string{"health"}, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := set.Decide(&tc.msg, testEnv)
			if d.Action != tc.action || !slices.Equal(d.Caucuses, tc.caucuses) || !slices.Equal(d.Rules, tc.rules) || len(d.Notices) != tc.notices {
				t.Errorf("got %s %v %v %d notices, want %s %v %v %d\n%s\n%s", d.Action, d.Caucuses, d.Rules, len(d.Notices),
					tc.action, tc.caucuses, tc.rules, tc.notices, d.Reason, d.Trace)
			}
		})
	}
}

func TestHoldAndResume(t *testing.T) {
	set := mustParse(t, actionRules)
	m := &Message{From: "a@un.org", Subject: "news"}
	d := set.Decide(m, testEnv)
	if d.Held == nil || d.Held.Rule != "hold-unknown-un" || d.Held.RuleIndex != 1 {
		t.Fatalf("held = %+v", d.Held)
	}
	if !slices.Equal(d.Held.Moderators, []string{"mod@example.org"}) {
		t.Errorf("moderators = %v", d.Held.Moderators)
	}
	r := set.Resume(m, testEnv, *d.Held)
	if r.Action != Forward || !slices.Equal(r.Caucuses, []string{"education", "health"}) || !slices.Equal(r.Rules, []string{"after-hold"}) {
		t.Errorf("resume = %s %v %v: %s", r.Action, r.Caucuses, r.Rules, r.Trace)
	}
	big := &Message{From: "a@itu.int", Size: 2 << 20}
	d = set.Decide(big, testEnv)
	if r := set.Resume(big, testEnv, *d.Held); r.Action != Forward || !slices.Equal(r.Caucuses, []string{"gender"}) || r.Trace.Rules.Len() != 0 {
		t.Errorf("approved oversize = %s %v, %d rules run", r.Action, r.Caucuses, r.Trace.Rules.Len())
	}
}

func TestRejectNotice(t *testing.T) {
	set := mustParse(t, actionRules)
	d := set.Decide(&Message{From: "alice@example.org", Subject: "Tools", Attachments: []Attachment{{Filename: "x.exe"}}}, testEnv)
	if d.Reject == nil || d.Reject.Notice != "Executables are refused, alice@example.org: Tools" {
		t.Fatalf("reject = %+v", d.Reject)
	}
	if n := d.Notices[0]; n.To != "alice@example.org" || n.Body != d.Reject.Notice || strings.ContainsAny(n.Subject, "\r\n") {
		t.Errorf("notice = %+v", n)
	}
}

func TestOutsiderTagHeld(t *testing.T) {
	set := mustParse(t, strings.Replace(actionRules, "  moderators: [mod@example.org]", "  moderators: [mod@example.org]\n  hold_outsider_tags: true", 1))
	m := &Message{From: "eve@evil.example", Subject: "[caucus: health] hi"}
	d := set.Decide(m, testEnv)
	if d.Action != Hold || d.Held.RuleIndex != -1 || !slices.Equal(d.Held.Caucuses, []string{"health"}) || len(d.Notices) != 0 {
		t.Fatalf("outsider tag: %s %+v %v", d.Action, d.Held, d.Notices)
	}
	r := set.Resume(m, testEnv, *d.Held)
	if r.Action != Forward || !slices.Equal(r.Caucuses, []string{"health"}) || r.Trace.Rules.Len() != set.RuleCount() {
		t.Errorf("approved outsider tag: %s %v after %d rules", r.Action, r.Caucuses, r.Trace.Rules.Len())
	}
}

const authRules = `
caucuses:
  - id: gender
    address: g@example.org
bureau:
  members: [alice@example.org]
  require_auth: %s
  trusted_authserv: [mx.provider.net]
`

func TestRequireAuth(t *testing.T) {
	dkim := mustParse(t, strings.Replace(authRules, "%s", "dkim", 1))
	dmarc := mustParse(t, strings.Replace(authRules, "%s", "dmarc", 1))
	for _, tc := range []struct {
		name  string
		set   *Set
		ar    []string
		route bool
	}{
		{"dkim pass, trusted", dkim, []string{"mx.provider.net; dkim=pass header.d=example.org header.s=s1"}, true},
		{"dkim pass, parent domain", dkim, []string{"mx.provider.net; dkim=pass header.d=org"}, false},
		{"dkim pass, by header.i", dkim, []string{"mx.provider.net; dkim=pass header.i=@example.org"}, true},
		{"dkim pass, untrusted authserv", dkim, []string{"evil.example; dkim=pass header.d=example.org"}, false},
		{"dkim pass, other domain", dkim, []string{"mx.provider.net; dkim=pass header.d=evil.example"}, false},
		{"dkim fail", dkim, []string{"mx.provider.net; dkim=fail header.d=example.org"}, false},
		{"no results", dkim, nil, false},
		{"garbage", dkim, []string{";;;"}, false},
		// the topmost trusted field is the provider's; one below it may be the sender's (issue 9)
		{"second header passes", dkim, []string{"mx.provider.net; spf=pass smtp.mailfrom=example.org", "MX.Provider.NET; dkim=pass header.d=example.org"}, false},
		{"trusted id in another case", dkim, []string{"MX.Provider.NET; dkim=pass header.d=example.org"}, true},
		{"untrusted field above the trusted one", dkim, []string{"evil.example; dkim=fail", "mx.provider.net; dkim=pass header.d=example.org"}, true},
		{"dkim pass, subdomain signs", dkim, []string{"mx.provider.net; dkim=pass header.d=mail.example.org"}, true},
		{"aligned pass, unaligned fail", dkim, []string{"mx.provider.net; dkim=fail header.d=esp.example; dkim=pass header.d=example.org"}, true},
		{"dmarc pass", dmarc, []string{"mx.provider.net; dmarc=pass header.from=example.org"}, true},
		{"dmarc wanted, dkim given", dmarc, []string{"mx.provider.net; dkim=pass header.d=example.org"}, false},
		{"dmarc pass other from", dmarc, []string{"mx.provider.net; dmarc=pass header.from=evil.example"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &Message{From: "alice@example.org", Subject: "[caucus: gender] x"}
			for _, v := range tc.ar {
				m.Fields = append(m.Fields, trust.Field{Name: "Authentication-Results", Value: v})
			}
			d := tc.set.Decide(m, testEnv)
			if (d.Action == Forward) != tc.route {
				t.Errorf("routed = %v, want %v: %s", d.Action == Forward, tc.route, d.Trace.Tag.Why)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	old := mustParse(t, actionRules)
	edited := strings.Replace(actionRules, "forward: [health]\n    stop: true", "forward: [health]\n    stop: true", 1)
	edited = strings.Replace(edited, `  - name: body
    when: {body: "(?i)call for comments"}
    forward: [health]
`, `  - name: new-rule
    when: {from: "*@who.int"}
    forward: [health]
`, 1)
	edited = strings.Replace(edited, `when: {from: "*@itu.int"}`, `when: {from: "*@itu.int", subject: "x"}`, 1)
	edited = strings.Replace(edited, "address: h@example.org", "address: health@example.org", 1)
	s := Diff(old, mustParse(t, edited))
	if !slices.Equal(s.RulesAdded, []string{"new-rule"}) || !slices.Equal(s.RulesRemoved, []string{"body"}) ||
		!slices.Equal(s.RulesChanged, []string{"all-itu"}) || !slices.Equal(s.CaucusesChanged, []string{"health"}) || s.OtherChanged {
		t.Errorf("Diff = %+v", s)
	}
	if got := s.String(); got != "rules +new-rule -body ~all-itu; caucuses ~health" {
		t.Errorf("String = %q", got)
	}
	if s := Diff(old, mustParse(t, actionRules)); !s.Empty() || s.String() != "no change" {
		t.Errorf("same file: %+v", s)
	}
	if s := Diff(nil, old); len(s.RulesAdded) != old.RuleCount() {
		t.Errorf("from nothing: %+v", s)
	}
}

func TestSettingsDefaults(t *testing.T) {
	set := mustParse(t, basicRules)
	b, f, r := set.Bureau(), set.Forwarding(), set.Replies()
	if !slices.Equal(b.TagKeywords, []string{"caucus", "to"}) || b.RequireAuth != "none" || b.HoldExpiry.Hours() != 336 {
		t.Errorf("bureau = %+v", b)
	}
	if f.FromRewrite != "always" || f.Mode != "resend" || f.MaxMessageSize != 25<<20 || f.LoopLimit.Relays != 5 || f.LoopLimit.Window.Minutes() != 60 {
		t.Errorf("forwarding = %+v", f)
	}
	if r.RelayTo != "sender" || r.From != "anyone" || r.Schedule != "immediate" || !r.Digest || r.Review || r.TokenTTL.Hours() != 2160 {
		t.Errorf("replies = %+v", r)
	}
	if c, _ := set.Caucus("gender"); c.Mode != "resend" || c.Schedule != "immediate" {
		t.Errorf("caucus defaults = %+v", c)
	}
}
