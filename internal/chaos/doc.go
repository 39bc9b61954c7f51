// Package chaos is the fault-injection harness of the real-server suite: it
// runs the caucusgate daemon binary against Dovecot, Postfix
// (internal/mailstack) and SQLite or PostgreSQL, injects faults, and checks
// that nothing was lost and that every duplicate is accounted for.
//
// Its parts: a TCP [Proxy] in front of PostgreSQL that cuts every
// connection on demand; a capturing SMTP [Relay] in front of Postfix
// (RFC 5321) that records what the daemon handed over, which is the oracle
// of what went out, and that can stall after DATA; [Daemon], the built
// binary run as a process that can be killed with SIGKILL; and [Check],
// which compares what each caucus should have got with what the relay
// accepted and what the Maildirs hold.
//
// The promise checked is the gateway's: nothing accepted into the store is
// lost, and a delivery is repeated only when it was in flight at a kill
// (between DATA and the gateway's synchronous record of the relay's
// answer) or stalled at the relay. Each such delivery may arrive twice; any
// other duplicate is a defect.
//
// The tests (chaos_e2e_test.go) run behind CAUCUSGATE_E2E=1, as
// scripts/chaos does; there a missing server is a failure.
package chaos
