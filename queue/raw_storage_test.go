package queue

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"caucusgate/queue/queuetest"
)

// TestPostgresKeepsRawBytesUncompressed: on PostgreSQL a message's raw
// bytes are stored out of line as they came, not compressed by pglz (which
// spent the server's CPU on every message for almost nothing: mail is
// mostly base64 and compressed attachments), and read back whole.
func TestPostgresKeepsRawBytesUncompressed(t *testing.T) {
	ran := false
	for _, backend := range queuetest.DSNs(t) {
		if backend.Name != "postgres" {
			continue
		}
		ran = true
		s := openTest(t, backend.DSN, Options{})
		begin(t, s, 7, 0)
		// Text that pglz compresses well: stored as is all the same.
		m := message(1, "<big@x>", strings.Repeat("Invitation to the consultation on education. ", 8000))
		ref := intake(t, s, 7, m)[0].MessageRef
		var compressed int
		if err := s.db.QueryRowContext(context.Background(),
			"SELECT count(*) FROM raw_chunks WHERE message_ref = $1 AND pg_column_compression(data) IS NOT NULL",
			ref).Scan(&compressed); err != nil {
			t.Fatal(err)
		}
		if compressed != 0 {
			t.Errorf("%d raw chunks of message %d stored compressed; want none", compressed, ref)
		}
		if got := rawOf(t, s, ref); !bytes.Equal(got, m.Raw) {
			t.Errorf("raw read back: %d bytes, want the %d stored", len(got), len(m.Raw))
		}
	}
	if !ran {
		t.Skip("PostgreSQL only: set CAUCUSGATE_TEST_POSTGRES to run it")
	}
}
