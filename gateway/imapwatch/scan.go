package imapwatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emersion/go-imap/v2"
)

// Scan reads cfg's mailbox without changing anything in it: EXAMINE (a
// read-only SELECT, RFC 9051 6.3.3) and BODY.PEEK, no flags, no moves; the
// Sink, Start and acknowledgement settings are not used. It calls fn for
// each message received since `since` (all messages when it is zero), in
// UID order, and progress, when set, after each batch. `caucusgate replay`
// runs the rules over mail already there with it. A spooled message's Raw
// (Message.Spooled) is valid only until fn returns.
func Scan(ctx context.Context, cfg Config, since time.Time, fn func(Message) error, progress func(done, total int)) error {
	cfg.withDefaults()
	if err := cfg.validateReader(); err != nil {
		return fmt.Errorf("configure IMAP scan of %s/%s: %w", cfg.Account, cfg.Mailbox, err)
	}
	s := &Supervisor{cfg: cfg, log: cfg.Logger.With("account", cfg.Account, "mailbox", cfg.Mailbox)}
	cn, err := s.login(ctx)
	if errors.Is(err, ErrAuth) && s.cfg.Token != nil {
		s.cfg.Token.Invalidate()
		cn, err = s.login(ctx)
	}
	if err != nil {
		return err
	}
	defer cn.close()
	data, err := cn.c.Select(s.cfg.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return fmt.Errorf("examine %s: %w", s.cfg.Mailbox, err)
	}
	ss := &session{s: s, cn: cn, log: s.log, uidValidity: data.UIDValidity}
	metas, err := ss.scanList(since)
	if err != nil {
		return err
	}
	done := 0
	for _, batch := range planBatches(metas, s.limits()) {
		if err := ss.scanBatch(ctx, batch, fn); err != nil {
			return err
		}
		done += len(batch)
		if progress != nil {
			progress(done, len(metas))
		}
	}
	return nil
}

// scanList lists the messages to read: those whose INTERNALDATE falls on
// or after since's day (SEARCH SINCE has day precision), or all of them.
func (ss *session) scanList(since time.Time) ([]meta, error) {
	var set imap.UIDSet
	set.AddRange(1, 0)
	if !since.IsZero() {
		found, err := ss.cn.c.UIDSearch(&imap.SearchCriteria{Since: since}, nil).Wait()
		if err != nil {
			return nil, fmt.Errorf("search since %s: %w", since.Format(time.DateOnly), err)
		}
		uids := found.AllUIDs()
		if len(uids) == 0 {
			return nil, nil
		}
		set = imap.UIDSetNum(uids...)
	}
	bufs, err := ss.cn.c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true, InternalDate: true}).Collect()
	if err != nil {
		return nil, fmt.Errorf("fetch message list: %w", err)
	}
	metas := make([]meta, 0, len(bufs))
	for _, b := range bufs {
		metas = append(metas, meta{uid: uint32(b.UID), size: b.RFC822Size, date: b.InternalDate})
	}
	sortMetas(metas)
	return metas, nil
}

func (ss *session) scanBatch(ctx context.Context, metas []meta, fn func(Message) error) error {
	batch, err := ss.fetchBatch(metas)
	if err != nil {
		return err
	}
	defer ss.release(batch)
	for _, m := range batch.Messages {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}
