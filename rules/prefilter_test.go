package rules

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestPrefilterKeepsDecisions: a decision, trace included, is the same
// whether the prefilter skips rules or every rule is evaluated in full.
func TestPrefilterKeepsDecisions(t *testing.T) {
	set := mustParse(t, bigRules(100, 500)+`  - name: any-text
    when: {any: [{subject: "(?i)agenda|minutes"}, {body: "(?i)call for comments"}]}
    forward: [c1]
  - name: short-literal
    when: {subject: "(?i)x"}
    forward: [c2]
`)
	plain := *set
	plain.noPrefilter = true
	body := strings.Repeat("Dear colleagues, please find the programme attached. ", 40)
	for _, m := range []*Message{
		{From: "events@org250.int", To: []string{"bureau@example.org", "list251@example.org"}, Subject: "Re: [caucus: t7, thème8] Invitation to a consultation on topic-252",
			Header: map[string][]string{"X-Mailer": {"Mailer252 1.0"}, "List-Id": {"<news.list253.org>"}}, Body: body + "keyword254", Size: 40 << 10},
		{From: "news@site3.org", Subject: "Minutes of the meeting", Body: "CALL FOR COMMENTS"},
		{From: "", Subject: "", Body: ""},
		{From: "a@ORG0.INT", Subject: "INVITATION", Header: map[string][]string{"List-Id": {"x <a.list8.org>"}}},
		{From: "k@b.org", Subject: "\u212Aeyword4 topic-7 agenda", Body: "\u212Aeyword9 and keyword14 and keyword1"},
		{To: []string{"LIST1@example.org"}, Subject: "topic-12 topic-2", Body: "keyword4"},
	} {
		got, want := set.Decide(m, testEnv), plain.Decide(m, testEnv)
		gotJSON, err1 := json.Marshal(got)
		wantJSON, err2 := json.Marshal(want)
		if err1 != nil || err2 != nil || string(gotJSON) != string(wantJSON) {
			t.Errorf("%q: JSON with the prefilter differs from in full (%v, %v):\n%s\nvs\n%s", m.Subject, err1, err2, gotJSON, wantJSON)
		}
		if !reflect.DeepEqual(rendered(got), rendered(want)) {
			t.Errorf("%q: with the prefilter %s %v, in full %s %v\n%s\nvs\n%s", m.Subject, got.Action, got.Caucuses, want.Action, want.Caucuses, got.Trace, want.Trace)
		}
	}
}

// rendered is d with its rule traces as the list they render to.
func rendered(d Decision) Decision {
	d.Trace.Rules = RuleTracesOf(d.Trace.Rules.All())
	return d
}
