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

func TestRelayToBureauLoads(t *testing.T) {
	for _, v := range []string{"sender", "bureau", "focal@example.org"} {
		_, diags := Parse("rules.yaml", []byte("caucuses:\n  - {id: g, name: G, address: g@example.org}\nreplies:\n  relay_to: "+v+"\n"))
		if diags.HasErrors() {
			t.Errorf("relay_to %s: %v", v, diags)
		}
	}
	if _, diags := Parse("rules.yaml", []byte("caucuses:\n  - {id: g, name: G, address: g@example.org}\nreplies:\n  relay_to: the-inviter\n")); !diags.HasErrors() {
		t.Error("relay_to the-inviter loaded")
	}
}
