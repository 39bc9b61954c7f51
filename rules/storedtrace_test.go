package rules

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// storedTraceSource holds the big file, a hold in the middle of the run
// and rules after it, which an approval runs from position 501.
var storedTraceSource = bigRules(100, 500) + `  - name: hold-agenda
    when: {subject: "(?i)agenda"}
    hold: true
` + indexRulesSource

func storedTraceMessages() []*Message {
	return append([]*Message{benchMessage()},
		&Message{From: "news@site3.org", Subject: "Minutes of the meeting", Body: "CALL FOR COMMENTS"},
		&Message{},
		&Message{From: "a@ORG0.INT", Subject: "INVITATION", Header: map[string][]string{"List-Id": {"x <a.list8.org>"}}},
		&Message{From: "k@b.org", Subject: "keyword4 topic-7 agenda", Body: "keyword9 and keyword14 and keyword1 report"},
	)
}

// storedAndRead is the rules' trace as a store keeps it, read back.
func storedAndRead(t *testing.T, r RuleTraces) (RuleTraces, []byte) {
	t.Helper()
	enc, err := json.Marshal(r.Compact())
	if err != nil {
		t.Fatal(err)
	}
	var back RuleTraces
	if err := json.Unmarshal(enc, &back); err != nil {
		t.Fatalf("read %s: %v", enc, err)
	}
	return back, enc
}

// TestStoredTraceRendersAsDecided: a stored trace read back and bound to
// the set that decided renders, as text and as JSON, what the decision's
// own trace renders, for runs ended by a hold and resumed after it.
func TestStoredTraceRendersAsDecided(t *testing.T) {
	set := mustParse(t, storedTraceSource)
	for _, m := range storedTraceMessages() {
		decisions := []Decision{set.Decide(m, testEnv)}
		if h := decisions[0].Held; h != nil {
			decisions = append(decisions, set.Resume(m, testEnv, *h))
		}
		for _, d := range decisions {
			back, enc := storedAndRead(t, d.Trace.Rules)
			back = back.Bind(set)
			if !reflect.DeepEqual(back.All(), d.Trace.Rules.All()) {
				t.Errorf("%q: stored %s renders\n%s\nwant\n%s", m.Subject, enc, Trace{Rules: back}, Trace{Rules: d.Trace.Rules})
			}
			gotList, _ := json.Marshal(back.All())
			wantList, _ := json.Marshal(d.Trace.Rules)
			if string(gotList) != string(wantList) {
				t.Errorf("%q: stored list JSON differs:\n%s\nvs\n%s", m.Subject, gotList, wantList)
			}
			if back.Len() != d.Trace.Rules.Len() {
				t.Errorf("%q: %d rules run read back, %d decided", m.Subject, back.Len(), d.Trace.Rules.Len())
			}
		}
	}
}

// TestStoredTraceKeepsOnlyEvaluatedRules: the misses, nearly all of a big
// file's trace, are not in the stored form; a decision's JSON is the
// whole list still (`caucusgate test -json`).
func TestStoredTraceKeepsOnlyEvaluatedRules(t *testing.T) {
	set := mustParse(t, storedTraceSource)
	d := set.Decide(benchMessage(), testEnv)
	_, enc := storedAndRead(t, d.Trace.Rules)
	if strings.Contains(string(enc), `"r0"`) || strings.Contains(string(enc), `"r499"`) || !strings.Contains(string(enc), `"r250"`) {
		t.Errorf("stored form keeps misses, or not the evaluated rules: %s", enc)
	}
	full, err := json.Marshal(d)
	if err != nil || !strings.Contains(string(full), `{"rule":"r0","matched":false,`) {
		t.Errorf("a decision's own JSON lacks the misses (%v): %.300s", err, full)
	}
}

// TestStoredListStillRead: traces stored as the whole list, before the
// stored form, read as they were.
func TestStoredListStillRead(t *testing.T) {
	set := mustParse(t, storedTraceSource)
	d := set.Decide(benchMessage(), testEnv)
	enc, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back Decision
	if err := json.Unmarshal(enc, &back); err != nil {
		t.Fatal(err)
	}
	if got, want := back.Trace.Rules.Bind(set).All(), d.Trace.Rules.All(); !reflect.DeepEqual(got, want) {
		t.Errorf("old list read back as %d rules, want %d", len(got), len(want))
	}
}

// TestStoredTraceAfterRulesChanged: a stored trace renders its misses from
// today's rules only when those hold the rules it ran as they were; after
// a change to their names or first conditions, the misses show by
// position and say why, and the rules evaluated in full as they were.
func TestStoredTraceAfterRulesChanged(t *testing.T) {
	set := mustParse(t, storedTraceSource)
	d := set.Decide(benchMessage(), testEnv)
	stored, _ := storedAndRead(t, d.Trace.Rules)
	want := d.Trace.Rules.All()

	binds := map[string]string{
		"a rule added at the end":     storedTraceSource + "  - name: added\n    when: {from: \"*@new.org\"}\n    forward: [c1]\n",
		"other caucuses forwarded to": strings.Replace(storedTraceSource, "forward: [c3]\n", "forward: [c9]\n", 1),
		"a later condition changed":   strings.Replace(storedTraceSource, `"(?i)mailer2"`, `"(?i)other2"`, 1),
	}
	for what, src := range binds {
		if got := stored.Bind(mustParse(t, src)).All(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: renders %d rules, not as decided", what, len(got))
		}
	}

	breaks := map[string]string{
		"a first condition changed": strings.Replace(storedTraceSource, `"*@org0.int"`, `"*@org0.org"`, 1),
		"a rule renamed":            strings.Replace(storedTraceSource, "name: r3\n", "name: r3-renamed\n", 1),
		"a rule inserted":           strings.Replace(storedTraceSource, "  - name: r7\n", "  - name: inserted\n    when: {to: \"x@y.org\"}\n    forward: [c1]\n  - name: r7\n", 1),
		"rules removed":             bigRules(100, 200),
	}
	const (
		missedSome = "each missed on its first condition: the rules have changed since this decision; their names and conditions then are not kept\n"
		missedOne  = "missed on its first condition: the rules have changed since this decision; its name and conditions then are not kept\n"
	)
	wantStart := `rule "rules[0] to rules[1]": no match
  [no ] ` + missedSome + `rule "r2": no match
  [no ] subject =~ "(?i)topic-2\\b": no match
rule "rules[3] to rules[249]": no match
  [no ] ` + missedSome + `rule "r250": matched: forward to c50
`
	wantEnd := `rule "case-sensitive": no match
  [no ] subject =~ "Agenda": no match
rule "rules[508]": no match
  [no ] ` + missedOne
	for what, src := range breaks {
		bound := stored.Bind(mustParse(t, src))
		got := Trace{Rules: bound}.String()
		if !strings.HasPrefix(got, wantStart) || !strings.HasSuffix(got, wantEnd) || strings.Contains(got, "r3-renamed") || strings.Contains(got, "inserted") {
			t.Errorf("%s: renders\n%s", what, got)
		}
		var evaluated []RuleTrace
		for _, rt := range bound.All() {
			if !strings.HasPrefix(rt.Rule, "rules[") {
				evaluated = append(evaluated, rt)
			}
		}
		if len(evaluated) != len(d.Trace.Rules.full) {
			t.Fatalf("%s: %d rules shown by name, %d evaluated in full", what, len(evaluated), len(d.Trace.Rules.full))
		}
		for i, e := range d.Trace.Rules.full {
			if !reflect.DeepEqual(evaluated[i], e.trace) {
				t.Errorf("%s: evaluated rule %+v shown as %+v", what, e.trace, evaluated[i])
			}
		}
	}
}

// TestStoredTraceRefusesNonsense: a stored form whose digest or positions
// cannot be is an error, not a trace of rules that did not run.
func TestStoredTraceRefusesNonsense(t *testing.T) {
	for _, enc := range []string{
		`{"digest":"short","ran":3}`,
		`{"digest":"AAAAAAAAAAAAAAAAAAAAAA","ran":-1}`,
		`{"digest":"AAAAAAAAAAAAAAAAAAAAAA","from":2,"ran":3,"evaluated":[{"at":1,"rule":"a"}]}`,
		`{"digest":"AAAAAAAAAAAAAAAAAAAAAA","ran":3,"evaluated":[{"at":3,"rule":"a"}]}`,
		`{"digest":"AAAAAAAAAAAAAAAAAAAAAA","ran":3,"evaluated":[{"at":1,"rule":"a"},{"at":1,"rule":"b"}]}`,
	} {
		var r RuleTraces
		if err := json.Unmarshal([]byte(enc), &r); err == nil {
			t.Errorf("%s read as %v", enc, r.All())
		}
	}
}
