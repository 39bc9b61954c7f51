package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// InvitationDate is a date read about an invitation: when, from where
// (calendar, text, tag, admin) and the words that gave it. A zero At is no
// date.
type InvitationDate struct {
	At     time.Time
	Source string
	Phrase string
}

// NewInvitation is what intake read about a message it forwarded (or held:
// a held message counts as an invitation once an approval forwards it).
type NewInvitation struct {
	Inviter  string
	Subject  string // the subject with the tags removed
	Received time.Time
	Deadline InvitationDate
	Event    InvitationDate
}

// Invitation is one invitation and where it stands, as the store knows it;
// its state (open, answered, expired) depends on the clock and is the
// caller's to compute.
type Invitation struct {
	ID                int64 // the message's record
	MessageID         string
	Inviter, Subject  string
	Received          time.Time
	Deadline, Event   InvitationDate
	DeadlineConfirmed bool      // an admin confirmed a text deadline
	Closed            time.Time // closed by an admin; zero when open
	Caucuses          []InvitationCaucus
}

// InvitationCaucus is one caucus an invitation went to.
type InvitationCaucus struct {
	Caucus                  string
	Copies                  int // delivery transactions, or scheduled forwards
	Sent, Failed, Pending   int
	Answers                 int // replies from this caucus
	Relayed                 int // replies relayed to the inviter
	FirstAnswer, LastAnswer time.Time
	Reminders               []string // reminders sent, by name ("7d")
}

// InvitationFilter selects invitations, newest first. The zero value lists
// the newest 200.
type InvitationFilter struct {
	Since time.Time // received at or after; zero: any
	Limit int       // 0: 200
}

// InvitationAction is what an admin did to an invitation.
type InvitationAction struct {
	At     time.Time
	Action string // close, reopen, deadline, confirm
	Detail string
}

func (s *Store) recordInvitationTx(ctx context.Context, tx *sql.Tx, ref int64, inv NewInvitation) error {
	_, err := stmt(ctx, tx, s.stmts.insertInvitation).ExecContext(ctx,
		ref, inv.Inviter, inv.Subject, s.micros(inv.Received),
		s.nullMicros(inv.Deadline.At), inv.Deadline.Source, inv.Deadline.Phrase,
		s.nullMicros(inv.Event.At), inv.Event.Source, inv.Event.Phrase, s.micros(s.now()))
	if err != nil {
		return fmt.Errorf("record invitation: %w", err)
	}
	return nil
}

// ListInvitations lists the invitations that went to at least one caucus,
// newest first, each with its caucuses.
func (s *Store) ListInvitations(ctx context.Context, f InvitationFilter) ([]Invitation, error) {
	where, args := "1 = 1", []any{}
	if !f.Since.IsZero() {
		where, args = "i.received_at >= ?", append(args, s.micros(f.Since))
	}
	out, err := s.queryInvitations(ctx, where, orDefault(f.Limit, 200), args...)
	if err != nil {
		return nil, fmt.Errorf("list invitations: %w", err)
	}
	return out, nil
}

// GetInvitation returns one invitation; ErrNotFound when the message is no
// invitation or went to no caucus.
func (s *Store) GetInvitation(ctx context.Context, ref int64) (Invitation, error) {
	out, err := s.queryInvitations(ctx, "i.message_ref = ?", 1, ref)
	if err != nil {
		return Invitation{}, fmt.Errorf("get invitation %d: %w", ref, err)
	}
	if len(out) == 0 {
		return Invitation{}, fmt.Errorf("get invitation %d: %w", ref, ErrNotFound)
	}
	return out[0], nil
}

// invitationColumns are read by scanInvitation, in its order.
const invitationColumns = `i.message_ref, m.message_id, i.inviter, i.subject, i.received_at,
	i.deadline, i.deadline_source, i.deadline_phrase, i.deadline_confirmed,
	i.event, i.event_source, i.event_phrase, i.closed_at`

// queryInvitations reads the invitations that went somewhere: a delivery
// to a caucus or a scheduled forward names them (a notice to moderators or
// to a member is a delivery to no caucus).
func (s *Store) queryInvitations(ctx context.Context, where string, limit int, args ...any) ([]Invitation, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+invitationColumns+`
		FROM invitations i JOIN messages m ON m.id = i.message_ref
		WHERE `+where+` AND (EXISTS (SELECT 1 FROM deliveries d WHERE d.message_ref = i.message_ref AND d.caucus <> '')
			OR EXISTS (SELECT 1 FROM pending_items p WHERE p.message_ref = i.message_ref AND p.kind = 'forward'))
		ORDER BY i.received_at DESC, i.message_ref DESC LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, err
	}
	var out []Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, inv)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	return out, s.fillCaucuses(ctx, out)
}

func scanInvitation(rows *sql.Rows) (Invitation, error) {
	var inv Invitation
	var received int64
	var deadline, event, closed sql.NullInt64
	var confirmed int64
	err := rows.Scan(&inv.ID, &inv.MessageID, &inv.Inviter, &inv.Subject, &received,
		&deadline, &inv.Deadline.Source, &inv.Deadline.Phrase, &confirmed,
		&event, &inv.Event.Source, &inv.Event.Phrase, &closed)
	if err != nil {
		return inv, fmt.Errorf("scan invitation: %w", err)
	}
	inv.Received = time.UnixMicro(received).UTC()
	inv.Deadline.At, inv.Event.At, inv.Closed = fromMicros(deadline), fromMicros(event), fromMicros(closed)
	inv.DeadlineConfirmed = confirmed != 0
	return inv, nil
}

func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// fillCaucuses adds to each invitation its caucuses: copies and their
// delivery states, answers, reminders.
func (s *Store) fillCaucuses(ctx context.Context, invs []Invitation) error {
	if len(invs) == 0 {
		return nil
	}
	byRef := map[int64]map[string]*InvitationCaucus{}
	refs := make([]int64, len(invs))
	for i, inv := range invs {
		refs[i], byRef[inv.ID] = inv.ID, map[string]*InvitationCaucus{}
	}
	for _, step := range []func(context.Context, []int64, map[int64]map[string]*InvitationCaucus) error{
		s.fillCopies, s.fillScheduled, s.fillAnswers, s.fillReminders,
	} {
		if err := step(ctx, refs, byRef); err != nil {
			return err
		}
	}
	for i := range invs {
		invs[i].Caucuses = sortedCaucuses(byRef[invs[i].ID])
	}
	return nil
}

func caucusOf(byRef map[int64]map[string]*InvitationCaucus, ref int64, caucus string) *InvitationCaucus {
	c := byRef[ref][caucus]
	if c == nil {
		c = &InvitationCaucus{Caucus: caucus}
		byRef[ref][caucus] = c
	}
	return c
}

func sortedCaucuses(m map[string]*InvitationCaucus) []InvitationCaucus {
	out := make([]InvitationCaucus, 0, len(m))
	for _, c := range m {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b InvitationCaucus) int { return strings.Compare(a.Caucus, b.Caucus) })
	return out
}

func (s *Store) fillCopies(ctx context.Context, refs []int64, byRef map[int64]map[string]*InvitationCaucus) error {
	return s.eachRow(ctx, `SELECT message_ref, caucus, state, COUNT(*) FROM deliveries
		WHERE caucus <> '' AND message_ref IN `+placeholders(len(refs))+` GROUP BY message_ref, caucus, state`, int64Args(refs),
		func(rows *sql.Rows) error {
			var ref int64
			var caucus, state string
			var n int
			if err := rows.Scan(&ref, &caucus, &state, &n); err != nil {
				return err
			}
			c := caucusOf(byRef, ref, caucus)
			c.Copies += n
			switch DeliveryState(state) {
			case StateSent:
				c.Sent += n
			case StateFailed:
				c.Failed += n
			case StatePending:
				c.Pending += n
			}
			return nil
		})
}

// fillScheduled counts forwards still waiting for a caucus's slot.
func (s *Store) fillScheduled(ctx context.Context, refs []int64, byRef map[int64]map[string]*InvitationCaucus) error {
	return s.eachRow(ctx, `SELECT message_ref, caucus, COUNT(*) FROM pending_items
		WHERE kind = 'forward' AND state IN ('pending', 'held') AND message_ref IN `+placeholders(len(refs))+`
		GROUP BY message_ref, caucus`, int64Args(refs),
		func(rows *sql.Rows) error {
			var ref int64
			var caucus string
			var n int
			if err := rows.Scan(&ref, &caucus, &n); err != nil {
				return err
			}
			c := caucusOf(byRef, ref, caucus)
			c.Copies, c.Pending = c.Copies+n, c.Pending+n
			return nil
		})
}

// fillAnswers counts the replies of each caucus: a reply is one message,
// relayed when every item made of it (one per destination) was sent.
func (s *Store) fillAnswers(ctx context.Context, refs []int64, byRef map[int64]map[string]*InvitationCaucus) error {
	return s.eachRow(ctx, `SELECT invitation_ref, caucus, message_ref, MIN(created_at),
		SUM(CASE WHEN state = 'sent' THEN 0 ELSE 1 END) FROM pending_items
		WHERE kind = 'reply' AND state <> 'dropped' AND invitation_ref IN `+placeholders(len(refs))+`
		GROUP BY invitation_ref, caucus, message_ref`, int64Args(refs),
		func(rows *sql.Rows) error {
			var ref, msg, at, unsent int64
			var caucus string
			if err := rows.Scan(&ref, &caucus, &msg, &at, &unsent); err != nil {
				return err
			}
			c := caucusOf(byRef, ref, caucus)
			t := time.UnixMicro(at).UTC()
			c.Answers++
			if unsent == 0 {
				c.Relayed++
			}
			if c.FirstAnswer.IsZero() || t.Before(c.FirstAnswer) {
				c.FirstAnswer = t
			}
			if t.After(c.LastAnswer) {
				c.LastAnswer = t
			}
			return nil
		})
}

func (s *Store) fillReminders(ctx context.Context, refs []int64, byRef map[int64]map[string]*InvitationCaucus) error {
	return s.eachRow(ctx, `SELECT message_ref, caucus, reminder FROM invitation_reminders
		WHERE message_ref IN `+placeholders(len(refs))+` ORDER BY sent_at`, int64Args(refs),
		func(rows *sql.Rows) error {
			var ref int64
			var caucus, reminder string
			if err := rows.Scan(&ref, &caucus, &reminder); err != nil {
				return err
			}
			c := caucusOf(byRef, ref, caucus)
			c.Reminders = append(c.Reminders, reminder)
			return nil
		})
}

// eachRow runs a query and hands each row to fn.
func (s *Store) eachRow(ctx context.Context, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return fmt.Errorf("query %s: %w", firstWords(query), err)
	}
	for rows.Next() {
		if err := fn(rows); err != nil {
			rows.Close()
			return fmt.Errorf("scan %s: %w", firstWords(query), err)
		}
	}
	return closeRows(rows)
}

func firstWords(q string) string {
	f := strings.Fields(q)
	for i, w := range f {
		if w == "FROM" && i+1 < len(f) {
			return "from " + f[i+1]
		}
	}
	return "query"
}

// CloseInvitation closes an invitation (reopen: opens it again), and
// records the action for its timeline.
func (s *Store) CloseInvitation(ctx context.Context, ref int64, reopen bool) error {
	set, action := "closed_at = ?", "close"
	args := []any{s.micros(s.now())}
	if reopen {
		set, action, args = "closed_at = NULL", "reopen", nil
	}
	return s.updateInvitation(ctx, ref, set, args, action, "")
}

// SetInvitationDeadline sets an invitation's deadline as an admin's (a firm
// one); a zero t removes it. confirm only confirms the deadline it has.
func (s *Store) SetInvitationDeadline(ctx context.Context, ref int64, t time.Time, phrase string) error {
	if t.IsZero() {
		return s.updateInvitation(ctx, ref, `deadline = NULL, deadline_source = '', deadline_phrase = '',
			deadline_confirmed = 0`, nil, "deadline", "removed")
	}
	return s.updateInvitation(ctx, ref, `deadline = ?, deadline_source = 'admin', deadline_phrase = ?,
		deadline_confirmed = 1`, []any{s.micros(t), phrase}, "deadline", t.Format(time.RFC3339))
}

// ConfirmInvitationDeadline makes a deadline read from the text firm.
func (s *Store) ConfirmInvitationDeadline(ctx context.Context, ref int64) error {
	return s.updateInvitation(ctx, ref, "deadline_confirmed = 1", nil, "confirm", "")
}

func (s *Store) updateInvitation(ctx context.Context, ref int64, set string, args []any, action, detail string) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := s.micros(s.now())
		res, err := tx.ExecContext(ctx, s.q(`UPDATE invitations SET `+set+`, updated_at = ? WHERE message_ref = ?`),
			append(args, now, ref)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errors.Join(ErrNotFound, err)
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO invitation_actions (message_ref, at, action, detail)
			VALUES (?, ?, ?, ?)`), ref, now, action, detail)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s invitation %d: %w", action, ref, err)
	}
	return nil
}

// InvitationActions lists what admins did to an invitation, oldest first.
func (s *Store) InvitationActions(ctx context.Context, ref int64) ([]InvitationAction, error) {
	var out []InvitationAction
	err := s.eachRow(ctx, `SELECT at, action, detail FROM invitation_actions WHERE message_ref = ? ORDER BY at, id`,
		[]any{ref}, func(rows *sql.Rows) error {
			var at int64
			var a InvitationAction
			if err := rows.Scan(&at, &a.Action, &a.Detail); err != nil {
				return err
			}
			a.At = time.UnixMicro(at).UTC()
			out = append(out, a)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("list actions of invitation %d: %w", ref, err)
	}
	return out, nil
}
