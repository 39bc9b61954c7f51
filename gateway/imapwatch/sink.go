package imapwatch

import (
	"context"
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
}

// Epoch starts a UIDVALIDITY period of a mailbox.
type Epoch struct {
	UIDValidity uint32
	LastUID     uint32 // take only UIDs above it
	// FingerprintBelow, when non-zero, says UIDs under it were present when
	// UIDVALIDITY changed: the store must recognise those it already took by
	// fingerprint, and take them again only when it has never seen them.
	FingerprintBelow uint32
}

// Batch is what one Sink.Accept commits.
type Batch struct {
	Account     string
	Mailbox     string
	UIDValidity uint32
	Messages    []Message // ascending UID order
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
