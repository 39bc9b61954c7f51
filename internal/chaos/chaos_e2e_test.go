package chaos_test

import (
	"flag"
	"fmt"
	"testing"
	"time"

	"caucusgate/internal/chaos"
	"caucusgate/internal/mailstack"
	"caucusgate/queue/queuetest"
)

// The suite's knobs; scripts/chaos sets them (-rounds, -seed, -duration).
var (
	flagRounds   = flag.Int("chaos.rounds", 0, "rounds per scenario (0: one per fault kind)")
	flagSeed     = flag.Int64("chaos.seed", 0, "seed of the fault schedule and moments (0: from the clock); printed, so a run can be replayed")
	flagDuration = flag.Duration("chaos.duration", 0, "start no round after this much time (0: no limit)")
	flagFreeze   = flag.Duration("chaos.freeze", 75*time.Second, "how long Dovecot stays frozen (SIGSTOP); the daemon's watchdog acts after 60 s")
	flagBatch    = flag.Int("chaos.batch", 12, "invitations appended per round")
)

// TestChaosSQLite runs one daemon on SQLite through kill -9 at intake and
// during delivery, Dovecot restarted mid-fetch and frozen, a relay that
// stalls after DATA (with a kill during the stall), a kill while a reply
// digest is being sent, a UIDVALIDITY reset and the store running out of
// space; then checks that every invitation reached
// every caucus, and that every repeat was in flight at a kill or stalled.
func TestChaosSQLite(t *testing.T) {
	mailstack.Required(t)
	t.Parallel()
	r := newRun(t, "sqlite", queuetest.SQLite(t), 1)
	r.play([]string{faultKillIntake, faultKillDelivery, faultDovecotRestart, faultDovecotFreeze,
		faultRelayStall, faultUIDValidity, faultSQLiteFull, faultKillDigest})
}

// TestChaosPostgres runs two daemons on one PostgreSQL, the second with its
// clock three minutes behind (a test-only hook, -tags chaoshook), through a
// proxy that cuts their database connections, kill -9 of either, Dovecot
// restarted and frozen, a stalling relay, a kill while a reply digest is
// being sent and a UIDVALIDITY reset.
func TestChaosPostgres(t *testing.T) {
	mailstack.Required(t)
	t.Parallel()
	r := newRun(t, "postgres", queuetest.Postgres(t), 2)
	r.play([]string{faultKillIntake, faultKillDelivery, faultPGCut, faultDovecotRestart, faultDovecotFreeze,
		faultRelayStall, faultUIDValidity, faultKillDigest})
}

// TestCheckCountsLossAndUnexplainedRepeats keeps the checker honest: a
// delivery missing or repeated without a kill or stall to explain it fails.
func TestCheckCountsLossAndUnexplainedRepeats(t *testing.T) {
	a, b, c := chaos.Key{MessageID: "a", Rcpt: "x"}, chaos.Key{MessageID: "b", Rcpt: "x"}, chaos.Key{MessageID: "c", Rcpt: "x"}
	accepted := map[chaos.Key]int{a: 2, b: 3}
	delivered := map[chaos.Key]int{a: 2, b: 4}
	o := chaos.Check([]chaos.Key{a, b, c}, accepted, delivered, []chaos.Key{a, b})
	if o.OK() || len(o.Lost) != 1 || o.Lost[0] != c {
		t.Errorf("lost %v, want [%v]", o.Lost, c)
	}
	if o.Duplicated != 3 || o.Allowed != 2 || len(o.Excess) != 1 || o.Excess[0] != b || o.StackRepeats != 1 {
		t.Errorf("outcome %s, excess %v: want 3 duplicated, 2 explained, b once in excess, 1 stack repeat", o, o.Excess)
	}
	if o := chaos.Check([]chaos.Key{a}, map[chaos.Key]int{a: 2}, map[chaos.Key]int{a: 2}, []chaos.Key{a}); !o.OK() {
		t.Errorf("a repeat in flight at a kill is explained: %s", o)
	}
}

// TestKeysOfFollowsMarkersThroughARelayedReply: a relayed answer or a
// digest gets a Message-ID of its own, so the answers it carries are named
// by their markers; other mail by its Message-ID.
func TestKeysOfFollowsMarkersThroughARelayedReply(t *testing.T) {
	digest := []byte("Message-ID: <batch@example.org>\r\n\r\n" + chaos.Marker("a@x") + "\r\n> " + chaos.Marker("a@x") + "\r\n" + chaos.Marker("b@x") + "\r\n")
	got := chaos.KeysOf(digest, []string{"Chair@ITU.int"})
	want := []chaos.Key{{MessageID: "a@x", Rcpt: "chair@itu.int"}, {MessageID: "b@x", Rcpt: "chair@itu.int"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("digest keys %v, want %v", got, want)
	}
	plain := chaos.KeysOf([]byte("Message-ID: <inv-1@itu.int>\r\n\r\nbody\r\n"), []string{"a@example.org", "b@example.org"})
	if len(plain) != 2 || plain[0].MessageID != "inv-1@itu.int" || plain[1].Rcpt != "b@example.org" {
		t.Errorf("plain keys %v", plain)
	}
}
