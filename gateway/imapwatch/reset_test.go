package imapwatch

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// deliverDated appends a message with a Date header and an INTERNALDATE
// of their own: a restore may give old mail a new INTERNALDATE.
func (ts *testServer) deliverDated(subject string, date, internal time.Time) {
	ts.t.Helper()
	raw := fmt.Sprintf("From: inviter@itu.int\r\nDate: %s\r\nSubject: %s\r\nMessage-ID: <%s@test>\r\n\r\nx\r\n",
		date.Format(time.RFC1123Z), subject, subject)
	if _, err := ts.user.Append("INBOX", bytes.NewReader([]byte(raw)), &imap.AppendOptions{Time: internal}); err != nil {
		ts.t.Fatal(err)
	}
}

// Issue 11 item 1: a mailbox started with start: now, then rebuilt by its
// server, must not forward the old mail that start skipped.
func TestResetNeverTakesWhatStartSkipped(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	ts := startServer(t, serverOpts{})
	for i, age := range []time.Duration{3 * 365 * 24 * time.Hour, 400 * 24 * time.Hour, 30 * 24 * time.Hour} {
		ts.deliverDated(fmt.Sprintf("old%d", i), now.Add(-age), now.Add(-age))
	}
	sink := newMemSink()
	cfg := testConfig(t, ts.addr, sink, nil)
	cfg.Start = Start{Mode: StartNow}
	s := newSupervisor(t, cfg)
	if err := s.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	ts.deliverDated("fresh", now, now)
	if err := s.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	// The server rebuilds its index: same mail, same dates, new UIDs.
	ts.recreate("INBOX")
	for i, age := range []time.Duration{3 * 365 * 24 * time.Hour, 400 * 24 * time.Hour, 30 * 24 * time.Hour} {
		ts.deliverDated(fmt.Sprintf("old%d", i), now.Add(-age), now.Add(-age))
	}
	ts.deliverDated("fresh", now, now)
	ts.deliverDated("after", now, now.Add(time.Second))
	if err := s.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := sink.subjects(); !slices.Equal(got, []string{"fresh", "after"}) {
		t.Errorf("accepted %q, want fresh once and after: nothing start skipped", got)
	}
}

// Issue 11 item 9: start: 36h takes exactly the mail received in those
// hours, even when UIDs do not follow dates (a migration).
func TestStartSinceIgnoresUIDOrder(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	ts := startServer(t, serverOpts{})
	ts.deliverDated("ten days", now.Add(-240*time.Hour), now.Add(-240*time.Hour))
	ts.deliverDated("an hour", now.Add(-time.Hour), now.Add(-time.Hour))
	ts.deliverDated("migrated, twenty days", now.Add(-480*time.Hour), now.Add(-480*time.Hour))
	ts.deliverDated("forty hours", now.Add(-40*time.Hour), now.Add(-40*time.Hour))       // SINCE's day, not its hour
	ts.deliverDated("lying Date", now.Add(-400*time.Hour), now.Add(-2*time.Hour))        // Date is the sender's: not a criterion
	ts.deliverDated("lying INTERNALDATE", now.Add(-2*time.Hour), now.Add(-50*time.Hour)) // skipped by INTERNALDATE
	sink := newMemSink()
	cfg := testConfig(t, ts.addr, sink, nil)
	cfg.Start, cfg.Now = Start{Mode: StartSince, Since: 36 * time.Hour}, func() time.Time { return now }
	if err := newSupervisor(t, cfg).SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := sink.subjects(); !slices.Equal(got, []string{"an hour", "lying Date"}) {
		t.Errorf("accepted %q, want exactly the messages received in the last 36 hours", got)
	}
}

// Issue 11 item 10: a UIDVALIDITY change seen while the restore is still
// re-adding messages: those added after it are recognised too.
func TestRestoreInProgressTakesNothingTwice(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	ts := startServer(t, serverOpts{})
	for _, s := range []string{"a", "b", "c"} {
		ts.deliverDated(s, now.Add(-time.Hour), now.Add(-time.Hour))
	}
	sink := newMemSink()
	cfg := testConfig(t, ts.addr, sink, nil)
	s := newSupervisor(t, cfg)
	if err := s.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	ts.recreate("INBOX")
	ts.deliverDated("a", now.Add(-time.Hour), now.Add(-time.Hour))
	if err := s.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	ts.deliverDated("b", now.Add(-time.Hour), now.Add(-time.Hour))
	ts.deliverDated("c", now.Add(-time.Hour), now.Add(-time.Hour))
	ts.deliverDated("d", now, now)
	if err := s.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := sink.subjects(); !slices.Equal(got, []string{"a", "b", "c", "d"}) {
		t.Errorf("accepted %q, want each message once", got)
	}
}

// After a reset, a message whose INTERNALDATE is past the start boundary
// but whose Date is days before it is taken to be held, never forwarded.
func TestResetMarksOldDatedMailSuspect(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	ts := startServer(t, serverOpts{})
	ts.deliverDated("before start", now.Add(-30*24*time.Hour), now.Add(-30*24*time.Hour))
	sink := newMemSink()
	cfg := testConfig(t, ts.addr, sink, nil)
	cfg.Start = Start{Mode: StartNow}
	s := newSupervisor(t, cfg)
	if err := s.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	// Restored by cp: the file's mtime, so INTERNALDATE, is now.
	ts.recreate("INBOX")
	ts.deliverDated("before start", now.Add(-30*24*time.Hour), now.Add(time.Minute))
	ts.deliverDated("new", now.Add(time.Minute), now.Add(time.Minute))
	if err := s.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, batches, _ := sink.snapshot()
	var suspect, clean []string
	for _, b := range batches {
		for _, m := range b.Messages {
			if m.Suspect != "" {
				suspect = append(suspect, subjectOf(m.Raw))
			} else {
				clean = append(clean, subjectOf(m.Raw))
			}
		}
	}
	if !slices.Equal(suspect, []string{"before start"}) || !slices.Equal(clean, []string{"new"}) {
		t.Errorf("suspect %q, clean %q; want the restored old message suspect and the new one clean", suspect, clean)
	}
}
