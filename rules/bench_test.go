package rules

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"caucusgate/internal/cputime"
)

// bigRules writes a file of 100 caucuses and 500 rules of mixed conditions.
func bigRules(caucuses, rules int) string {
	var b strings.Builder
	b.WriteString("caucuses:\n")
	for i := range caucuses {
		fmt.Fprintf(&b, "  - id: c%d\n    address: c%d@example.org\n    tags: [t%d, thème%d]\n", i, i, i, i)
	}
	b.WriteString("bureau:\n  members: [alice@example.org]\nrules:\n")
	for i := range rules {
		fmt.Fprintf(&b, "  - name: r%d\n", i)
		switch i % 5 {
		case 0:
			fmt.Fprintf(&b, "    when: {from: \"*@org%d.int\", subject: \"(?i)invitation|consultation\"}\n", i)
		case 1:
			fmt.Fprintf(&b, "    when: {to: \"list%d@example.org\"}\n", i)
		case 2:
			fmt.Fprintf(&b, "    when: {subject: \"(?i)topic-%d\\\\b\", header: {X-Mailer: \"(?i)mailer%d\"}}\n", i, i)
		case 3:
			fmt.Fprintf(&b, "    when: {any: [{from: \"news@site%d.org\"}, {list_id: \"*.list%d.org\"}]}\n", i, i)
		case 4:
			fmt.Fprintf(&b, "    when: {body: \"(?i)keyword%d\", not: {attachment: \"*.exe\"}}\n", i)
		}
		fmt.Fprintf(&b, "    forward: [c%d]\n", i%caucuses)
	}
	return b.String()
}

// benchMessage is a message five of bigRules(100, 500) match, with an
// outsider's tag.
func benchMessage() *Message {
	return &Message{
		From: "events@org250.int", To: []string{"bureau@example.org", "list251@example.org"},
		Subject: "Re: [caucus: t7, thème8] Invitation to a consultation on topic-252",
		Header:  map[string][]string{"X-Mailer": {"Mailer252 1.0"}, "List-Id": {"<news.list253.org>"}},
		Body:    strings.Repeat("Dear colleagues, please find the programme attached. ", 40) + "keyword254",
		Size:    40 << 10,
	}
}

// BenchmarkDecide runs a decision over 500 rules and 100 caucuses, trace
// included, for a message five rules match, with an outsider's tag.
func BenchmarkDecide(b *testing.B) {
	set := mustParse(b, bigRules(100, 500))
	m := benchMessage()
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		d := set.Decide(m, testEnv)
		if len(d.Caucuses) != 5 {
			b.Fatalf("caucuses = %v", d.Caucuses)
		}
	}
	cputime.Report(b, cpu, b.N)
}

func BenchmarkParse(b *testing.B) {
	src := []byte(bigRules(100, 500))
	b.ReportAllocs()
	for b.Loop() {
		if _, diags := Parse("big.yaml", src); diags.HasErrors() {
			b.Fatal(diags)
		}
	}
}

// BenchmarkDecideJSON is BenchmarkDecide with the decision encoded as the
// gateway stores it: the trace of every rule, 500 entries.
func BenchmarkDecideJSON(b *testing.B) {
	set := mustParse(b, bigRules(100, 500))
	m := benchMessage()
	b.ReportAllocs()
	cpu := cputime.Process()
	for b.Loop() {
		if _, err := json.Marshal(set.Decide(m, testEnv)); err != nil {
			b.Fatal(err)
		}
	}
	cputime.Report(b, cpu, b.N)
}

// BenchmarkDecideStored is a decision and the encoding of its trace as the
// gateway stores it with every message; stored-B/op is that record's length.
func BenchmarkDecideStored(b *testing.B) {
	set := mustParse(b, bigRules(100, 500))
	m := benchMessage()
	b.ReportAllocs()
	cpu := cputime.Process()
	var stored int
	for b.Loop() {
		enc, err := json.Marshal(storedForm(set.Decide(m, testEnv)))
		if err != nil {
			b.Fatal(err)
		}
		stored = len(enc)
	}
	cputime.Report(b, cpu, b.N)
	b.ReportMetric(float64(stored), "stored-B/op")
}

// storedForm is the decision as the gateway's trace record holds it.
func storedForm(d Decision) Decision {
	d.Trace.Rules = d.Trace.Rules.Compact()
	return d
}
