package rules

import "testing"

func TestTooManyHopsIsNeverForwarded(t *testing.T) {
	set, diags := Parse("rules.yaml", []byte("caucuses:\n  - {id: gender, name: Gender Caucus, address: g@example.org}\n"+
		"rules:\n  - name: all\n    when: {from: \"*\"}\n    forward: [gender]\n"))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	env := Env{AccountAddress: "bureau@example.org", ListIDDomain: "example.org"}
	if d := set.Decide(&Message{From: "a@itu.int", ReceivedCount: 12}, env); d.Action != Forward {
		t.Fatalf("12 hops: %s, want forward", d.Action)
	}
	d := set.Decide(&Message{From: "a@itu.int", ReceivedCount: 31}, env)
	if d.Action == Forward || d.NeverForwarded != GuardTooManyHops {
		t.Fatalf("31 hops: %s (%s), want never forwarded", d.Action, d.NeverForwarded)
	}
}
