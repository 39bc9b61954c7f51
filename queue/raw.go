package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync/atomic"
	"time"
)

// rawChunkSize bounds the memory a reader holds, and the size of one row.
const rawChunkSize = 256 << 10

// ErrRawMissing is returned by OpenRaw for a message whose record names a
// file of its bytes that is not there: not purged, lost (a directory not
// restored with the database, a file removed by hand). It is data loss,
// logged as an error; a delivery that copies the message fails for good.
var ErrRawMissing = errors.New("raw file missing")

// writeRawTx stores a message's bytes in raw_chunks, unless rawFile (the
// SQLite store's file, staged before the transaction) holds them already:
// then the record's raw_file names it, and nothing more is written. On
// PostgreSQL (batch set) they are queued for the intake's COPY.
func (s *Store) writeRawTx(ctx context.Context, tx *sql.Tx, ref int64, raw []byte, rawFile string, batch *rawBatch) error {
	if rawFile != "" {
		return nil
	}
	if batch != nil {
		batch.add(ref, raw)
		return nil
	}
	st := stmt(ctx, tx, s.stmts.writeRawChunk)
	for seq := 0; len(raw) > 0 || seq == 0; seq++ {
		chunk := firstRawChunk(raw)
		raw = raw[len(chunk):]
		if _, err := st.ExecContext(ctx, ref, seq, chunk); err != nil {
			return fmt.Errorf("store raw chunk %d: %w", seq, err)
		}
	}
	return nil
}

// firstRawChunk is the first chunk of raw to store. A nil slice would be
// NULL; an empty message is one empty chunk. No copy otherwise: the
// driver copies what it binds, and a copy here made as much garbage as
// the message is big (issue 12).
func firstRawChunk(raw []byte) []byte {
	n := min(len(raw), rawChunkSize)
	if chunk := raw[:n:n]; chunk != nil {
		return chunk
	}
	return []byte{}
}

// OpenRaw streams the raw bytes of a message: from its file (an
// *os.File), or from raw_chunks, each chunk read by its own short query,
// so a slow reader (an SMTP DATA) never holds SQLite's single connection
// between reads. It fails with ErrNotFound, ErrRawPurged or
// ErrRawMissing.
func (s *Store) OpenRaw(ctx context.Context, messageRef int64) (io.ReadCloser, error) {
	file, err := s.rawSource(ctx, messageRef)
	if err != nil {
		return nil, fmt.Errorf("open raw message %d: %w", messageRef, err)
	}
	if file == "" {
		return &rawReader{s: s, ctx: ctx, ref: messageRef}, nil
	}
	f, err := s.openRawFile(ctx, messageRef, file)
	if err != nil {
		return nil, fmt.Errorf("open raw message %d: %w", messageRef, err)
	}
	return f, nil
}

// rawSource returns the file holding a message's bytes, "" when they are
// in raw_chunks.
func (s *Store) rawSource(ctx context.Context, messageRef int64) (file string, err error) {
	var purged sql.NullInt64
	var name sql.NullString
	err = s.stmts.rawSource.QueryRowContext(ctx, messageRef).Scan(&purged, &name)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", ErrNotFound
	case err != nil:
		return "", err
	case purged.Valid:
		return "", ErrRawPurged
	}
	return name.String, nil
}

// openRawFile opens the file a message's record names. A file that is not
// there was purged since rawSource read the record (a CLI reading while
// the daemon's retention runs), or is lost: that is said loudly.
func (s *Store) openRawFile(ctx context.Context, messageRef int64, name string) (*os.File, error) {
	f, err := s.raw.open(name)
	if !errors.Is(err, fs.ErrNotExist) {
		return f, err
	}
	if _, again := s.rawSource(ctx, messageRef); errors.Is(again, ErrRawPurged) {
		return nil, ErrRawPurged
	}
	s.log.ErrorContext(ctx, "raw file of a message is missing: its bytes are lost",
		"message", messageRef, "error", err)
	return nil, fmt.Errorf("%w: %w", ErrRawMissing, err)
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
// (retention purged them, their file is lost, or the record is missing).
// A delivery that is a message of its own (an invitation's reminder, a
// notice) never reads them and is made all the same; one that reads them
// (a forwarded copy) fails for good, with missing as its error.
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
// processed records stay: they are the dedupe set. A message's file is
// unnamed in the transaction and removed after its commit: a crash in
// between leaves a file no row names, which the daemon's next start
// removes (sweepRaw).
func (s *Store) PurgeRaw(ctx context.Context, olderThan time.Duration) (int, error) {
	cutoff := s.micros(s.now().Add(-olderThan))
	var purged []purgeableRaw
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if purged, err = s.purgeable(ctx, tx, cutoff); err != nil {
			return err
		}
		for _, p := range purged {
			if err := s.purgeTx(ctx, tx, p.id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge raw messages: %w", err)
	}
	for _, p := range purged {
		if p.file != "" {
			s.raw.remove(p.file)
		}
	}
	return len(purged), nil
}

// purgeTx deletes a message's chunks (SQLite's older messages have them
// too) and marks it purged, its file no longer named.
func (s *Store) purgeTx(ctx context.Context, tx *sql.Tx, id int64) error {
	if _, err := tx.ExecContext(ctx, s.q("DELETE FROM raw_chunks WHERE message_ref = ?"), id); err != nil {
		return fmt.Errorf("delete raw of message %d: %w", id, err)
	}
	mark := "UPDATE messages SET raw_purged_at = ? WHERE id = ?"
	if s.raw != nil {
		mark = "UPDATE messages SET raw_purged_at = ?, raw_file = NULL WHERE id = ?"
	}
	if _, err := tx.ExecContext(ctx, s.q(mark), s.micros(s.now()), id); err != nil {
		return fmt.Errorf("mark message %d purged: %w", id, err)
	}
	return nil
}

// purgeableRaw is a message whose bytes retention removes, and their file
// ("" when they are in raw_chunks).
type purgeableRaw struct {
	id   int64
	file string
}

func (s *Store) purgeable(ctx context.Context, tx *sql.Tx, cutoff int64) ([]purgeableRaw, error) {
	file := "NULL"
	if s.raw != nil {
		file = "m.raw_file"
	}
	rows, err := tx.QueryContext(ctx, s.q(`SELECT m.id, `+file+` FROM messages m
		WHERE m.received_at < ? AND m.raw_purged_at IS NULL
		AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_ref = m.id AND d.state = 'pending')
		AND NOT EXISTS (SELECT 1 FROM held h WHERE h.message_ref = m.id AND h.state = 'held')
		AND NOT EXISTS (SELECT 1 FROM pending_items p WHERE p.message_ref = m.id
			AND p.state IN ('pending', 'held'))`), cutoff)
	if err != nil {
		return nil, fmt.Errorf("list purgeable messages: %w", err)
	}
	defer rows.Close()
	var out []purgeableRaw
	for rows.Next() {
		var p purgeableRaw
		var file sql.NullString
		if err := rows.Scan(&p.id, &file); err != nil {
			return nil, fmt.Errorf("scan purgeable message: %w", err)
		}
		p.file = file.String
		out = append(out, p)
	}
	return out, rows.Err()
}
