package e2ehelp

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/emersion/go-message/mail"
)

// Invitation is invitation i from events@itu.int to the bureau, with
// Message-ID <e2e-i@itu.int>: mail the suites' rules forward and none holds.
func Invitation(i int) []byte {
	return []byte(fmt.Sprintf("From: ITU Events <events@itu.int>\r\nTo: %s\r\n"+
		"Subject: Invitation %d to the consultation\r\nMessage-ID: <e2e-%d@itu.int>\r\n"+
		"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Dear bureau,\r\nyou are invited (%d).\r\n", Bureau, i, i, i))
}

// CopiesByMessageID counts the copies among msgs (a mailbox's), by
// Message-ID, failing the test on a copy that does not parse.
func CopiesByMessageID(t testing.TB, msgs [][]byte) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for _, m := range msgs {
		r, err := mail.CreateReader(bytes.NewReader(m))
		if err != nil {
			t.Fatalf("delivered copy does not parse: %v", err)
		}
		id, _ := r.Header.MessageID()
		counts[id]++
	}
	return counts
}
