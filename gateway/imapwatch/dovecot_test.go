package imapwatch

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"caucusgate/internal/mailstack"
)

// The same protocol paths against Dovecot, delivering through Postfix and
// LMTP as production mail arrives. Run with CAUCUSGATE_E2E=1 (scripts/e2e).

const bureau = "bureau@example.org"

func dovecotConfig(t *testing.T, st *mailstack.Stack, sink Sink, obs Observer) Config {
	cfg := testConfig(t, st.IMAPAddr, sink, obs)
	cfg.Username, cfg.Password = bureau, st.Password
	return cfg
}

func invitation(subject string) []byte {
	return fmt.Appendf(nil, "From: inviter@itu.int\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@itu.int>\r\n\r\nPlease come.\r\n",
		bureau, subject, strings.ReplaceAll(subject, " ", "."))
}

func dovecotHasFlag(flags []string, want string) bool {
	return slices.ContainsFunc(flags, func(f string) bool { return strings.EqualFold(f, want) })
}

func TestDovecotIdleKeywordAndStartNow(t *testing.T) {
	st := mailstack.Start(t, mailstack.Options{})
	st.Append(t, bureau, "INBOX", invitation("already there"))
	sink, obs := newMemSink(), newRecObserver()
	cfg := dovecotConfig(t, st, sink, obs)
	cfg.Start = Start{Mode: StartNow}
	runInBackground(t, newSupervisor(t, cfg))
	obs.waitState(t, StateIdle)
	st.SendSMTP(t, "inviter@itu.int", []string{bureau}, invitation("during idle"))
	sink.waitFor(t, "the new message acknowledged", func() bool { return len(sink.acked) == 1 })
	if got := sink.subjects(); !slices.Equal(got, []string{"during idle"}) {
		t.Errorf("accepted %q, want only the new message", got)
	}
	flags := st.Flags(t, bureau, "INBOX")
	if len(flags) != 2 {
		t.Fatalf("INBOX flags %v, want two messages", flags)
	}
	for uid, f := range flags {
		if dovecotHasFlag(f, `\Seen`) {
			t.Errorf("UID %d was marked \\Seen: %v", uid, f)
		}
		if isNew := uid == slices.Max(slices.Collect(maps.Keys(flags))); isNew != dovecotHasFlag(f, DefaultKeyword) {
			t.Errorf("UID %d flags %v: keyword should be on the new message only", uid, f)
		}
	}
}

func TestDovecotDoneMailboxMoves(t *testing.T) {
	st := mailstack.Start(t, mailstack.Options{})
	st.Append(t, bureau, "INBOX", invitation("a"))
	st.Append(t, bureau, "INBOX", invitation("b"))
	sink := newMemSink()
	cfg := dovecotConfig(t, st, sink, nil)
	cfg.DoneMailbox = "Caucusgate/Done"
	if err := newSupervisor(t, cfg).SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := len(st.Flags(t, bureau, "INBOX")); n != 0 {
		t.Errorf("INBOX still holds %d messages", n)
	}
	if n := len(st.Flags(t, bureau, "Caucusgate/Done")); n != 2 {
		t.Errorf("done mailbox holds %d messages, want 2", n)
	}
}

func TestDovecotRestartDuringIdle(t *testing.T) {
	st := mailstack.Start(t, mailstack.Options{})
	sink, obs := newMemSink(), newRecObserver()
	runInBackground(t, newSupervisor(t, dovecotConfig(t, st, sink, obs)))
	obs.waitState(t, StateIdle)
	st.StopDovecot(t)
	st.SendSMTP(t, "inviter@itu.int", []string{bureau}, invitation("while down"))
	st.StartDovecot(t)
	sink.waitFor(t, "the deferred message acknowledged", func() bool { return len(sink.acked) == 1 })
	if got := sink.subjects(); !slices.Equal(got, []string{"while down"}) {
		t.Errorf("accepted %q", got)
	}
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.reasons) == 0 {
		t.Error("no reconnect was reported")
	}
}

func TestDovecotAuthFailure(t *testing.T) {
	st := mailstack.Start(t, mailstack.Options{})
	cfg := dovecotConfig(t, st, newMemSink(), nil)
	cfg.Password = "wrong"
	err := newSupervisor(t, cfg).SyncOnce(t.Context())
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("SyncOnce = %v, want an auth failure", err)
	}
}

// A restore or a migration gives a Dovecot mailbox a new UIDVALIDITY: the
// new epoch asks the store for fingerprints.
func TestDovecotUIDValidityReset(t *testing.T) {
	st := mailstack.Start(t, mailstack.Options{})
	st.Append(t, bureau, "INBOX", invitation("a"))
	sink := newMemSink()
	s := newSupervisor(t, dovecotConfig(t, st, sink, nil))
	if err := s.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	st.StopDovecot(t)
	bumpUIDValidity(t, filepath.Join(st.Dir, "mail", bureau, "Maildir"))
	st.StartDovecot(t)
	if err := s.SyncOnce(t.Context()); err != nil {
		t.Fatal(err)
	}
	epochs, batches, _ := sink.snapshot()
	if len(epochs) != 2 || epochs[1].UIDValidity == epochs[0].UIDValidity || epochs[1].FingerprintBelow == 0 || epochs[1].LastUID != 0 {
		t.Fatalf("epochs %+v: want a second epoch with a new UIDVALIDITY, LastUID 0 and FingerprintBelow set", epochs)
	}
	// The message is recognised by its header keys before any download.
	if len(batches) != 1 || sink.recognised == 0 {
		t.Errorf("after the reset: %d batches (want the first only), %d header recognitions (want some)", len(batches), sink.recognised)
	}
}

// bumpUIDValidity rewrites the V field of dovecot-uidlist and drops the
// index that caches it, as a restore from backup would. Deleting the list
// is not enough: Dovecot derives a new UIDVALIDITY from the clock, which
// can give the same value within the same second.
func bumpUIDValidity(t *testing.T, maildir string) {
	t.Helper()
	path := filepath.Join(maildir, "dovecot-uidlist")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	header, rest, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(header)
	for i, f := range fields {
		if v, ok := strings.CutPrefix(f, "V"); ok {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil {
				t.Fatalf("parse %s header %q: %v", path, header, err)
			}
			fields[i] = "V" + strconv.FormatUint(n+1, 10)
		}
	}
	if err := os.WriteFile(path, []byte(strings.Join(fields, " ")+"\n"+rest), 0o600); err != nil {
		t.Fatal(err)
	}
	indexes, _ := filepath.Glob(filepath.Join(maildir, "dovecot.index*"))
	for _, f := range indexes {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
}

// Issue 11 item 8 against Dovecot: its imap process frozen (SIGSTOP) during
// IDLE is noticed when DONE goes unanswered for the stall timeout, and mail
// that arrived meanwhile is taken on a fresh connection.
func TestDovecotFrozenServerNoticed(t *testing.T) {
	st := mailstack.Start(t, mailstack.Options{})
	sink, obs := newMemSink(), newRecObserver()
	cfg := dovecotConfig(t, st, sink, obs)
	cfg.IdleCheck, cfg.StallTimeout = time.Second, 2*time.Second
	runInBackground(t, newSupervisor(t, cfg))
	obs.waitState(t, StateIdle)
	thaw := st.FreezeIMAP(t)
	st.SendSMTP(t, "inviter@itu.int", []string{bureau}, invitation("while frozen"))
	waitReason(t, obs, ErrStalled)
	sink.waitFor(t, "the message taken on a new connection", func() bool { return len(sink.acked) == 1 })
	thaw()
	if got := sink.subjects(); !slices.Equal(got, []string{"while frozen"}) {
		t.Errorf("accepted %q", got)
	}
}
