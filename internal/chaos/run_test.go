package chaos_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"caucusgate/internal/chaos"
	"caucusgate/internal/e2ehelp"
	"caucusgate/internal/mailstack"
)

const (
	// roundBudget bounds the wait for a round's mail at the relay; a round
	// that overruns it is logged and the final drain decides.
	roundBudget = 3 * time.Minute
	// drainBudget bounds the final wait for every delivery.
	drainBudget = 5 * time.Minute
	// skew is how far the second PostgreSQL instance's clock is behind.
	skew = -3 * time.Minute
)

var caucuses = []string{"gender@example.org", "education@example.org"}

// inviter sends the invitations; the caucuses' answers reach it in digests.
const inviter = "events@itu.int"

const rules = `
caucuses:
  - id: gender
    name: Gender Caucus
    address: gender@example.org
  - id: education
    name: Education Caucus
    address: education@example.org
rules:
  - name: itu-invitations
    when: {from: "*@itu.int", subject: "(?i)invitation"}
    forward: [gender, education]
replies:
  schedule: "@every 20s"
`

// instance is one daemon of the run and the environment it starts with.
type instance struct {
	name string
	env  []string
	d    *chaos.Daemon
}

// run is one scenario: its servers, daemons, fault schedule and record.
type run struct {
	t        *testing.T
	name     string
	seed     int64
	rng      *rand.Rand
	dir      string
	binary   string
	config   string
	sqlite   string // the store's path on SQLite, "" on PostgreSQL
	stack    *mailstack.Stack
	relay    *chaos.Relay
	proxy    *chaos.Proxy
	daemons  []*instance
	faults   chaos.Faults
	expected []chaos.Key
	next     int
	answered map[int]bool // invitations answered by the gender caucus
}

func newRun(t *testing.T, name, dsn string, instances int) *run {
	// Built with the test-only fault hooks before any timer starts.
	bin := e2ehelp.Binary(t, "chaoshook")
	seed := *flagSeed
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	r := &run{t: t, name: name, seed: seed, rng: rand.New(rand.NewPCG(uint64(seed), 0)), dir: t.TempDir(), binary: bin,
		answered: map[int]bool{}}
	t.Logf("chaos %s: seed %d (replay with scripts/chaos -seed %d)", name, seed, seed)
	r.stack = e2ehelp.StartStack(t)
	r.relay = chaos.StartRelay(t, r.stack.SMTPAddr)
	store := dsn
	if strings.HasPrefix(dsn, "postgres") {
		target, err := chaos.TargetOf(dsn)
		if err != nil {
			t.Fatal(err)
		}
		r.proxy = chaos.StartProxy(t, target)
		if store, err = chaos.ProxiedPostgresDSN(dsn, r.proxy.Addr); err != nil {
			t.Fatal(err)
		}
	} else {
		r.sqlite = dsn
	}
	r.config = e2ehelp.Config{Store: store, IMAPAddr: r.stack.IMAPAddr, SMTPAddr: r.relay.Addr, Rules: rules}.Write(t, r.dir)
	for i := range instances {
		in := &instance{name: fmt.Sprintf("daemon%d", i+1)}
		if i == 1 {
			in.env = []string{"CAUCUSGATE_CHAOS_CLOCK_SKEW=" + skew.String()}
			r.faults.Add("clock-skew")
		}
		r.daemons = append(r.daemons, in)
		r.start(in)
	}
	t.Cleanup(r.logOnFailure)
	return r
}

// start starts an instance's daemon with its environment and extra.
func (r *run) start(in *instance, extra ...string) {
	env := append([]string{e2ehelp.PasswordEnv + "=" + mailstack.Password}, in.env...)
	in.d = chaos.StartDaemon(r.t, in.name, r.dir, r.binary, append(env, extra...), "run", "-config", r.config)
}

// play runs the rounds: first each fault kind of kinds once, in an order
// the seed shuffles, then kinds the seed picks; then drains and checks.
func (r *run) play(kinds []string) {
	rounds := *flagRounds
	if rounds == 0 {
		rounds = len(kinds)
	}
	schedule := append([]string(nil), kinds...)
	r.rng.Shuffle(len(schedule), func(i, j int) { schedule[i], schedule[j] = schedule[j], schedule[i] })
	// A round without faults first: the store exists and the daemons are
	// connected before the first fault.
	r.appendBatch()
	if !r.waitAccepted(roundBudget, "warm-up") {
		r.t.Fatal("the daemons forwarded nothing before any fault")
	}
	began, played := time.Now(), 0
	for round := 1; round <= rounds; round++ {
		if *flagDuration > 0 && time.Since(began) > *flagDuration {
			break
		}
		kind := kinds[r.rng.IntN(len(kinds))]
		if round <= len(schedule) {
			kind = schedule[round-1]
		}
		r.t.Logf("round %d: %s", round, kind)
		r.answer()
		faultsByKind[kind](r)
		r.waitAccepted(roundBudget, fmt.Sprintf("round %d (%s)", round, kind))
		played++
	}
	r.drainAndCheck(played)
}

// appendBatch puts the round's invitations in the bureau's INBOX.
func (r *run) appendBatch() {
	for range *flagBatch {
		i := r.next
		r.next++
		r.stack.Append(r.t, e2ehelp.Bureau, "INBOX", invitation(i))
		for _, c := range caucuses {
			r.expected = append(r.expected, chaos.Key{MessageID: invitationID(i), Rcpt: c})
		}
	}
}

// appendBatchAsync records the round's invitations as expected and
// appends them in the background, each waiting up to budget for the
// server; the channel gives the first failure, or nil.
func (r *run) appendBatchAsync(budget time.Duration) <-chan error {
	var raws [][]byte
	for range *flagBatch {
		i := r.next
		r.next++
		raws = append(raws, invitation(i))
		for _, c := range caucuses {
			r.expected = append(r.expected, chaos.Key{MessageID: invitationID(i), Rcpt: c})
		}
	}
	done := make(chan error, 1)
	go func() {
		for _, raw := range raws {
			if _, err := r.stack.AppendBlocked(e2ehelp.Bureau, "INBOX", raw, budget); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	return done
}

func invitationID(i int) string { return fmt.Sprintf("chaos-%d@itu.int", i) }

func invitation(i int) []byte {
	return []byte(fmt.Sprintf("From: ITU Events <events@itu.int>\r\nTo: %s\r\n"+
		"Subject: Invitation %d to the consultation\r\nMessage-ID: <%s>\r\n"+
		"Date: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+
		"Dear bureau,\r\nyou are invited (%d).\r\n", e2ehelp.Bureau, i, invitationID(i), time.Now().Format(time.RFC1123Z), i))
}

// missing counts the expected deliveries the relay has not accepted yet.
func (r *run) missing() int {
	acc := r.relay.Accepted()
	n := 0
	for _, k := range r.expected {
		if acc[k] == 0 {
			n++
		}
	}
	return n
}

// waitAccepted waits until the relay accepted every expected delivery, or
// budget runs out (logged: the final drain decides).
func (r *run) waitAccepted(budget time.Duration, what string) bool {
	deadline := time.Now().Add(budget)
	for r.missing() > 0 {
		if time.Now().After(deadline) {
			r.t.Logf("%s: %d deliveries still missing after %v", what, r.missing(), budget)
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
	return true
}

// sleepUpTo sleeps a random time below max.
func (r *run) sleepUpTo(max time.Duration) {
	time.Sleep(time.Duration(r.rng.Int64N(int64(max))))
}

// drainAndCheck makes sure every daemon runs unharmed, waits for every
// delivery, stops the daemons, lets Postfix finish, and checks.
func (r *run) drainAndCheck(rounds int) {
	for _, in := range r.daemons {
		if !in.d.Running() {
			r.start(in)
		}
	}
	r.waitAccepted(drainBudget, "drain")
	for _, in := range r.daemons {
		if err := in.d.Stop(); err != nil {
			r.t.Errorf("%s: %v", in.name, err)
		}
	}
	r.stack.WaitPostfixIdle(r.t, 2*time.Minute)
	o := chaos.Check(r.expected, r.relay.Accepted(), r.delivered(), append(r.faults.MayRepeat(), r.relay.Stalled()...))
	summary := chaos.Summary(r.name, r.seed, rounds, &r.faults, o)
	r.t.Log(summary)
	fmt.Println(summary)
	for _, k := range o.Lost {
		r.t.Errorf("lost: %s", k)
	}
	for _, k := range o.Excess {
		r.t.Errorf("repeated with no kill or stall to explain it: %s", k)
	}
	for _, k := range o.Unexpected {
		r.t.Logf("unexpected at the relay: %s", k)
	}
}

// delivered counts the copies in each caucus's and the inviter's Maildir,
// by the Message-IDs they hold (a digest names each answer it carries).
func (r *run) delivered() map[chaos.Key]int {
	out := map[chaos.Key]int{}
	for _, owner := range append([]string{inviter}, caucuses...) {
		for _, raw := range r.stack.Messages(r.t, owner) {
			for _, k := range chaos.KeysOf(raw, []string{owner}) {
				out[k]++
			}
		}
	}
	return out
}

func (r *run) logOnFailure() {
	if !r.t.Failed() {
		return
	}
	for _, in := range r.daemons {
		if in.d != nil {
			r.t.Logf("%s's log (seed %d):\n%s", in.name, r.seed, in.d.Log(80))
		}
	}
}
