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
//
// A server that refuses the acknowledgement (a done mailbox outside its
// namespace, over quota) does not stop intake: the messages stay pending in
// the store, are retried beside new mail (retryAcks) and reported as a
// backlog. Only a broken connection is returned as an error.
func (ss *session) ack(ctx context.Context, uids []uint32) error {
	if len(uids) == 0 {
		return nil
	}
	err := ss.ackOnServer(uidSet(uids))
	if refused(err) {
		return ss.ackRefused(ctx, err)
	}
	if err != nil {
		return err
	}
	ss.cn.quiet()
	if err := ss.s.cfg.Sink.MarkAcked(ctx, ss.s.cfg.Mailbox, ss.uidValidity, uids); err != nil {
		return fmt.Errorf("mark messages acknowledged: %w", err)
	}
	return ss.acked(ctx)
}

func (ss *session) ackOnServer(set imap.UIDSet) error {
	cfg := &ss.s.cfg
	if ss.keyword {
		store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.Flag(cfg.Keyword)}}
		if err := ss.cn.c.Store(set, store, nil).Close(); err != nil {
			return fmt.Errorf("set keyword %s on %s: %w", cfg.Keyword, set, err)
		}
	}
	if cfg.DoneMailbox != "" {
		return ss.move(set)
	}
	return nil
}

// errPartialCopy says COPYUID did not cover messages that are still in the
// mailbox: they were not copied, so they are not expunged.
var errPartialCopy = errors.New("the server copied only part of the messages")

// refused reports a server's answer to an acknowledgement (NO or BAD), as
// opposed to a lost connection: the session goes on.
func refused(err error) bool {
	var imapErr *imap.Error
	return errors.As(err, &imapErr) || errors.Is(err, errPartialCopy)
}

func uidSet(uids []uint32) imap.UIDSet {
	var set imap.UIDSet
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	return set
}
