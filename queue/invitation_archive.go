package queue

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Received is one message a caucus received: a copy of it was sent to the
// caucus.
type Received struct {
	MessageRef int64
	From       string
	SentAt     time.Time // the first copy sent to the caucus
	RawPurged  bool      // retention dropped its bytes
}

// CaucusReceived lists the messages sent to a caucus since a time, oldest
// first: what `caucusgate archive` exports.
func (s *Store) CaucusReceived(ctx context.Context, caucus string, since time.Time) ([]Received, error) {
	var out []Received
	err := s.eachRow(ctx, `SELECT d.message_ref, m.from_addr, MIN(d.sent_at), m.raw_purged_at
		FROM deliveries d JOIN messages m ON m.id = d.message_ref
		WHERE d.caucus = ? AND d.state = 'sent' AND d.sent_at >= ?
		GROUP BY d.message_ref, m.from_addr, m.raw_purged_at ORDER BY MIN(d.sent_at), d.message_ref`,
		[]any{caucus, s.micros(since)}, func(rows *sql.Rows) error {
			var r Received
			var sent int64
			var purged sql.NullInt64
			if err := rows.Scan(&r.MessageRef, &r.From, &sent, &purged); err != nil {
				return err
			}
			r.SentAt, r.RawPurged = time.UnixMicro(sent).UTC(), purged.Valid
			out = append(out, r)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("list what caucus %s received: %w", caucus, err)
	}
	return out, nil
}
