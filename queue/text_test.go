package queue

import (
	"context"
	"io"
	"testing"
	"unicode/utf8"
)

// A Subject that decodes to NUL, or undeclared 8-bit bytes, failed the
// whole intake batch on PostgreSQL (SQLSTATE 22021) on every retry, and
// nothing after that message in the mailbox was ever processed.
func TestIntakeStoresAnyHeaderText(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		begin(t, s, 7, 0)
		m := message(1, "<odd\x00@x>", "body with \x00 NUL and \xff byte", "gender")
		m.Subject = "Invitation\x00 r\xe9union"
		m.From = "Ren\xe9 <rene\x00@example.org>"
		m.Reason = "reason \x00"
		out := intake(t, s, 7, m)
		if len(out) != 1 || len(out[0].DeliveryIDs) != 1 {
			t.Fatalf("intake = %+v, want the message with one delivery", out)
		}
		var subject, from, mid string
		if err := s.db.QueryRow(s.q("SELECT subject, from_addr, message_id FROM messages WHERE id = ?"), out[0].MessageRef).Scan(&subject, &from, &mid); err != nil {
			t.Fatal(err)
		}
		for _, v := range []string{subject, from, mid} {
			if !utf8.ValidString(v) || containsNUL(v) {
				t.Errorf("stored text %q is not valid UTF-8 without NUL", v)
			}
		}
		if subject != "Invitation\uFFFD r\uFFFDunion" {
			t.Errorf("subject = %q", subject)
		}
		rc, err := s.OpenRaw(context.Background(), out[0].MessageRef)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		raw, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		if string(raw) != string(m.Raw) {
			t.Errorf("raw bytes changed: %q, want %q", raw, m.Raw)
		}
	})
}

func containsNUL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return true
		}
	}
	return false
}
