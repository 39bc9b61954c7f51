package imapwatch

import (
	"context"
	"fmt"
	"time"
)

// settleEpoch returns the watermark for the selected UIDVALIDITY, recording
// a new epoch when the store has none for it, and sets what filter needs.
func (ss *session) settleEpoch(ctx context.Context, uidNext uint32) (uint32, error) {
	cfg := &ss.s.cfg
	pos, err := cfg.Sink.Position(ctx, cfg.Mailbox, ss.uidValidity)
	if err != nil {
		return 0, fmt.Errorf("read mailbox position: %w", err)
	}
	if pos.Known {
		ss.setFilter(pos.Start, pos.FingerprintBelow, pos.Began)
		return pos.LastUID, nil
	}
	e := ss.newEpoch(pos, uidNext)
	if err := cfg.Sink.BeginEpoch(ctx, cfg.Mailbox, e); err != nil {
		return 0, fmt.Errorf("begin mailbox epoch: %w", err)
	}
	ss.log.Info("mailbox epoch begins", "last_uid", e.LastUID, "fingerprint_below", e.FingerprintBelow, "start", e.Start)
	ss.setFilter(e.Start, e.FingerprintBelow, cfg.Now())
	return e.LastUID, nil
}

// newEpoch applies Config.Start to a mailbox never seen before, and the
// mailbox's start boundary to a new UIDVALIDITY of one seen before.
func (ss *session) newEpoch(pos Position, uidNext uint32) Epoch {
	e := Epoch{UIDValidity: ss.uidValidity}
	below := uidNext - min(uidNext, 1)
	if pos.AnyEpoch {
		// UIDVALIDITY changed: every message may be one we already took
		// under its old UID, or one that start skipped.
		e.FingerprintBelow, e.Start = uidNext, pos.Start
		ss.log.Warn("UIDVALIDITY changed; re-reading the mailbox: known messages are recognised by their headers, mail before the start boundary is skipped",
			"uidnext", uidNext, "start", pos.Start)
		return e
	}
	start := ss.s.cfg.Start
	switch start.Mode {
	case StartAll:
	case StartSince:
		// UIDs need not follow dates (a migration): filter takes exactly
		// what SEARCH SINCE and INTERNALDATE say, whatever the UIDs.
		e.FingerprintBelow, e.Start = uidNext, ss.s.cfg.Now().Add(-start.Since)
	default:
		e.LastUID, e.Start = below, ss.s.cfg.Now()
	}
	return e
}

// setFilter arms filter for UIDs below `below`, and for all UIDs until
// RestoreWindow after the epoch began: a restore may still be re-adding
// messages when the new UIDVALIDITY is first seen.
func (ss *session) setFilter(start time.Time, below uint32, began time.Time) {
	ss.start, ss.filterBelow = start, below
	if below > 0 {
		ss.filterUntil = began.Add(ss.s.cfg.RestoreWindow)
	}
}
