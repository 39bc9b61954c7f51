package main

import (
	"strings"
	"testing"
)

// TestDemo runs the demo as a newcomer would: it exits 0 and its table says
// what went where and why.
func TestDemo(t *testing.T) {
	status, stdout, stderr := runCLI(t, "demo")
	if status != 0 {
		t.Fatalf("demo: status %d\n%s\n%s", status, stdout, stderr)
	}
	for _, want := range []string{
		"UID  FROM", // the decisions table
		`rule "itu-consultations" forwards to gender, education`,
		"tag [caucus: gender, climat] from alice@bureau.example.org", // a member's tag
		"ignored: the sender promo@marketing.example.com",            // an outsider's tag
		"holds it for moderation",                                    // a held message
		"| We propose a joint side event; the proposal is attached.", // its preview, text from its HTML
		"attachment: proposal.pdf (application/pdf",
		"never forwarded: X-Loop: bureau@example.org", // our own mail coming back
		"Delivered over SMTP (14 copies)",
		"Relayed to the inviter events@itu.int",                                   // a reply at the demo schedule
		"Reminder to gina@example.net: \"Reminder: Invitation: Open consultation", // the caucus that has not answered
		"education:no answer (reminded 7d) gender:answered",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if strings.Contains(stdout, "Reminder to gender@lists.example.net") {
		t.Error("the Gender Caucus answered, yet was reminded")
	}
	if t.Failed() {
		t.Logf("demo output:\n%s", stdout)
	}
}
