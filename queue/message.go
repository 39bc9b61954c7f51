package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// maxRaw bounds MessageRaw: past it, stream with OpenRaw.
const maxRaw = 64 << 20

// MessageInfo is one processed message and the decision taken on it: the
// admin page's "why did this go to Gender?". Its raw bytes are read with
// OpenRaw or MessageRaw.
type MessageInfo struct {
	ID          int64           `json:"id"`
	Account     string          `json:"account"`
	Mailbox     string          `json:"mailbox"`
	UIDValidity uint32          `json:"uidvalidity"`
	UID         uint32          `json:"uid"`
	MessageID   string          `json:"message_id"`
	From        string          `json:"from"`
	Subject     string          `json:"subject"`
	Decision    string          `json:"decision"`
	Caucuses    []string        `json:"caucuses"`
	Rules       []string        `json:"rules"`
	Reason      string          `json:"reason"`
	Trace       json.RawMessage `json:"trace,omitempty"`
	ReceivedAt  time.Time       `json:"received_at"`
	DuplicateOf int64           `json:"duplicate_of,omitempty"`
	RawSize     int64           `json:"raw_size"`
	RawPurged   bool            `json:"raw_purged,omitempty"`
	AckedAt     time.Time       `json:"acked_at,omitzero"`
}

// MessageFilter selects messages to list, newest first. The zero value
// lists the newest 100.
type MessageFilter struct {
	Limit     int    // 0: 100
	Before    int64  // only messages with a smaller id (the next page); 0: from the newest
	Decision  string // "": every decision
	Caucus    string // "": any; else only messages that went to this caucus
	MessageID string // "": any
}

// ListMessages lists processed messages with their decisions and traces.
func (s *Store) ListMessages(ctx context.Context, f MessageFilter) ([]MessageInfo, error) {
	where, args := []string{"1 = 1"}, []any{}
	add := func(cond string, arg any) { where, args = append(where, cond), append(args, arg) }
	if f.Before != 0 {
		add("id < ?", f.Before)
	}
	if f.Decision != "" {
		add("decision = ?", f.Decision)
	}
	if f.Caucus != "" {
		caucus, _ := json.Marshal(f.Caucus) // as it is stored: a JSON string in an array
		add(s.dialect.contains("caucuses"), string(caucus))
	}
	if f.MessageID != "" {
		add("message_id = ?", f.MessageID)
	}
	out, err := s.queryMessages(ctx, strings.Join(where, " AND "), orDefault(f.Limit, 100), args...)
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	return out, nil
}

// GetMessage returns one processed message, or ErrNotFound.
func (s *Store) GetMessage(ctx context.Context, ref int64) (MessageInfo, error) {
	out, err := s.queryMessages(ctx, "id = ?", 1, ref)
	if err != nil {
		return MessageInfo{}, fmt.Errorf("get message %d: %w", ref, err)
	}
	if len(out) == 0 {
		return MessageInfo{}, fmt.Errorf("get message %d: %w", ref, ErrNotFound)
	}
	return out[0], nil
}

// MessageRaw reads a message's raw bytes whole (to run the rules again on
// approval, say); past 64 MiB it refuses: stream those with OpenRaw.
func (s *Store) MessageRaw(ctx context.Context, ref int64) ([]byte, error) {
	r, err := s.OpenRaw(ctx, ref)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, maxRaw+1))
	if err != nil {
		return nil, fmt.Errorf("read raw message %d: %w", ref, err)
	}
	if len(b) > maxRaw {
		return nil, fmt.Errorf("read raw message %d: larger than %d bytes", ref, maxRaw)
	}
	return b, nil
}

func (s *Store) queryMessages(ctx context.Context, where string, limit int, args ...any) ([]MessageInfo, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, account, mailbox, uidvalidity, uid, message_id,
		from_addr, subject, decision, caucuses, rules, reason, trace, received_at, COALESCE(duplicate_of, 0),
		raw_size, raw_purged_at, acked_at FROM messages WHERE `+where+` ORDER BY id DESC LIMIT ?`),
		append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MessageInfo
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func scanMessage(rows *sql.Rows) (MessageInfo, error) {
	var m MessageInfo
	var uidValidity, uid, received int64
	var caucuses, rules, trace string
	var purged, acked sql.NullInt64
	if err := rows.Scan(&m.ID, &m.Account, &m.Mailbox, &uidValidity, &uid, &m.MessageID, &m.From, &m.Subject,
		&m.Decision, &caucuses, &rules, &m.Reason, &trace, &received, &m.DuplicateOf, &m.RawSize,
		&purged, &acked); err != nil {
		return m, fmt.Errorf("scan message: %w", err)
	}
	err := errors.Join(json.Unmarshal([]byte(caucuses), &m.Caucuses), json.Unmarshal([]byte(rules), &m.Rules))
	if err != nil {
		return m, fmt.Errorf("decode message %d: %w", m.ID, err)
	}
	if trace != "null" {
		m.Trace = json.RawMessage(trace)
	}
	m.UIDValidity, m.UID = uint32(uidValidity), uint32(uid)
	m.ReceivedAt, m.RawPurged, m.AckedAt = time.UnixMicro(received).UTC(), purged.Valid, fromMicros(acked)
	return m, nil
}
