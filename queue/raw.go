package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// rawChunkSize bounds the memory a reader holds, and the size of one row.
const rawChunkSize = 256 << 10

func (s *Store) writeRawTx(ctx context.Context, tx *sql.Tx, ref int64, raw []byte) error {
	st := stmt(ctx, tx, s.stmts.writeRawChunk)
	for seq := 0; len(raw) > 0 || seq == 0; seq++ {
		n := min(len(raw), rawChunkSize)
		// A nil slice would be NULL; an empty message is one empty chunk.
		// No copy otherwise: the driver copies what it binds, and a copy
		// here made as much garbage as the message is big (issue 12).
		chunk := raw[:n:n]
		if chunk == nil {
			chunk = []byte{}
		}
		if _, err := st.ExecContext(ctx, ref, seq, chunk); err != nil {
			return fmt.Errorf("store raw chunk %d: %w", seq, err)
		}
		raw = raw[n:]
	}
	return nil
}

// OpenRaw streams the raw bytes of a message. Each chunk is read by its own
// short query, so a slow reader (an SMTP DATA) never holds SQLite's single
// connection between reads.
func (s *Store) OpenRaw(ctx context.Context, messageRef int64) (io.ReadCloser, error) {
	var purged sql.NullInt64
	err := s.stmts.rawPurged.QueryRowContext(ctx, messageRef).Scan(&purged)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("open raw message %d: %w", messageRef, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("open raw message %d: %w", messageRef, err)
	}
	if purged.Valid {
		return nil, fmt.Errorf("open raw message %d: %w", messageRef, ErrRawPurged)
	}
	return &rawReader{s: s, ctx: ctx, ref: messageRef}, nil
}

type rawReader struct {
	s     *Store
	ctx   context.Context
	ref   int64
	seq   int
	buf   []byte // what is left of the current chunk
	chunk []byte // the current chunk, its array reused for the next
	eof   bool
}

func (r *rawReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.eof {
			return 0, io.EOF
		}
		if err := r.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// next reads the following chunk into r.chunk's array: scanning into a
// []byte would allocate a copy a chunk, as much garbage as the message is
// big on every delivery (issue 12).
func (r *rawReader) next() error {
	rows, err := r.s.stmts.readRawChunk.QueryContext(r.ctx, r.ref, r.seq)
	if err != nil {
		return fmt.Errorf("read raw chunk %d of message %d: %w", r.seq, r.ref, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read raw chunk %d of message %d: %w", r.seq, r.ref, err)
		}
		r.eof = true
		return nil
	}
	var data sql.RawBytes
	if err := rows.Scan(&data); err != nil {
		return fmt.Errorf("read raw chunk %d of message %d: %w", r.seq, r.ref, err)
	}
	r.chunk = append(r.chunk[:0], data...)
	r.seq++
	r.buf = r.chunk
	return rows.Close()
}

func (r *rawReader) Close() error { r.buf, r.eof = nil, true; return nil }

// deliverWithoutRaw hands dlv a delivery whose message's bytes are gone
// (retention purged them, or the record is missing). A delivery that is a
// message of its own (an invitation's reminder, a notice) never reads
// them and is made all the same; one that reads them (a forwarded copy)
// fails for good, with missing as its error.
func deliverWithoutRaw(ctx context.Context, dlv Deliverer, d Delivery, missing error) error {
	raw := &missingRaw{err: missing}
	err := dlv.Deliver(ctx, d, raw)
	if err != nil && raw.read.Load() {
		return Permanent(missing)
	}
	return err
}

// missingRaw stands for bytes that are gone: reading it fails. It may be
// read by a composing goroutine that outlives Deliver (a DKIM signer's).
type missingRaw struct {
	err  error
	read atomic.Bool
}

func (r *missingRaw) Read([]byte) (int, error) {
	r.read.Store(true)
	return 0, r.err
}

// PurgeRaw deletes the raw bytes of messages received more than olderThan
// ago whose deliveries are all final and that nothing else still needs (a
// moderator's decision, a slot), and returns how many it purged. The
// processed records stay: they are the dedupe set.
func (s *Store) PurgeRaw(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := s.micros(s.now().Add(-olderThan))
	var n int
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		ids, err := s.purgeable(ctx, tx, cutoff)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, s.q("DELETE FROM raw_chunks WHERE message_ref = ?"), id); err != nil {
				return fmt.Errorf("delete raw of message %d: %w", id, err)
			}
			if _, err := tx.ExecContext(ctx, s.q("UPDATE messages SET raw_purged_at = ? WHERE id = ?"),
				s.micros(s.now()), id); err != nil {
				return fmt.Errorf("mark message %d purged: %w", id, err)
			}
		}
		n = len(ids)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge raw messages: %w", err)
	}
	return n, nil
}

func (s *Store) purgeable(ctx context.Context, tx *sql.Tx, cutoff int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT m.id FROM messages m
		WHERE m.received_at < ? AND m.raw_purged_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_ref = m.id AND d.state = 'pending')
		AND NOT EXISTS (SELECT 1 FROM held h WHERE h.message_ref = m.id AND h.state = 'held')
		AND NOT EXISTS (SELECT 1 FROM pending_items p WHERE p.message_ref = m.id
			AND p.state IN ('pending', 'held'))`), cutoff)
	if err != nil {
		return nil, fmt.Errorf("list purgeable messages: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan purgeable message: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
