package gateway

import (
	"strings"
	"testing"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue/queuetest"
)

func sharedID(from, body, extra string) []byte {
	return []byte(extra + "From: " + from + "\r\nTo: bureau@example.org\r\nSubject: Invitation to the forum\r\n" +
		"Message-ID: <shared@example.com>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain\r\n\r\n" + body + "\r\n")
}

func TestMessageIDIdentity(t *testing.T) {
	tests := []struct {
		name   string
		second []byte
		copies int // copies the gender list gets of both
	}{
		{"a distinct message reusing the Message-ID", sharedID("b@itu.int", "Second, different invitation.", ""), 2},
		{"the same message delivered twice", sharedID("a@itu.int", "First invitation.", "Received: from mx2 by mx1; Mon, 23 Nov 2026 10:01:00 +0000\r\nDelivered-To: bureau@example.org\r\n"), 1},
		{"the same but its Content-Type", []byte(strings.Replace(string(sharedID("a@itu.int", "First invitation.", "")), "text/plain", "text/plain; charset=utf-8", 1)), 2},
		{"our copy back through the gender list", sharedID("a@itu.int", "First invitation.", "List-Id: <caucus-gender.lists.example.net>\r\n"), 1},
		{"our copy back with our From", sharedID("bureau@example.org", "First invitation.", ""), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
			if err := p.world.Append("bureau@example.org", "INBOX", sharedID("a@itu.int", "First invitation.", "")); err != nil {
				t.Fatal(err)
			}
			p.runOnce()
			if err := p.world.Append("bureau@example.org", "INBOX", tt.second); err != nil {
				t.Fatal(err)
			}
			p.runOnce()
			if n := len(relayedTo(p, "caucus-gender@lists.example.net")); n != tt.copies {
				t.Fatalf("the gender list got %d copies, want %d", n, tt.copies)
			}
		})
	}
}

// TestMessagesWithoutMessageIDNeverMatch: two distinct invitations without
// Message-ID are both forwarded.
func TestMessagesWithoutMessageIDNeverMatch(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	for i, body := range []string{"One.", "Two."} {
		raw := strings.Replace(string(sharedID("a@itu.int", body, "")), "Message-ID: <shared@example.com>\r\n", "", 1)
		if err := p.world.Append("bureau@example.org", "INBOX", []byte(raw)); err != nil {
			t.Fatal(err)
		}
		p.runOnce()
		if n := len(relayedTo(p, "caucus-gender@lists.example.net")); n != i+1 {
			t.Fatalf("after invitation %d the gender list has %d copies", i+1, n)
		}
	}
}

// TestListMailNeverGoesThroughTheRules: a caucus member's discussion post
// through the caucus's own list matches a forwarding rule, and is not
// forwarded.
func TestListMailNeverGoesThroughTheRules(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	post := "From: Gina <gina@itu.int>\r\nTo: caucus-gender@lists.example.net\r\nSubject: Invitation to the forum: who goes?\r\n" +
		"List-Id: Gender Caucus <caucus-gender.lists.example.net>\r\nMessage-ID: <post-1@itu.int>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\nShall I?\r\n"
	if err := p.world.Append("bureau@example.org", "INBOX", []byte(post)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	if n := len(p.world.Received()); n != 0 {
		t.Fatalf("a post through the caucus's own list was forwarded %d times", n)
	}
}

// TestLoopGuardAnswersEachMessageOfABatch: the store is asked once for a
// fetched batch; each message gets its own answer. Our copy coming back
// and the same message delivered again are not forwarded, the new
// invitation beside them is.
func TestLoopGuardAnswersEachMessageOfABatch(t *testing.T) {
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	if err := p.world.Append("bureau@example.org", "INBOX", sharedID("a@itu.int", "First invitation.", "")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	fresh := strings.Replace(string(sharedID("c@itu.int", "Another invitation.", "")), "<shared@example.com>", "<fresh@example.com>", 1)
	for _, raw := range [][]byte{
		sharedID("a@itu.int", "First invitation.", "List-Id: <caucus-gender.lists.example.net>\r\n"),
		[]byte(fresh),
		sharedID("a@itu.int", "First invitation.", "Received: from mx2 by mx1; Mon, 23 Nov 2026 10:01:00 +0000\r\n"),
	} {
		if err := p.world.Append("bureau@example.org", "INBOX", raw); err != nil {
			t.Fatal(err)
		}
	}
	p.runOnce()
	got := relayedTo(p, "caucus-gender@lists.example.net")
	if len(got) != 2 {
		t.Fatalf("the gender list got %d copies, want 2 (the first invitation and the fresh one)", len(got))
	}
	for _, body := range []string{"First invitation.", "Another invitation."} {
		n := 0
		for _, r := range got {
			if strings.Contains(string(r.Data), body) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d copies of %q, want 1", n, body)
		}
	}
}
