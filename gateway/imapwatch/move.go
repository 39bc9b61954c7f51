package imapwatch

import (
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// move moves set to the done mailbox, creating it when the server says
// TRYCREATE.
func (ss *session) move(set imap.UIDSet) error {
	dest := ss.s.cfg.DoneMailbox
	err := ss.moveOnce(set, dest)
	var imapErr *imap.Error
	if errors.As(err, &imapErr) && imapErr.Code == imap.ResponseCodeTryCreate {
		ss.log.Info("creating the done mailbox", "done_mailbox", dest)
		if err := ss.cn.c.Create(dest, nil).Wait(); err != nil {
			return fmt.Errorf("create mailbox %q: %w", dest, err)
		}
		err = ss.moveOnce(set, dest)
	}
	if err != nil {
		return fmt.Errorf("move %s to %q: %w", set, dest, err)
	}
	return nil
}

// moveOnce uses MOVE (RFC 6851) where the server has it. Elsewhere it does
// the steps itself rather than through go-imap's Move fallback, which sends
// COPY, STORE \Deleted and UID EXPUNGE without waiting for COPY's answer: a
// refused COPY then deletes the messages from both folders.
func (ss *session) moveOnce(set imap.UIDSet, dest string) error {
	if ss.cn.c.Caps().Has(imap.CapMove) {
		_, err := ss.cn.c.Move(set, dest).Wait()
		return err
	}
	return ss.copyExpunge(set, dest)
}

// copyExpunge copies set, and expunges only what COPYUID (RFC 4315) says
// was copied, with UID EXPUNGE so that other clients' \Deleted mail stays
// (selectMailbox refuses a done mailbox without UIDPLUS). A crash between
// the COPY and the EXPUNGE leaves the messages in both mailboxes; the next
// acknowledgement copies them again, so the done mailbox may then hold a
// second copy. Nothing is lost.
func (ss *session) copyExpunge(set imap.UIDSet, dest string) error {
	data, err := ss.cn.c.Copy(set, dest).Wait()
	if err != nil {
		return err
	}
	copied, missing, err := ss.copiedOrGone(set, data.SourceUIDs)
	if err != nil {
		return err
	}
	if len(copied) > 0 {
		if err := ss.expunge(copied); err != nil {
			return err
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s not copied", errPartialCopy, missing)
	}
	return nil
}

// copiedOrGone splits set into what COPYUID covers and what it does not
// but is still in the mailbox. A UID neither copied nor present was
// expunged by someone else meanwhile: there is nothing left to move.
func (ss *session) copiedOrGone(set, copyUID imap.UIDSet) (copied, missing imap.UIDSet, err error) {
	uids, _ := set.Nums()
	var uncovered imap.UIDSet
	for _, u := range uids {
		if copyUID.Contains(u) {
			copied.AddNum(u)
		} else {
			uncovered.AddNum(u)
		}
	}
	if len(uncovered) == 0 {
		return copied, nil, nil
	}
	found, err := ss.cn.c.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{uncovered}}, nil).Wait()
	if err != nil {
		return nil, nil, fmt.Errorf("search messages COPYUID left out: %w", err)
	}
	for _, u := range found.AllUIDs() {
		missing.AddNum(u)
	}
	return copied, missing, nil
}

func (ss *session) expunge(set imap.UIDSet) error {
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	if err := ss.cn.c.Store(set, store, nil).Close(); err != nil {
		return fmt.Errorf("flag %s deleted: %w", set, err)
	}
	if err := ss.cn.c.UIDExpunge(set).Close(); err != nil {
		return fmt.Errorf("expunge %s: %w", set, err)
	}
	return nil
}
