// Package queue is caucusgate's durable state: it records processed mailbox
// messages, their raw bytes, decisions and delivery jobs in one transaction,
// and runs those delivery jobs on River over SQLite or PostgreSQL.
//
// The package knows nothing of IMAP, SMTP or MIME. It keeps, per mailbox, the
// UIDVALIDITY epochs and watermarks that RFC 3501 (section 2.3.1.1) and
// RFC 9051 make the identity of a message, and it gives each delivery mox's
// semantics: an attempt is recorded before it is made, and a success is
// recorded synchronously before the job is reported complete, so a crash can
// repeat at most the one delivery that was in flight (at-least-once).
//
// Around the deliveries it keeps what waits for people or for time: messages
// held for moderation (approved once, in the transaction that records their
// deliveries), items waiting for a slot of a schedule and the batches they
// leave in (idempotent by schedule, slot and destination, with a synchronous
// "sent" record, the same rule as for deliveries), one claim per slot so one
// instance runs it, random keys for signed tokens, bounces recorded against
// roster members from RFC 3464 delivery reports, one-click unsubscriptions
// (RFC 8058), and the relays the loop circuit breaker counts. An Incoming
// carries its hold, pending items, bounces and relay, so they commit with
// the message.
//
// River's own caveats shape the design (see DESIGN.md, "Decisions"): the
// permanent dedupe set is our messages table, not River's expiring unique
// jobs; raw bytes live in our own storage, never in job arguments; jobs left
// running by a crashed daemon are reclaimed by ClaimDaemon rather than after
// River's one-hour rescue horizon; and migrations are serialised on
// PostgreSQL by an advisory lock because rivermigrate takes none.
//
// Raw bytes: a SQLite store keeps each message's in a file of its own in
// the directory beside the database (DSN.raw/), written and synced before
// the intake transaction that names it commits, as Postfix and mox do; a
// file no record names is removed when its transaction fails, or by the
// daemon's sweep when it claims the store. SQLite's WAL wrote a blob's bytes
// three times (rawdir.go). PostgreSQL keeps them in raw_chunks (256 KiB
// rows, written by one COPY an intake: rawcopy.go), which every instance
// sharing the store sees; so do SQLite's messages taken in before
// migration 014, and SQLite's messages under 32 KiB.
package queue
