package gateway

import (
	"bytes"
	"context"
	"testing"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue"
)

// TestEightBitMessageIDDoesNotBlock: a Message-ID with a Latin-1 byte is
// looked up before intake decides (has it been forwarded?).
// PostgreSQL refuses such text as a query parameter too (SQLSTATE 22021),
// so the look-up failed the batch on every retry.
func TestEightBitMessageIDDoesNotBlock(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		p := newPipeline(t, dsn, mailsim.Options{})
		for _, m := range [][]byte{eightBitMessageID(invitation(1, "events@itu.int", "Invitation")),
			invitation(2, "events@itu.int", "Invitation")} {
			if err := p.world.Append("bureau@example.org", "INBOX", m); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := p.runOnceErr(); err != nil {
			t.Fatalf("run once: %v", err)
		}
		if n := len(p.world.Received()); n != 4 {
			t.Errorf("%d copies, want 4", n)
		}
		msgs, err := p.store.ListMessages(context.Background(), queue.MessageFilter{})
		if err != nil || len(msgs) != 2 {
			t.Fatalf("messages %+v %v", msgs, err)
		}
	})
}

// eightBitMessageID puts a Latin-1 byte (é) in the message's Message-ID.
func eightBitMessageID(raw []byte) []byte {
	return bytes.Replace(raw, []byte("<inv-1@example.com>"), []byte("<inv-1-caf\xe9@example.com>"), 1)
}
