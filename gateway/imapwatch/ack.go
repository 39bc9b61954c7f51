package imapwatch

import (
	"context"
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// ack acknowledges committed messages on the server (keyword, move) and
// then in the store. Repeating it is harmless: UID commands ignore UIDs that
// are gone, and adding a flag twice changes nothing.
func (ss *session) ack(ctx context.Context, uids []uint32) error {
	if len(uids) == 0 {
		return nil
	}
	cfg := &ss.s.cfg
	set := uidSet(uids)
	if ss.keyword {
		store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.Flag(cfg.Keyword)}}
		if err := ss.cn.c.Store(set, store, nil).Close(); err != nil {
			return fmt.Errorf("set keyword %s on %s: %w", cfg.Keyword, set, err)
		}
	}
	if cfg.DoneMailbox != "" {
		if err := ss.move(set); err != nil {
			return err
		}
	}
	if err := cfg.Sink.MarkAcked(ctx, cfg.Mailbox, ss.uidValidity, uids); err != nil {
		return fmt.Errorf("mark messages acknowledged: %w", err)
	}
	return nil
}

// move moves to the done mailbox, creating it when the server says TRYCREATE.
func (ss *session) move(set imap.UIDSet) error {
	dest := ss.s.cfg.DoneMailbox
	_, err := ss.cn.c.Move(set, dest).Wait()
	var imapErr *imap.Error
	if errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeTryCreate {
		ss.log.Info("creating the done mailbox", "done_mailbox", dest)
		if err := ss.cn.c.Create(dest, nil).Wait(); err != nil {
			return fmt.Errorf("create mailbox %q: %w", dest, err)
		}
		_, err = ss.cn.c.Move(set, dest).Wait()
	}
	if err != nil {
		return fmt.Errorf("move %s to %q: %w", set, dest, err)
	}
	return nil
}

func uidSet(uids []uint32) imap.UIDSet {
	var set imap.UIDSet
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	return set
}
