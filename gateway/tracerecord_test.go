package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
	"caucusgate/queue/queuetest"
)

// manyRules is testRules with forty rules before its own, which the rule
// index skips for the test messages: their misses are what the stored
// trace no longer lists.
func manyRules() string {
	var b strings.Builder
	b.WriteString("rules:\n")
	for i := range 40 {
		fmt.Fprintf(&b, "  - name: filler-%d\n    when: {from: \"*@org%d.example\"}\n    forward: [gender]\n", i, i)
	}
	return strings.Replace(testRules, "rules:\n", b.String(), 1)
}

// TestAdminShowsTheStoredTraceAsDecided: what intake stores renders on the
// admin pages as the decision's own trace (what `caucusgate test` prints),
// and the store keeps none of the rules the index skipped.
func TestAdminShowsTheStoredTraceAsDecided(t *testing.T) {
	ctx := context.Background()
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, manyRules())
	raws := map[string][]byte{
		"inv-1@example.com": invitation(1, "events@itu.int", "Invitation to consultation"),
		"inv-2@example.com": invitation(2, "someone@elsewhere.org", "Hello"),
		"inv-3@example.com": invitation(3, "news@unesco.org", "[caucus: gender] Consultation"),
	}
	for _, id := range []string{"inv-1@example.com", "inv-2@example.com", "inv-3@example.com"} {
		if err := p.world.Append("bureau@example.org", "INBOX", raws[id]); err != nil {
			t.Fatal(err)
		}
	}
	p.runOnce()
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	list, err := g.AdminBackend().Decisions(ctx, 10)
	if err != nil || len(list) != len(raws) {
		t.Fatalf("decisions %d, %v; want %d", len(list), err, len(raws))
	}
	set := p.cfg.Rules.Current()
	for _, got := range list {
		want := Explain(set, p.cfg.Accounts[0], raws[got.MessageID]).Decision
		if got.Trace.String() != want.Trace.String() || !reflect.DeepEqual(got.Trace.Rules.All(), want.Trace.Rules.All()) {
			t.Errorf("%s: admin shows\n%s\nrules decided\n%s", got.MessageID, got.Trace, want.Trace)
		}
		if want.Trace.Rules.Len() < 40 {
			t.Errorf("%s: %d rules run, want the fillers among them", got.MessageID, want.Trace.Rules.Len())
		}
		m, err := p.store.GetMessage(ctx, got.ID)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(m.Trace), "filler-") {
			t.Errorf("%s: stored trace lists the rules skipped: %s", got.MessageID, m.Trace)
		}
	}
}

// TestStoredTraceReadAfterRulesChanged: a trace stored before this
// version, the whole list, reads as it was; a compact one whose rules
// have changed since shows its misses by position, never as today's rules.
func TestStoredTraceReadAfterRulesChanged(t *testing.T) {
	set := mustRules(t, manyRules())
	raw := invitation(1, "events@itu.int", "Invitation to consultation")
	d := Explain(set, Account{Address: "bureau@example.org"}, raw).Decision
	old, err := json.Marshal(traceRecord{Decision: d})
	if err != nil {
		t.Fatal(err)
	}
	changed := mustRules(t, strings.Replace(manyRules(), `"*@org0.example"`, `"*@org0.example.net"`, 1))
	if got := adminDecision(queue.MessageInfo{Trace: old}, changed); got.Trace.String() != d.Trace.String() {
		t.Errorf("whole list stored reads as\n%s\nwant\n%s", got.Trace, d.Trace)
	}

	compact, err := traceRecord{Decision: d}.encode()
	if err != nil {
		t.Fatal(err)
	}
	if len(compact) >= len(old) {
		t.Errorf("stored form %d bytes, the whole list %d", len(compact), len(old))
	}
	got := adminDecision(queue.MessageInfo{Trace: compact}, changed).Trace.String()
	if !strings.Contains(got, `rule "rules[0] to rules[39]": no match`) || strings.Contains(got, "filler-") ||
		!strings.Contains(got, `rule "itu-invitations": matched: forward to gender, education`) {
		t.Errorf("stored trace after the rules changed reads as\n%s", got)
	}
}
