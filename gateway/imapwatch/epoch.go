package imapwatch

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
)

// settleEpoch returns the watermark for the selected UIDVALIDITY, recording
// a new epoch when the store has none for it.
func (ss *session) settleEpoch(ctx context.Context, uidNext uint32) (uint32, error) {
	cfg := &ss.s.cfg
	pos, err := cfg.Sink.Position(ctx, cfg.Mailbox, ss.uidValidity)
	if err != nil {
		return 0, fmt.Errorf("read mailbox position: %w", err)
	}
	if pos.Known {
		return pos.LastUID, nil
	}
	e := Epoch{UIDValidity: ss.uidValidity}
	if pos.AnyEpoch {
		// UIDVALIDITY changed: every message may be one we already took
		// under its old UID; the store tells them apart by fingerprint.
		e.FingerprintBelow = uidNext
		ss.log.Warn("UIDVALIDITY changed; re-reading the mailbox, known messages are recognised by fingerprint", "uidnext", uidNext)
	} else if e.LastUID, err = ss.startUID(uidNext); err != nil {
		return 0, err
	}
	if err := cfg.Sink.BeginEpoch(ctx, cfg.Mailbox, e); err != nil {
		return 0, fmt.Errorf("begin mailbox epoch: %w", err)
	}
	ss.log.Info("mailbox epoch begins", "last_uid", e.LastUID, "fingerprint_below", e.FingerprintBelow)
	return e.LastUID, nil
}

// startUID applies Config.Start to a mailbox never seen before.
func (ss *session) startUID(uidNext uint32) (uint32, error) {
	start := ss.s.cfg.Start
	switch start.Mode {
	case StartAll:
		return 0, nil
	case StartSince:
		return ss.sinceUID(uidNext, ss.s.cfg.Now().Add(-start.Since))
	}
	return uidNext - min(uidNext, 1), nil
}

// sinceUID finds the watermark just below the oldest message received since
// t. SEARCH SINCE compares dates only (RFC 3501 section 6.4.4): the window
// is widened to whole days, in the server's idea of the date.
func (ss *session) sinceUID(uidNext uint32, t time.Time) (uint32, error) {
	data, err := ss.cn.c.UIDSearch(&imap.SearchCriteria{Since: t}, nil).Wait()
	if err != nil {
		return 0, fmt.Errorf("search messages since %s: %w", t.Format(time.DateOnly), err)
	}
	if data.Min != 0 { // ESEARCH (RFC 4731) may send MIN without ALL
		return data.Min - 1, nil
	}
	if low, ok := lowestUID(data.AllUIDs()); ok {
		return low - 1, nil
	}
	return uidNext - min(uidNext, 1), nil
}

func lowestUID(uids []imap.UID) (uint32, bool) {
	if len(uids) == 0 {
		return 0, false
	}
	return uint32(slices.Min(uids)), true
}
