package queue

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// maxSecretSize bounds a key: an HMAC key longer than the hash's block
// is hashed down anyway, so nothing useful is larger.
const maxSecretSize = 1024

// Secret returns the current key called name, creating a random one of
// size bytes on first use. Keys live in the store, so every instance and
// every restart signs and verifies tokens alike. size is the size at
// creation: an existing key of another size is an error, never silently
// truncated or extended.
func (s *Store) Secret(ctx context.Context, name string, size int) ([]byte, error) {
	if err := checkSecretSize(size); err != nil {
		return nil, fmt.Errorf("get secret %s: %w", name, err)
	}
	var key []byte
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		key, err = s.ensureSecretTx(ctx, tx, name, size)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get secret %s: %w", name, err)
	}
	if len(key) != size {
		return nil, fmt.Errorf("get secret %s: stored key has %d bytes, want %d", name, len(key), size)
	}
	return key, nil
}

// ensureSecretTx reads the current key, creating generation 1 if there is
// none. Two instances creating it at once both end with the one stored:
// the loser's insert does nothing and it reads the winner's key.
func (s *Store) ensureSecretTx(ctx context.Context, tx *sql.Tx, name string, size int) ([]byte, error) {
	key, _, err := s.currentSecretTx(ctx, tx, name)
	if !errors.Is(err, ErrNotFound) {
		return key, err
	}
	fresh, err := s.freshSecret(name, 1, size)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO secrets (name, generation, secret, created_at)
		VALUES (?, 1, ?, ?) ON CONFLICT DO NOTHING`), name, fresh, s.micros(s.now())); err != nil {
		return nil, fmt.Errorf("create key: %w", err)
	}
	key, _, err = s.currentSecretTx(ctx, tx, name)
	return key, err
}

func (s *Store) currentSecretTx(ctx context.Context, tx *sql.Tx, name string) ([]byte, int, error) {
	var key []byte
	var gen int
	err := tx.QueryRowContext(ctx, s.q(`SELECT secret, generation FROM secrets
		WHERE name = ? ORDER BY generation DESC LIMIT 1`), name).Scan(&key, &gen)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, fmt.Errorf("read key: %w", err)
	}
	if key, err = s.wrap.open(name, gen, key); err != nil {
		return nil, 0, fmt.Errorf("read key: %w", err)
	}
	return key, gen, nil
}

// SecretRetention is how long a key still verifies after it was replaced:
// longer than any token lives (unsubscribe links: a year; VERP tokens: 30
// days and a grace), so that a token signed with it stays valid until it
// expires, however often keys rotate.
const SecretRetention = 400 * 24 * time.Hour

// RotateSecret replaces the current key called name by a new random one
// of size bytes and returns it. The keys it replaces stay listed by
// SecretKeys for SecretRetention, so tokens signed before the rotation
// keep verifying until they expire; keys replaced longer ago are deleted.
// Two rotations racing make one.
func (s *Store) RotateSecret(ctx context.Context, name string, size int) ([]byte, error) {
	if err := checkSecretSize(size); err != nil {
		return nil, fmt.Errorf("rotate secret %s: %w", name, err)
	}
	var key []byte
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		key, err = s.rotateSecretTx(ctx, tx, name, size)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("rotate secret %s: %w", name, err)
	}
	return key, nil
}

func (s *Store) rotateSecretTx(ctx context.Context, tx *sql.Tx, name string, size int) ([]byte, error) {
	_, gen, err := s.currentSecretTx(ctx, tx, name)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	fresh, err := s.freshSecret(name, gen+1, size)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO secrets (name, generation, secret, created_at)
		VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`), name, gen+1, fresh, s.micros(s.now())); err != nil {
		return nil, fmt.Errorf("store new key: %w", err)
	}
	// A key is retired once its successor (generation + 1) is older than
	// the retention.
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM secrets WHERE name = ? AND generation IN
		(SELECT generation - 1 FROM secrets WHERE name = ? AND created_at < ?)`),
		name, name, s.micros(s.now().Add(-SecretRetention))); err != nil {
		return nil, fmt.Errorf("delete old keys: %w", err)
	}
	key, _, err := s.currentSecretTx(ctx, tx, name)
	return key, err
}

// SecretKeys lists the keys called name that still verify, newest first:
// the current one, then each older one replaced less than SecretRetention
// ago. It creates nothing: a name never used has no keys.
func (s *Store) SecretKeys(ctx context.Context, name string) ([][]byte, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT secret, generation, created_at FROM secrets WHERE name = ?
		ORDER BY generation DESC`), name)
	if err != nil {
		return nil, fmt.Errorf("list keys of secret %s: %w", name, err)
	}
	defer rows.Close()
	cutoff := s.micros(s.now().Add(-SecretRetention))
	var keys [][]byte
	replacedAt := int64(-1) // creation of the key that replaced this one; -1: none
	for rows.Next() {
		var k []byte
		var gen int
		var created int64
		if err := rows.Scan(&k, &gen, &created); err != nil {
			return nil, fmt.Errorf("scan key of secret %s: %w", name, err)
		}
		if replacedAt >= 0 && replacedAt < cutoff {
			break
		}
		if k, err = s.wrap.open(name, gen, k); err != nil {
			return nil, fmt.Errorf("list keys of secret %s: %w", name, err)
		}
		keys, replacedAt = append(keys, k), created
	}
	return keys, rows.Err()
}

func checkSecretSize(size int) error {
	if size <= 0 || size > maxSecretSize {
		return fmt.Errorf("key size %d out of range 1..%d", size, maxSecretSize)
	}
	return nil
}

// freshSecret is a new random key of size bytes as the secrets table
// stores it: sealed when the store has a wrap key.
func (s *Store) freshSecret(name string, gen, size int) ([]byte, error) {
	key, err := randomKey(size)
	if err != nil {
		return nil, err
	}
	return s.wrap.seal(name, gen, key)
}

func randomKey(size int) ([]byte, error) {
	b := make([]byte, size)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	return b, nil
}
