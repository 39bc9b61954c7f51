package imapwatch

import (
	"context"
	"os"
	"time"
)

// Sink is the durable side of the watch: the store. The Supervisor calls it
// from one goroutine at a time.
type Sink interface {
	// Position reports what the store knows of this mailbox under
	// uidValidity.
	Position(ctx context.Context, mailbox string, uidValidity uint32) (Position, error)
	// BeginEpoch records a UIDVALIDITY seen for the first time, with the
	// watermark to continue after.
	BeginEpoch(ctx context.Context, mailbox string, e Epoch) error
	// Accept commits a batch durably, advancing the watermark to its last
	// UID. Only after it returns nil are the messages acknowledged on the
	// server; until MarkAcked they are reported by Unacked.
	Accept(ctx context.Context, b Batch) error
	// Unacked lists UIDs accepted but not yet marked acknowledged: a crash
	// between commit and acknowledgement leaves some.
	Unacked(ctx context.Context, mailbox string, uidValidity uint32) ([]uint32, error)
	// MarkAcked records that the server copies of uids are acknowledged.
	MarkAcked(ctx context.Context, mailbox string, uidValidity uint32, uids []uint32) error
}

// Position is the store's record of a mailbox.
type Position struct {
	Known    bool   // an epoch with this UIDVALIDITY exists
	AnyEpoch bool   // some epoch of this mailbox exists, maybe another UIDVALIDITY
	LastUID  uint32 // with Known: the watermark; take only UIDs above it
	// FingerprintBelow and Began, with Known: the epoch's (see Epoch), and
	// when it was recorded.
	FingerprintBelow uint32
	Began            time.Time
	// Start, with AnyEpoch: the mailbox's start boundary (Epoch.Start) as
	// its first epoch recorded it.
	Start time.Time
}

// Epoch starts a UIDVALIDITY period of a mailbox.
type Epoch struct {
	UIDValidity uint32
	LastUID     uint32 // take only UIDs above it
	// FingerprintBelow, when non-zero, says UIDs under it were present when
	// UIDVALIDITY changed: the store must recognise those it already took by
	// fingerprint, and take them again only when it has never seen them.
	// The Supervisor also filters them (see filter.go): by the start
	// boundary, and by header keys before downloading them.
	FingerprintBelow uint32
	// Start is the mailbox's start boundary: mail whose INTERNALDATE is
	// before it is never taken, under this UIDVALIDITY or any later one.
	// Zero: none (StartAll).
	Start time.Time
}

// Recogniser is a Sink that can tell, from a message's header alone (its
// Message-ID, Date and From: the fallback fingerprint), that it already
// took the message under another UIDVALIDITY. After a reset the Supervisor
// asks it before downloading any whole message.
type Recogniser interface {
	Recognise(ctx context.Context, mailbox string, uidValidity uint32, headers map[uint32][]byte) (map[uint32]bool, error)
}

// Batch is what one Sink.Accept commits.
type Batch struct {
	Account     string
	Mailbox     string
	UIDValidity uint32
	Messages    []Message // ascending UID order

	spool *spool // the spooled messages' files, unmapped after Accept
}

// Message is one fetched message.
type Message struct {
	UID          uint32
	Raw          []byte // the whole message, or only its header when Oversize
	Size         int64  // RFC822.SIZE as the server reports it
	InternalDate time.Time
	// Oversize says Size exceeded Config.MaxMessageSize, so Raw holds only
	// the header (BODY.PEEK[HEADER]).
	Oversize bool
	// Suspect, when set, says why the message must be held, never
	// forwarded: after a reset, its INTERNALDATE is past the start boundary
	// but its Date is days before it (a restore by cp, an import).
	Suspect string

	spool *spool // Raw's when it is spooled, else nil
}

// Spooled says Raw is a read-only mapping of a spool file, unmapped when
// Sink.Accept (or Scan's callback) returns unless kept (Keep): whoever
// holds Raw longer must keep it or copy it. Reading it once unmapped
// crashes the process.
func (m Message) Spooled() bool { return m.spool != nil }

// File is the file a spooled message's Raw is mapped from, holding
// exactly Raw, nil for a message not spooled. It has no name (see
// Config.SpoolDir), and is open as long as Raw is mapped: whoever uses it
// must not close it, nor change it.
func (m Message) File() *os.File {
	if !m.Spooled() {
		return nil
	}
	return m.spool.file(m.Raw)
}

// Keep holds a spooled message's Raw mapped past Sink.Accept, until
// release is called; release must be called exactly once the holder has
// stopped reading Raw (later calls do nothing). Keep must be called
// before Accept returns. For a message not spooled it holds nothing.
func (m Message) Keep() (release func()) {
	if !m.Spooled() {
		return func() {}
	}
	return m.spool.keep(m.Raw)
}

// LastUID is the highest UID in the batch, zero when it is empty.
func (b Batch) LastUID() uint32 {
	if len(b.Messages) == 0 {
		return 0
	}
	return b.Messages[len(b.Messages)-1].UID
}

// UIDs lists the batch's UIDs in order.
func (b Batch) UIDs() []uint32 {
	uids := make([]uint32, len(b.Messages))
	for i, m := range b.Messages {
		uids[i] = m.UID
	}
	return uids
}
