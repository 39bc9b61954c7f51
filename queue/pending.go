package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// PendingKind says what a pending item relays.
type PendingKind string

// Pending kinds: a caucus's reply to an invitation, relayed to the
// inviter; or an invitation forwarded to a caucus on a schedule.
const (
	KindReply   PendingKind = "reply"
	KindForward PendingKind = "forward"
)

// PendingState is the state of a pending item.
type PendingState string

// Pending states. Held waits for a reviewer (replies.review) and is not
// due until released; dropped is a reviewer's refusal.
const (
	PendingWaiting PendingState = "pending"
	PendingHeld    PendingState = "held"
	PendingSent    PendingState = "sent"
	PendingFailed  PendingState = "failed"
	PendingDropped PendingState = "dropped"
)

// maxDue bounds one DuePending answer; the caller batches what it got and
// asks again for the rest.
const maxDue = 10000

// NewPending is an item to relay at a slot of a schedule. Its message is
// the Incoming it comes with (a reply, or the invitation itself).
type NewPending struct {
	Kind          PendingKind
	InvitationRef int64 // the invitation a reply answers; 0 for none
	Caucus        string
	Destination   string // the address it goes to
	Schedule      string // the schedule's spec, as the rules write it
	// DueSlot is the slot it waits for: the first slot of Schedule after
	// it arrived, computed by the caller that knows cron.
	DueSlot time.Time
	Held    bool // wait for a reviewer before it is due
}

// PendingItem is one stored item.
type PendingItem struct {
	ID            int64        `json:"id"`
	Kind          PendingKind  `json:"kind"`
	MessageRef    int64        `json:"message_ref"`
	InvitationRef int64        `json:"invitation_ref,omitempty"`
	Caucus        string       `json:"caucus"`
	Destination   string       `json:"destination"`
	Schedule      string       `json:"schedule"`
	DueSlot       time.Time    `json:"due_slot"`
	State         PendingState `json:"state"`
	CreatedAt     time.Time    `json:"created_at"`
	BatchID       int64        `json:"batch_id,omitempty"`
	SentAt        time.Time    `json:"sent_at,omitzero"`
}

// PendingFilter selects pending items to list. The zero value lists the
// oldest 100 of every schedule and state.
type PendingFilter struct {
	Schedule string         // "": every schedule
	States   []PendingState // none: every state
	Limit    int            // 0: 100
}

// AddPending records items to relay about an already stored message (an
// Incoming carries its own in Pending, recorded by Intake).
func (s *Store) AddPending(ctx context.Context, messageRef int64, items []NewPending) ([]int64, error) {
	var ids []int64
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		ids, err = s.addPendingTx(ctx, tx, messageRef, items)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("add pending items of message %d: %w", messageRef, err)
	}
	return ids, nil
}

func (s *Store) addPendingTx(ctx context.Context, tx *sql.Tx, ref int64, items []NewPending) ([]int64, error) {
	ids := make([]int64, 0, len(items))
	for _, p := range items {
		if err := p.validate(); err != nil {
			return nil, err
		}
		state := PendingWaiting
		if p.Held {
			state = PendingHeld
		}
		var id int64
		err := tx.QueryRowContext(ctx, s.q(`INSERT INTO pending_items (kind, message_ref, invitation_ref, caucus,
			destination, schedule, due_slot, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			string(p.Kind), ref, nullInt(p.InvitationRef), p.Caucus, p.Destination, p.Schedule,
			s.micros(p.DueSlot), string(state), s.micros(s.now())).Scan(&id)
		if err != nil {
			return nil, fmt.Errorf("insert pending item: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (p NewPending) validate() error {
	switch {
	case p.Kind != KindReply && p.Kind != KindForward:
		return fmt.Errorf("pending item: unknown kind %q", p.Kind)
	case p.Destination == "" || p.Schedule == "":
		return errors.New("pending item: destination and schedule are required")
	case p.DueSlot.IsZero():
		return errors.New("pending item: no due slot")
	}
	return nil
}

// DuePending lists the items of schedule due at slot (their due slot is
// slot or earlier: catching up after downtime sends them once) that no
// batch holds yet, grouped by destination (sorted by it, then by id). At
// most 10000 are returned: batch them, then ask again for the rest.
func (s *Store) DuePending(ctx context.Context, schedule string, slot time.Time) ([]PendingItem, error) {
	out, err := s.queryPending(ctx, s.db, `p.schedule = ? AND p.state = 'pending' AND p.batch_id IS NULL
		AND p.due_slot <= ?`, "p.destination, p.id", maxDue, schedule, s.micros(slot))
	if err != nil {
		return nil, fmt.Errorf("list items due at %s of %s: %w", slot, schedule, err)
	}
	return out, nil
}

// GroupByDestination splits items sorted by destination (as DuePending
// returns them) into one slice per destination.
func GroupByDestination(items []PendingItem) [][]PendingItem {
	var out [][]PendingItem
	for i, it := range items {
		if i == 0 || it.Destination != items[i-1].Destination {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], it)
	}
	return out
}

// ListPending lists pending items, oldest first.
func (s *Store) ListPending(ctx context.Context, f PendingFilter) ([]PendingItem, error) {
	where, args := stateIn([]string{"1 = 1"}, nil, "p.state", f.States)
	if f.Schedule != "" {
		where, args = append(where, "p.schedule = ?"), append(args, f.Schedule)
	}
	out, err := s.queryPending(ctx, s.db, strings.Join(where, " AND "), "p.id", orDefault(f.Limit, 100), args...)
	if err != nil {
		return nil, fmt.Errorf("list pending items: %w", err)
	}
	return out, nil
}

// GetPending returns one pending item; ErrNotFound when there is none.
func (s *Store) GetPending(ctx context.Context, id int64) (PendingItem, error) {
	out, err := s.queryPending(ctx, s.db, "p.id = ?", "p.id", 1, id)
	if err != nil {
		return PendingItem{}, fmt.Errorf("get pending item %d: %w", id, err)
	}
	if len(out) == 0 {
		return PendingItem{}, fmt.Errorf("get pending item %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}

// ReleasePending makes a held item (a reply under review) wait for
// dueSlot, normally the next slot of its schedule.
// A zero dueSlot makes it due at the next run.
func (s *Store) ReleasePending(ctx context.Context, id int64, dueSlot time.Time) error {
	return s.movePending(ctx, "release", id, "state = 'pending', due_slot = ?", s.micros(dueSlot))
}

// DropPending drops a held item: the reviewer refused it.
func (s *Store) DropPending(ctx context.Context, id int64) error {
	return s.movePending(ctx, "drop", id, "state = 'dropped'")
}

// movePending applies set to a held item.
func (s *Store) movePending(ctx context.Context, verb string, id int64, set string, args ...any) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE pending_items SET `+set+` WHERE id = ? AND state = 'held'`),
			append(args, id)...)
		if err != nil {
			return err
		}
		if ok, err := affected(res); err != nil || ok {
			return err
		}
		return s.pendingStateError(ctx, tx, id)
	})
	if err != nil {
		return fmt.Errorf("%s pending item %d: %w", verb, id, err)
	}
	return nil
}

func (s *Store) pendingStateError(ctx context.Context, tx *sql.Tx, id int64) error {
	var state string
	err := tx.QueryRowContext(ctx, s.q("SELECT state FROM pending_items WHERE id = ?"), id).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("read pending state: %w", err)
	}
	return fmt.Errorf("%w: pending item is %s", ErrWrongState, state)
}

func (s *Store) queryPending(ctx context.Context, db querier, where, order string, limit int, args ...any) ([]PendingItem, error) {
	rows, err := db.QueryContext(ctx, s.q(`SELECT p.id, p.kind, p.message_ref, COALESCE(p.invitation_ref, 0),
		p.caucus, p.destination, p.schedule, p.due_slot, p.state, p.created_at, COALESCE(p.batch_id, 0), p.sent_at
		FROM pending_items p WHERE `+where+` ORDER BY `+order+` LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PendingItem
	for rows.Next() {
		p, err := scanPending(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func scanPending(rows *sql.Rows) (PendingItem, error) {
	var p PendingItem
	var due, created int64
	var sent sql.NullInt64
	if err := rows.Scan(&p.ID, &p.Kind, &p.MessageRef, &p.InvitationRef, &p.Caucus, &p.Destination,
		&p.Schedule, &due, &p.State, &created, &p.BatchID, &sent); err != nil {
		return p, fmt.Errorf("scan pending item: %w", err)
	}
	p.DueSlot, p.CreatedAt = time.UnixMicro(due).UTC(), time.UnixMicro(created).UTC()
	p.SentAt = fromMicros(sent)
	return p, nil
}
