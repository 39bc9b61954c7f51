package imapwatch

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"
)

var (
	wholeMessage = &imap.FetchItemBodySection{Peek: true}
	headerOnly   = &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, Peek: true}
)

// drain takes everything above the watermark, batch by batch, until a
// metadata fetch finds nothing new.
func (ss *session) drain(ctx context.Context) error {
	ss.s.cfg.Observer.State(StateSyncing)
	for {
		if err := ss.retryAcks(ctx); err != nil {
			return err
		}
		metas, err := ss.newMessages()
		if err != nil {
			return err
		}
		seen := lastOf(metas)
		if metas, err = ss.filter(ctx, metas); err != nil {
			return err
		}
		if len(metas) == 0 {
			ss.lastUID = max(ss.lastUID, seen) // all filtered out: not again in this session
			ss.s.cfg.Observer.Synced(ss.s.cfg.Now())
			return ss.alertSuspects(ctx)
		}
		for _, batch := range planBatches(metas, ss.s.limits()) {
			if err := ss.process(ctx, batch); err != nil {
				return err
			}
		}
		ss.lastUID = max(ss.lastUID, seen)
	}
}

func lastOf(metas []meta) uint32 {
	if len(metas) == 0 {
		return 0
	}
	return metas[len(metas)-1].uid
}

// newMessages fetches UID, size and date above the watermark. "UID FETCH
// n:*" names the last message even when its UID is below n (RFC 3501
// section 6.4.8). go-imap beta.8 already hands such a reply to the
// unilateral handler rather than to the command; the filter keeps that
// from being a dependency.
func (ss *session) newMessages() ([]meta, error) {
	var set imap.UIDSet
	set.AddRange(imap.UID(ss.lastUID+1), 0)
	opts := &imap.FetchOptions{UID: true, RFC822Size: true, InternalDate: true}
	bufs, err := ss.cn.c.Fetch(set, opts).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch new message list: %w", err)
	}
	metas := make([]meta, 0, len(bufs))
	for _, b := range bufs {
		if uint32(b.UID) > ss.lastUID {
			metas = append(metas, meta{uid: uint32(b.UID), size: b.RFC822Size, date: b.InternalDate})
		}
	}
	sortMetas(metas)
	return metas, nil
}

func sortMetas(metas []meta) {
	slices.SortFunc(metas, func(a, b meta) int { return cmp.Compare(a.uid, b.uid) })
}

// process fetches one batch, has the Sink commit it, then acknowledges it.
func (ss *session) process(ctx context.Context, metas []meta) error {
	batch, err := ss.fetchBatch(metas)
	if err != nil {
		return err
	}
	defer ss.release(batch)
	if len(batch.Messages) == 0 {
		return nil
	}
	ss.cn.quiet() // the Sink may take its time: no answer is awaited
	if err := ss.s.cfg.Sink.Accept(ctx, batch); err != nil {
		return fmt.Errorf("accept batch of %d messages: %w", len(batch.Messages), err)
	}
	ss.lastUID = batch.LastUID()
	ss.log.Debug("batch accepted", "count", len(batch.Messages), "last_uid", ss.lastUID)
	return ss.ack(ctx, batch.UIDs())
}

func (ss *session) fetchBatch(metas []meta) (Batch, error) {
	var whole, header imap.UIDSet
	l := ss.s.limits()
	for _, m := range metas {
		if l.oversize(m) {
			header.AddNum(imap.UID(m.uid))
		} else {
			whole.AddNum(imap.UID(m.uid))
		}
	}
	bodies := make(map[uint32][]byte, len(metas))
	sp := &spool{dir: ss.s.cfg.SpoolDir, logger: ss.log}
	err := ss.fetchBodies(whole, wholeMessage, bodies, sp)
	if err == nil {
		err = ss.fetchBodies(header, headerOnly, bodies, sp)
	}
	if err != nil {
		ss.release(Batch{spool: sp})
		return Batch{}, err
	}
	b := ss.assemble(metas, bodies, l)
	b.spool = sp
	for i := range b.Messages {
		if sp.holds(b.Messages[i].Raw) {
			b.Messages[i].spool = sp
		}
	}
	return b, nil
}

// release unmaps the batch's spooled messages once the Sink is done.
func (ss *session) release(b Batch) {
	if err := b.spool.release(); err != nil {
		ss.log.Error("release spooled messages", "error", err)
	}
}

// assemble builds the batch in UID order. A message that vanished between
// the two fetches (expunged by someone else) is skipped: it is gone for good.
func (ss *session) assemble(metas []meta, bodies map[uint32][]byte, l limits) Batch {
	cfg := &ss.s.cfg
	b := Batch{Account: cfg.Account, Mailbox: cfg.Mailbox, UIDValidity: ss.uidValidity}
	for _, m := range metas {
		raw, ok := bodies[m.uid]
		if !ok {
			ss.log.Warn("message vanished before its body was fetched", "uid", m.uid)
			continue
		}
		b.Messages = append(b.Messages, Message{
			UID: m.uid, Raw: raw, Size: m.size, InternalDate: m.date, Oversize: l.oversize(m), Suspect: m.suspect,
		})
	}
	return b
}
