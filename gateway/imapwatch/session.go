package imapwatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

// session is one authenticated connection with the mailbox selected.
type session struct {
	s           *Supervisor
	cn          *conn
	log         *slog.Logger
	uidValidity uint32
	lastUID     uint32 // the watermark: everything up to it is accepted
	// The reset filter (filter.go): the start boundary, the UIDs below
	// which it applies, and until when it applies to every UID.
	start       time.Time
	filterBelow uint32
	filterUntil time.Time
	suspects    int    // messages taken as suspect, not yet told to the admins
	suspectUID  uint32 // one of them
	keyword     bool   // PERMANENTFLAGS let us set Config.Keyword
	idle        bool   // IDLE is enabled and advertised
}

// open connects, authenticates, selects the mailbox, settles its epoch and
// acknowledges what an earlier run accepted but did not acknowledge.
func (s *Supervisor) open(ctx context.Context) (*session, error) {
	cn, err := s.login(ctx)
	if errors.Is(err, ErrAuth) && s.cfg.Token != nil {
		// The token may have expired since it was cached: one fresh try.
		s.log.Warn("IMAP token rejected; fetching a new one", "err", err)
		s.cfg.Token.Invalidate()
		cn, err = s.login(ctx)
	}
	if err != nil {
		return nil, err
	}
	ss := &session{s: s, cn: cn, log: s.log}
	if err := ss.prepare(ctx); err != nil {
		cn.close()
		return nil, cn.wd.stallErr(err)
	}
	return ss, nil
}

func (s *Supervisor) login(ctx context.Context) (*conn, error) {
	cn, err := s.dial(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.authenticate(ctx, cn); err != nil {
		cn.close()
		return nil, err
	}
	return cn, nil
}

func (ss *session) prepare(ctx context.Context) error {
	if err := ss.checkDoneOnce(); err != nil {
		return err
	}
	if err := ss.selectMailbox(ctx); err != nil {
		return err
	}
	uids, err := ss.s.cfg.Sink.Unacked(ctx, ss.s.cfg.Mailbox, ss.uidValidity)
	if err != nil {
		return fmt.Errorf("list unacknowledged messages: %w", err)
	}
	if len(uids) > 0 {
		ss.log.Info("acknowledging messages accepted before a restart", "count", len(uids))
	}
	return ss.ack(ctx, uids)
}

// checkDoneOnce looks the done mailbox up at the first connection. A name
// the server will refuse is logged, not fatal: intake goes on and the
// acknowledgements wait (see ackRefused).
func (ss *session) checkDoneOnce() error {
	if ss.s.cfg.DoneMailbox == "" || ss.s.doneChecked {
		return nil
	}
	err := ss.checkDone()
	if errors.Is(err, ErrNoDoneMailbox) {
		ss.log.Error("acknowledgements will be refused until done_mailbox is fixed", "err", err)
		err = nil
	}
	ss.s.doneChecked = err == nil
	return err
}

func (ss *session) selectMailbox(ctx context.Context) error {
	cfg := &ss.s.cfg
	caps := ss.cn.c.Caps()
	if cfg.DoneMailbox != "" && !caps.Has(imap.CapMove) && !caps.Has(imap.CapUIDPlus) {
		return ErrNoMove
	}
	ss.idle = cfg.IDLE && caps.Has(imap.CapIdle)
	data, err := ss.cn.c.Select(cfg.Mailbox, nil).Wait()
	if err != nil {
		return fmt.Errorf("select %q: %w", cfg.Mailbox, err)
	}
	if data.UIDValidity == 0 {
		return fmt.Errorf("select %q: server sent no UIDVALIDITY", cfg.Mailbox)
	}
	ss.uidValidity = data.UIDValidity
	ss.log = ss.s.log.With("uidvalidity", data.UIDValidity)
	ss.keyword = keywordAllowed(data.PermanentFlags, imap.Flag(cfg.Keyword))
	uidNext := uint32(data.UIDNext)
	if uidNext == 0 {
		if uidNext, err = ss.findUIDNext(); err != nil {
			return err
		}
	}
	ss.lastUID, err = ss.settleEpoch(ctx, uidNext)
	return err
}

// keywordAllowed reads PERMANENTFLAGS: "\*" allows new keywords.
func keywordAllowed(permanent []imap.Flag, keyword imap.Flag) bool {
	return slices.ContainsFunc(permanent, func(f imap.Flag) bool {
		return f == imap.FlagWildcard || strings.EqualFold(string(f), string(keyword))
	})
}

// findUIDNext asks STATUS, then the UID of the last message, for servers
// whose SELECT omits UIDNEXT (it is optional in RFC 2060).
func (ss *session) findUIDNext() (uint32, error) {
	st, err := ss.cn.c.Status(ss.s.cfg.Mailbox, &imap.StatusOptions{UIDNext: true}).Wait()
	if err == nil && st.UIDNext != 0 {
		return uint32(st.UIDNext), nil
	}
	if mbox := ss.cn.c.Mailbox(); mbox != nil && mbox.NumMessages == 0 {
		return 1, nil // nothing there: whatever arrives is new
	}
	msgs, err := ss.cn.c.Fetch(imap.SeqSetNum(0), &imap.FetchOptions{UID: true}).Collect()
	if err != nil {
		return 0, fmt.Errorf("fetch UID of the last message: %w", err)
	}
	var last uint32
	for _, m := range msgs {
		last = max(last, uint32(m.UID))
	}
	return last + 1, nil
}
