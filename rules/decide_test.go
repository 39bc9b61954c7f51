package rules

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

const basicRules = `
caucuses:
  - id: gender
    name: Gender Caucus
    address: caucus-gender@example.org
    tags: [gender, genre, género]
  - id: education
    name: Education Caucus
    members: [ana@example.org, bo@example.org]
    tags: [education, éducation]
  - id: health
    name: Health Caucus
    address: health@example.org
rules:
  - name: itu-invitations
    when: {from: "*@itu.int", subject: "(?i)invitation|consultation"}
    forward: [gender]
  - name: unesco
    when: {from: "*@unesco.org"}
    forward: [education, gender]
    stop: true
  - name: all-unesco-health
    when: {from: "*@unesco.org"}
    forward: [health]
  - name: who
    when: {from: "news@who.int"}
    forward: [health]
`

var testEnv = Env{AccountAddress: "bureau@example.org", ListIDDomain: "example.org"}

func mustParse(t testing.TB, src string) *Set {
	t.Helper()
	set, diags := Parse("rules.yaml", []byte(src))
	if diags.HasErrors() {
		t.Fatalf("rules do not compile:\n%s", diags)
	}
	return set
}

func TestDecideRules(t *testing.T) {
	set := mustParse(t, basicRules)
	for _, tc := range []struct {
		name     string
		msg      Message
		action   Action
		caucuses []string
		rules    []string
	}{
		{"glob and regexp", Message{From: "events@itu.int", Subject: "Invitation: WSIS forum"}, Forward, []string{"gender"}, []string{"itu-invitations"}},
		{"regexp is unanchored and (?i)", Message{From: "a@itu.int", Subject: "Re: public CONSULTATION on AI"}, Forward, []string{"gender"}, []string{"itu-invitations"}},
		{"both keys must match", Message{From: "a@itu.int", Subject: "Newsletter"}, None, nil, nil},
		{"glob case-insensitive", Message{From: "A@ITU.INT", Subject: "invitation"}, Forward, []string{"gender"}, []string{"itu-invitations"}},
		{"glob anchored: subdomain is not the domain", Message{From: "a@itu.int.evil.com", Subject: "invitation"}, None, nil, nil},
		{"stop ends evaluation, caucuses sorted", Message{From: "x@unesco.org"}, Forward, []string{"education", "gender"}, []string{"unesco"}},
		{"exact address", Message{From: "news@who.int"}, Forward, []string{"health"}, []string{"who"}},
		{"exact address: no prefix match", Message{From: "xnews@who.int"}, None, nil, nil},
		{"no from", Message{Subject: "invitation"}, None, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := set.Decide(&tc.msg, testEnv)
			if d.Action != tc.action || !slices.Equal(d.Caucuses, tc.caucuses) || !slices.Equal(d.Rules, tc.rules) {
				t.Errorf("got %s %v %v, want %s %v %v\ntrace:\n%s", d.Action, d.Caucuses, d.Rules, tc.action, tc.caucuses, tc.rules, d.Trace)
			}
			if d.Reason == "" {
				t.Error("decision without a reason")
			}
		})
	}
}

func TestNeverForwardedStepOne(t *testing.T) {
	set := mustParse(t, basicRules)
	invitation := func(h map[string][]string) *Message {
		return &Message{From: "events@itu.int", Subject: "Invitation", Header: h}
	}
	for _, tc := range []struct {
		name  string
		msg   *Message
		guard Guard
	}{
		{"our X-Loop", invitation(map[string][]string{"X-Loop": {"bureau@example.org"}}), GuardXLoop},
		{"our X-Loop in brackets, other case", invitation(map[string][]string{"X-Loop": {"<Bureau@Example.ORG>"}}), GuardXLoop},
		{"someone else's X-Loop", invitation(map[string][]string{"X-Loop": {"list@other.org"}}), ""},
		{"our List-Id", invitation(map[string][]string{"List-Id": {"Gender Caucus <gender.caucus.example.org>"}}), GuardListID},
		{"another list's List-Id", invitation(map[string][]string{"List-Id": {"<news.itu.int>"}}), ""},
		{"a List-Id that merely contains our domain", invitation(map[string][]string{"List-Id": {"<gender.caucus.example.org.evil.net>"}}), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := set.Decide(tc.msg, testEnv)
			if d.NeverForwarded != tc.guard {
				t.Fatalf("guard = %q, want %q; trace:\n%s", d.NeverForwarded, tc.guard, d.Trace)
			}
			if tc.guard != "" && (d.Action != None || len(d.Caucuses) != 0 || d.Trace.Rules.Len() != 0) {
				t.Errorf("guarded message routed: %+v", d)
			}
			if tc.guard == "" && d.Action != Forward {
				t.Errorf("unguarded invitation not forwarded: %s", d.Reason)
			}
		})
	}
}

func TestDecisionJSON(t *testing.T) {
	set := mustParse(t, basicRules)
	d := set.Decide(&Message{From: "a@itu.int", Subject: "Invitation"}, testEnv)
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back["decision"] != "forward" {
		t.Errorf("decision field = %v", back["decision"])
	}
	var round Decision
	if err := json.Unmarshal(b, &round); err != nil || round.Action != Forward || round.Trace.Rules.Len() != 4 {
		t.Errorf("round trip: %v %+v", err, round)
	}
	if !strings.Contains(d.Trace.String(), `rule "who": no match`) {
		t.Errorf("human trace lacks a non-matching rule:\n%s", d.Trace)
	}
}

func TestActionWords(t *testing.T) {
	for a, w := range map[Action]string{None: "none", Forward: "forward", Hold: "hold", Reject: "reject", Discard: "discard", Reply: "reply"} {
		if a.String() != w {
			t.Errorf("%d.String() = %q, want %q", a, a.String(), w)
		}
		var back Action
		if err := back.UnmarshalText([]byte(w)); err != nil || back != a {
			t.Errorf("UnmarshalText(%q) = %v, %v", w, back, err)
		}
	}
}

func TestCaucusDirectory(t *testing.T) {
	set := mustParse(t, basicRules)
	c, ok := set.Caucus("education")
	if !ok || c.Name != "Education Caucus" || len(c.Members) != 2 || c.Address != "" {
		t.Errorf("Caucus(education) = %+v, %v", c, ok)
	}
	if _, ok := set.Caucus("nope"); ok {
		t.Error("unknown caucus found")
	}
	all := set.Caucuses()
	if len(all) != 3 || all[0].ID != "gender" || set.RuleCount() != 4 {
		t.Errorf("Caucuses() = %v, RuleCount = %d", all, set.RuleCount())
	}
	all[0].ID = "changed"
	if c, _ := set.Caucus("gender"); c.ID != "gender" {
		t.Error("Caucuses() exposes the set's own slice")
	}
}

func TestDecisionJSONLists(t *testing.T) {
	set := mustParse(t, basicRules)
	for _, m := range []*Message{
		{From: "x@y.org"},
		{From: "x@y.org", Header: map[string][]string{"X-Loop": {"bureau@example.org"}}},
		{From: "x@y.org", To: []string{"bureau+t@example.org"}},
	} {
		b, err := json.Marshal(set.Decide(m, testEnv))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"caucuses":[]`) || !strings.Contains(string(b), `"rules":[]`) {
			t.Errorf("JSON lists not empty arrays: %s", b)
		}
	}
}
