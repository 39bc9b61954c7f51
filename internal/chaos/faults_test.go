package chaos_test

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	_ "modernc.org/sqlite"

	"caucusgate/internal/e2ehelp"
)

// The fault kinds a round can inject.
const (
	faultKillIntake     = "kill9-intake"
	faultKillDelivery   = "kill9-delivery"
	faultDovecotRestart = "dovecot-restart"
	faultDovecotFreeze  = "dovecot-freeze"
	faultRelayStall     = "relay-stall"
	faultUIDValidity    = "uidvalidity-reset"
	faultSQLiteFull     = "sqlite-full"
	faultPGCut          = "pg-cut"
	faultKillDigest     = "kill9-digest"
)

var faultsByKind = map[string]func(*run){
	faultKillIntake:     (*run).killAtIntake,
	faultKillDelivery:   (*run).killDuringDelivery,
	faultDovecotRestart: (*run).restartDovecotMidFetch,
	faultDovecotFreeze:  (*run).freezeDovecot,
	faultRelayStall:     (*run).stallRelay,
	faultUIDValidity:    (*run).resetUIDValidity,
	faultSQLiteFull:     (*run).fillSQLite,
	faultPGCut:          (*run).cutPostgres,
	faultKillDigest:     (*run).killDuringDigest,
}

// pick returns one of the run's daemons, as the seed chooses.
func (r *run) pick() *instance { return r.daemons[r.rng.IntN(len(r.daemons))] }

// kill kills an instance with SIGKILL; every delivery then in flight at the
// relay may repeat. The instance restarts after a moment.
func (r *run) kill(in *instance, kind string) {
	in.d.Kill()
	r.faults.Add(kind, r.relay.InFlight()...)
	r.sleepUpTo(time.Second)
	r.start(in)
}

// killAtIntake kills a daemon while it takes the round's mail in.
func (r *run) killAtIntake() {
	r.appendBatch()
	r.sleepUpTo(1500 * time.Millisecond)
	r.kill(r.pick(), faultKillIntake)
}

// killDuringDelivery kills a daemon once the relay accepted part of the
// round's deliveries.
func (r *run) killDuringDelivery() {
	before := r.missing()
	r.appendBatch()
	want := r.missing() - 1 - r.rng.IntN(max(r.missing()-before, 1))
	deadline := time.Now().Add(roundBudget)
	for r.missing() > want && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	r.kill(r.pick(), faultKillDelivery)
}

// restartDovecotMidFetch restarts Dovecot while the daemon fetches.
func (r *run) restartDovecotMidFetch() {
	r.appendBatch()
	r.sleepUpTo(800 * time.Millisecond)
	r.stack.RestartDovecot(r.t)
	r.faults.Add(faultDovecotRestart)
}

// freezeDovecot stops Dovecot's imap processes (SIGSTOP) as a hung server
// would, right after new mail arrived, adds mail while they are frozen, and
// thaws them after -chaos.freeze. The mail added meanwhile may wait for the
// thaw (a frozen process fetching the first batch holds the mailbox's
// lock), as mail delivered to a hung server does: it is appended beside
// the freeze, not before the thaw.
func (r *run) freezeDovecot() {
	r.appendBatch()
	thaw := r.stack.FreezeIMAP(r.t)
	r.faults.Add(faultDovecotFreeze)
	time.Sleep(*flagFreeze / 2)
	appended := r.appendBatchAsync(*flagFreeze + time.Minute)
	time.Sleep(*flagFreeze / 2)
	thaw()
	if err := <-appended; err != nil {
		r.t.Fatalf("append while dovecot was frozen: %v", err)
	}
}

// stallRelay makes the relay hold its answer to the next DATA for a few
// seconds; half the time a daemon is killed during the stall, which is
// when a stalled delivery repeats.
func (r *run) stallRelay() {
	stall := 3*time.Second + time.Duration(r.rng.Int64N(int64(9*time.Second)))
	r.relay.StallNext(stall)
	r.appendBatch()
	r.faults.Add(faultRelayStall)
	if r.rng.IntN(2) == 0 {
		deadline := time.Now().Add(roundBudget)
		for len(r.relay.Stalled()) == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		r.sleepUpTo(stall)
		r.kill(r.pick(), "kill9-during-stall")
	}
}

// resetUIDValidity gives the bureau's INBOX a new UIDVALIDITY, every
// message a new UID, and then new mail: what was forwarded must not be
// forwarded again.
func (r *run) resetUIDValidity() {
	before, after := r.stack.ResetUIDValidity(r.t, e2ehelp.Bureau)
	r.t.Logf("UIDVALIDITY %d -> %d", before, after)
	r.faults.Add(faultUIDValidity)
	r.appendBatch()
}

// fillSQLite restarts the daemon with its store unable to grow (PRAGMA
// max_page_count at its present size, a test-only hook), gives it mail,
// and restarts it unlimited after a while.
func (r *run) fillSQLite() {
	in := r.daemons[0]
	in.d.Kill()
	r.faults.Add("kill9-before-full", r.relay.InFlight()...)
	pages, err := pageCount(r.sqlite)
	if err != nil {
		r.t.Fatal(err)
	}
	r.start(in, fmt.Sprintf("CAUCUSGATE_CHAOS_SQLITE_MAX_PAGES=%d", pages))
	r.appendBatch()
	time.Sleep(8 * time.Second)
	full := strings.Contains(in.d.Log(400), "disk is full")
	in.d.Kill()
	r.faults.Add("kill9-after-full", r.relay.InFlight()...)
	if full {
		r.faults.Add(faultSQLiteFull)
	} else {
		r.t.Logf("sqlite-full: the store did not report SQLITE_FULL within 8 s at %d pages", pages)
		r.faults.Add(faultSQLiteFull + "-not-reached")
	}
	r.start(in)
}

// pageCount is the SQLite store's size in pages (PRAGMA page_count),
// read while no daemon holds it.
func pageCount(path string) (int64, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, fmt.Errorf("open the store: %w", err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow("PRAGMA page_count").Scan(&n); err != nil {
		return 0, fmt.Errorf("page count of the store: %w", err)
	}
	return n, nil
}

// cutPostgres cuts every database connection of every daemon at a random
// moment of the round, twice.
func (r *run) cutPostgres() {
	r.appendBatch()
	for range 2 {
		r.sleepUpTo(1500 * time.Millisecond)
		n := r.proxy.Cut()
		r.t.Logf("pg-cut: %d connections", n)
		r.faults.Add(faultPGCut)
	}
}

// killDuringDigest answers an invitation, stalls the relay on the next
// digest to the inviter, and kills a daemon during that stall: the digest
// was handed over and is not yet recorded as sent.
func (r *run) killDuringDigest() {
	r.appendBatch()
	r.answer()
	stall := 3*time.Second + time.Duration(r.rng.Int64N(int64(5*time.Second)))
	r.relay.StallNextTo(inviter, stall)
	stalled := len(r.relay.Stalled())
	deadline := time.Now().Add(roundBudget)
	for len(r.relay.Stalled()) == stalled && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if len(r.relay.Stalled()) == stalled {
		r.t.Logf("%s: no digest reached the relay within %v", faultKillDigest, roundBudget)
		return
	}
	r.sleepUpTo(stall)
	r.kill(r.pick(), faultKillDigest)
}
