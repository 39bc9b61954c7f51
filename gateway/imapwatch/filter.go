package imapwatch

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
)

// SuspectAlerter is a Sink that tells the admins, once per pass over a
// new epoch, how many messages were taken as suspect (Message.Suspect), and
// one of their UIDs to hang the notice on.
type SuspectAlerter interface {
	AlertSuspects(ctx context.Context, mailbox string, uidValidity uint32, uid uint32, count int) error
}

// keyFields are the header fields of the fallback fingerprint.
var keyFields = &imap.FetchItemBodySection{
	Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Message-ID", "Date", "From"}, Peek: true,
}

// filtered says whether uid goes through filter: below the epoch's
// FingerprintBelow, or any UID while a restore may still be going on.
func (ss *session) filtered(uid uint32) bool {
	return uid < ss.filterBelow || ss.s.cfg.Now().Before(ss.filterUntil)
}

// filter decides, before any whole message is downloaded, which messages of
// a new epoch to take (RFC 9051 section 2.3.1.1: after a UIDVALIDITY change
// every UID may name a message taken before):
//   - of those SEARCH SINCE the start boundary returns, only those whose
//     INTERNALDATE is at or after it, exactly: SINCE has day precision, and
//     UIDs need not follow dates. The rest is skipped and counted. Date is
//     never the criterion: the sender sets it.
//   - those the Sink recognises by header keys are skipped;
//   - those whose Date is SuspectAge before the boundary are taken to be
//     held, never forwarded: their INTERNALDATE probably lies.
func (ss *session) filter(ctx context.Context, metas []meta) ([]meta, error) {
	var check, keep []meta
	for _, m := range metas {
		if ss.filtered(m.uid) {
			check = append(check, m)
		} else {
			keep = append(keep, m)
		}
	}
	if len(check) == 0 {
		return metas, nil
	}
	after, err := ss.sinceStart(check)
	if err != nil {
		return nil, err
	}
	fresh, err := ss.unrecognised(ctx, after)
	if err != nil {
		return nil, err
	}
	ss.logFilter(len(check), len(after), fresh)
	for _, m := range fresh {
		if m.suspect != "" {
			ss.suspects, ss.suspectUID = ss.suspects+1, m.uid
		}
	}
	keep = append(keep, fresh...)
	sortMetas(keep)
	return keep, nil
}

// sinceStart keeps what SEARCH SINCE the boundary returns, cut exactly by
// INTERNALDATE.
func (ss *session) sinceStart(metas []meta) ([]meta, error) {
	if ss.start.IsZero() {
		return metas, nil
	}
	var set imap.UIDSet
	for _, m := range metas {
		set.AddNum(imap.UID(m.uid))
	}
	found, err := ss.cn.c.UIDSearch(&imap.SearchCriteria{Since: ss.start, UID: []imap.UIDSet{set}}, nil).Wait()
	if err != nil {
		return nil, fmt.Errorf("search messages since %s: %w", ss.start.Format(time.DateOnly), err)
	}
	uids := found.AllUIDs()
	var out []meta
	for _, m := range metas {
		if slices.Contains(uids, imap.UID(m.uid)) && !m.date.Before(ss.start) {
			out = append(out, m)
		}
	}
	return out, nil
}

// unrecognised fetches the key header fields, drops what the Sink
// recognises, and marks what must be held.
func (ss *session) unrecognised(ctx context.Context, metas []meta) ([]meta, error) {
	if len(metas) == 0 {
		return nil, nil
	}
	var set imap.UIDSet
	for _, m := range metas {
		set.AddNum(imap.UID(m.uid))
	}
	headers := map[uint32][]byte{}
	if err := ss.fetchBodies(set, keyFields, headers, nil); err != nil {
		return nil, err
	}
	known := map[uint32]bool{}
	if r, ok := ss.s.cfg.Sink.(Recogniser); ok {
		var err error
		if known, err = r.Recognise(ctx, ss.s.cfg.Mailbox, ss.uidValidity, headers); err != nil {
			return nil, fmt.Errorf("recognise messages by header: %w", err)
		}
	}
	var out []meta
	for _, m := range metas {
		if known[m.uid] {
			continue
		}
		m.suspect = ss.suspect(headers[m.uid])
		out = append(out, m)
	}
	return out, nil
}

// suspect says why a message whose INTERNALDATE passed the boundary must
// be held: its Date is days before the boundary.
func (ss *session) suspect(header []byte) string {
	if ss.start.IsZero() {
		return ""
	}
	msg, err := mail.ReadMessage(bytes.NewReader(append(bytes.TrimRight(header, "\r\n"), "\r\n\r\n"...)))
	if err != nil {
		return ""
	}
	date, err := msg.Header.Date()
	if err != nil || !date.Before(ss.start.Add(-ss.s.cfg.SuspectAge)) {
		return ""
	}
	return fmt.Sprintf("dated %s, before the mailbox's start boundary %s, but its server date says it arrived after: "+
		"probably old mail restored or imported after a UIDVALIDITY change; held, never forwarded on its own",
		date.UTC().Format(time.RFC3339), ss.start.UTC().Format(time.RFC3339))
}

func (ss *session) logFilter(checked, afterStart int, fresh []meta) {
	held := 0
	for _, m := range fresh {
		if m.suspect != "" {
			held++
		}
	}
	ss.log.Info("messages of a new epoch filtered before download",
		"checked", checked, "skipped_before_start", checked-afterStart,
		"recognised", afterStart-len(fresh), "taken", len(fresh), "to_hold", held)
}

// alertSuspects reports the suspects of this session once it has taken
// them all (the drain found nothing more).
func (ss *session) alertSuspects(ctx context.Context) error {
	a, ok := ss.s.cfg.Sink.(SuspectAlerter)
	if !ok || ss.suspects == 0 {
		return nil
	}
	ss.log.Warn("held restored messages that look old; telling the admins", "count", ss.suspects)
	if err := a.AlertSuspects(ctx, ss.s.cfg.Mailbox, ss.uidValidity, ss.suspectUID, ss.suspects); err != nil {
		return fmt.Errorf("alert admins of held restored messages: %w", err)
	}
	ss.suspects = 0
	return nil
}
