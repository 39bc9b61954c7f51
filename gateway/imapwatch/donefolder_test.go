package imapwatch

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// uidPlusNoMove plays Cyrus 3.6: UIDPLUS but no MOVE.
var uidPlusNoMove = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapUIDPlus: {}}

// Without MOVE the messages are copied, and expunged only once the copy
// is confirmed. A missing done folder (NO [TRYCREATE]) is created first;
// go-imap's fallback expunged them before reading COPY's answer.
func TestDoneMailboxWithoutMoveCopiesBeforeExpunging(t *testing.T) {
	ts := startServer(t, serverOpts{caps: uidPlusNoMove})
	for _, s := range []string{"a", "b", "c"} {
		ts.deliver("INBOX", s, "x", time.Now())
	}
	sink := newMemSink()
	cfg := testConfig(t, ts.addr, sink, nil)
	cfg.DoneMailbox = "Done"
	if err := newSupervisor(t, cfg).SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := ts.count("INBOX"); n != 0 {
		t.Errorf("INBOX has %d messages after the move, want 0", n)
	}
	if n := ts.count("Done"); n != 3 {
		t.Errorf("done mailbox has %d messages, want 3", n)
	}
	if un, _ := sink.Unacked(t.Context(), "INBOX", 1); len(un) != 0 {
		t.Errorf("still unacknowledged: %v", un)
	}
}

// A done folder the server refuses (misnamed under its namespace, over
// quota) must neither lose mail nor stop intake: the messages stay in the
// INBOX, pending, and new mail is still taken.
func TestRefusedDoneMailboxKeepsMailAndIntake(t *testing.T) {
	for _, tt := range []struct {
		name string
		caps imap.CapSet
	}{
		{"MOVE", nil},
		{"UIDPLUS without MOVE", uidPlusNoMove},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, serverOpts{caps: tt.caps, refuse: "Processed"})
			ts.deliver("INBOX", "a", "x", time.Now())
			ts.deliver("INBOX", "b", "x", time.Now())
			sink, obs := newMemSink(), newRecObserver()
			cfg := testConfig(t, ts.addr, sink, obs)
			cfg.DoneMailbox = "Processed"
			s := newSupervisor(t, cfg)
			if err := s.SyncOnce(t.Context()); err != nil {
				t.Fatalf("first run: %v", err)
			}
			ts.deliver("INBOX", "c", "x", time.Now())
			if err := s.SyncOnce(t.Context()); err != nil {
				t.Fatalf("second run, with acknowledgements pending: %v", err)
			}
			if got := sink.subjects(); !slices.Equal(got, []string{"a", "b", "c"}) {
				t.Errorf("accepted %q, want a b c", got)
			}
			if n := ts.count("INBOX"); n != 3 {
				t.Errorf("INBOX has %d messages, want all 3 kept", n)
			}
			if un, _ := sink.Unacked(t.Context(), "INBOX", 1); !slices.Equal(un, []uint32{1, 2, 3}) {
				t.Errorf("pending acknowledgements %v, want [1 2 3]", un)
			}
			obs.mu.Lock()
			defer obs.mu.Unlock()
			if obs.backlog == 0 || obs.ackErr == nil {
				t.Errorf("backlog not reported: count %d, err %v", obs.backlog, obs.ackErr)
			}
		})
	}
}

// alertSink records the backlog alerts the Supervisor asks for.
type alertSink struct {
	*memSink
	alerts []AckBacklog
}

func (s *alertSink) AlertAckBacklog(_ context.Context, _ string, _ uint32, b AckBacklog) error {
	s.alerts = append(s.alerts, b)
	return nil
}

// Refused acknowledgements are retried every AckRetry; after AckAlertAfter
// the admins are told once; when the server takes them again the backlog
// clears.
func TestRefusedAcksRetriedAlertedAndCleared(t *testing.T) {
	ts := startServer(t, serverOpts{refuse: "Processed"})
	ts.deliver("INBOX", "a", "x", time.Now())
	sink, obs := &alertSink{memSink: newMemSink()}, newRecObserver()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	cfg := testConfig(t, ts.addr, sink, obs)
	cfg.DoneMailbox, cfg.Now = "Processed", func() time.Time { return now }
	s := newSupervisor(t, cfg)
	sync := func(after time.Duration) {
		t.Helper()
		now = now.Add(after)
		if err := s.SyncOnce(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	sync(0)
	ts.deliver("INBOX", "b", "x", time.Now())
	sync(time.Hour)
	sync(2 * time.Hour)
	sync(time.Hour)
	if len(sink.alerts) != 1 || sink.alerts[0].Count != 2 || !sink.alerts[0].Since.Equal(now.Add(-4*time.Hour)) {
		t.Fatalf("alerts %+v, want one for 2 messages refused since the first run", sink.alerts)
	}
	ts.refuse.Store("")
	sync(2 * DefaultAckRetry)
	if n := ts.count("Processed"); n != 2 {
		t.Errorf("done mailbox has %d messages once the server takes them, want 2", n)
	}
	if un, _ := sink.Unacked(t.Context(), "INBOX", 1); len(un) != 0 {
		t.Errorf("still pending: %v", un)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.backlog != 0 || obs.ackErr != nil {
		t.Errorf("backlog still reported: %d, %v", obs.backlog, obs.ackErr)
	}
}

func TestCheckDoneMailbox(t *testing.T) {
	tests := []struct {
		name, namespace, done string
		exists                bool
		wantErr               error
	}{
		{"exists", "", "Done", true, nil},
		{"absent, will be created", "", "Done", false, nil},
		{"outside the personal namespace", "INBOX.", "Processed", false, ErrNoDoneMailbox},
		{"inside the personal namespace", "INBOX.", "INBOX.Processed", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := startServer(t, serverOpts{namespace: tt.namespace})
			if tt.exists {
				if err := ts.user.Create(tt.done, nil); err != nil {
					t.Fatal(err)
				}
			}
			cfg := testConfig(t, ts.addr, nil, nil)
			cfg.DoneMailbox = tt.done
			err := CheckDoneMailbox(t.Context(), cfg)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("CheckDoneMailbox = %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), `"INBOX.Processed"`) {
				t.Errorf("error %q does not suggest the name in the namespace", err)
			}
		})
	}
}
