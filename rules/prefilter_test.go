package rules

import (
	"encoding/json"
	"reflect"
	"slices"
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

// indexRulesSource adds, to the big file, rules of every shape the index
// keys or leaves to the prefilter: prefix, suffix and regexp globs, cc,
// any blocks mixing fields, literals sharing a stem, non-ASCII patterns.
const indexRulesSource = `  - name: prefix-from
    when: {from: "news@*"}
    forward: [c3]
  - name: regexp-from
    when: {from: "a?b@*.org"}
    forward: [c4]
  - name: cc-exact
    when: {cc: "Desk@Example.org", body: "(?i)urgent"}
    forward: [c5]
  - name: any-mixed
    when: {any: [{cc: "*@un.org"}, {subject: "(?i)report"}, {list_id: "lists.*"}]}
    forward: [c6]
  - name: stems
    when: {subject: "(?i)keyword1|keyword12|keyword123"}
    forward: [c7]
  - name: accented
    when: {from: "élise@*", subject: "(?i)réunion"}
    forward: [c8]
  - name: case-sensitive
    when: {subject: "Agenda"}
    forward: [c9]
  - name: header-need
    when: {header: {X-Mailer: "(?i)mailer1[0-9]"}}
    forward: [c1]
`

// FuzzPrefilter: whatever the message, the prefilter and the rule index
// give the decision, trace included, that evaluating every rule gives.
func FuzzPrefilter(f *testing.F) {
	set := mustParse(f, bigRules(20, 100)+indexRulesSource)
	plain := *set
	plain.noPrefilter = true
	f.Add("events@org5.int", "list6@example.org", "desk@example.org", "Invitation: topic-7", "<news.list8.org>", "Mailer7", "keyword9")
	f.Add("NEWS@SITE3.ORG", "", "x@UN.ORG", "[caucus: t1] keyword12", "x <lists.a>", "mailer15", "URGENT")
	f.Add("\u212Aa@org0.int", "LIST1@EXAMPLE.ORG", "", "\u212Aeyword1 réunion", "", "", "\u212Aeyword4")
	f.Add("élise@x.org", "", "", "RÉUNION Agenda", "lists.x", "", "")
	f.Fuzz(func(t *testing.T, from, to, cc, subject, listID, mailer, body string) {
		m := &Message{From: from, Subject: subject, Body: body, Header: map[string][]string{}}
		if to != "" {
			m.To = []string{to, "bureau@example.org"}
		}
		if cc != "" {
			m.Cc = []string{cc}
		}
		if listID != "" {
			m.Header["List-Id"] = []string{listID}
		}
		if mailer != "" {
			m.Header["X-Mailer"] = []string{mailer}
		}
		got, want := set.Decide(m, testEnv), plain.Decide(m, testEnv)
		gotJSON, err1 := json.Marshal(got)
		wantJSON, err2 := json.Marshal(want)
		if err1 != nil || err2 != nil || string(gotJSON) != string(wantJSON) {
			t.Fatalf("JSON with the prefilter differs from in full (%v, %v):\n%s\nvs\n%s", err1, err2, gotJSON, wantJSON)
		}
	})
}

// TestIndexVisitsFewRules: of the 500 rules, a decision visits only a few
// besides those whose prefilter does not miss: the five that match and
// topic-2 for topic-252, whose literal's byte pairs are all in the text.
func TestIndexVisitsFewRules(t *testing.T) {
	set := mustParse(t, bigRules(100, 500))
	m := benchMessage()
	x := &input{m: m, set: set}
	cand := set.index.candidates(x)
	var visited, notMissed []string
	for i, r := range set.rules {
		if !r.pre.misses(x) {
			notMissed = append(notMissed, r.name)
		}
		if cand.next(i) == i {
			visited = append(visited, r.name)
		}
	}
	if want := []string{"r2", "r250", "r251", "r252", "r253", "r254"}; !reflect.DeepEqual(notMissed, want) {
		t.Fatalf("rules whose prefilter does not miss: %v, want %v", notMissed, want)
	}
	for _, name := range notMissed {
		if !slices.Contains(visited, name) {
			t.Errorf("the index leaves out %s, whose prefilter does not miss", name)
		}
	}
	if len(visited) > 12 {
		t.Errorf("the index visits %d rules of 500: %v", len(visited), visited)
	}
}
