package queue

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
)

// Token keys at rest (issue 9): with Options.WrapKey set, every key in the
// secrets table is stored sealed with AES-256-GCM under that key-encryption
// key. A sealed value starts with wrapPrefix, a version marker no schema
// change is needed for; any other value is a plaintext key from before
// wrapping (a random key starting with the 8-byte prefix has odds 2^-64).
// The row's name and generation are the additional data, so a sealed key
// moved to another row does not open.

// WrapKeySize is the size of Options.WrapKey: an AES-256 key.
const WrapKeySize = 32

// wrapPrefix marks a sealed key, version 1: nonce (12 bytes), then the
// GCM ciphertext and tag.
var wrapPrefix = []byte("cgwrap1:")

// ErrWrongWrapKey is Open's error when the stored keys were sealed under
// another key than Options.WrapKey. Open never replaces them: tokens
// already sent would stop verifying.
var ErrWrongWrapKey = errors.New("the token keys in the store were wrapped with another wrap key")

// ErrWrapKeyMissing is Open's error when the stored keys are sealed and
// Options.WrapKey is not set.
var ErrWrapKeyMissing = errors.New("the token keys in the store are wrapped and no wrap key was given")

// keyWrapper seals and opens keys; a nil aead stores them as they are.
type keyWrapper struct {
	aead cipher.AEAD
}

func newKeyWrapper(key []byte) (keyWrapper, error) {
	if key == nil {
		return keyWrapper{}, nil
	}
	if len(key) != WrapKeySize {
		return keyWrapper{}, fmt.Errorf("wrap key has %d bytes, want %d", len(key), WrapKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return keyWrapper{}, fmt.Errorf("wrap key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return keyWrapper{}, fmt.Errorf("wrap key: %w", err)
	}
	return keyWrapper{aead: aead}, nil
}

func isWrapped(blob []byte) bool { return bytes.HasPrefix(blob, wrapPrefix) }

func wrapAAD(name string, gen int) []byte {
	return []byte("caucusgate secret " + strconv.Itoa(gen) + " " + name)
}

// seal is what the secrets table stores for key.
func (w keyWrapper) seal(name string, gen int, key []byte) ([]byte, error) {
	if w.aead == nil {
		return key, nil
	}
	nonce := make([]byte, w.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("wrap key: %w", err)
	}
	out := append(bytes.Clone(wrapPrefix), nonce...)
	return w.aead.Seal(out, nonce, key, wrapAAD(name, gen)), nil
}

// open is the key a stored value holds.
func (w keyWrapper) open(name string, gen int, blob []byte) ([]byte, error) {
	if !isWrapped(blob) {
		return blob, nil
	}
	if w.aead == nil {
		return nil, ErrWrapKeyMissing
	}
	rest := blob[len(wrapPrefix):]
	n := w.aead.NonceSize()
	if len(rest) < n+w.aead.Overhead() {
		return nil, fmt.Errorf("unwrap key: sealed value too short (%d bytes)", len(blob))
	}
	key, err := w.aead.Open(nil, rest[:n], rest[n:], wrapAAD(name, gen))
	if err != nil {
		return nil, ErrWrongWrapKey
	}
	return key, nil
}

// storedSecret is one row of the secrets table.
type storedSecret struct {
	name string
	gen  int
	blob []byte
}

// checkKeyWrap runs at Open: every stored key must open with the wrap key
// given (or be plaintext when none is), and with a wrap key, plaintext
// keys are sealed now. Two instances sealing at once both succeed: an
// update only replaces the plaintext value it read.
func (s *Store) checkKeyWrap(ctx context.Context) error {
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := s.readSecretsTx(ctx, tx)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := s.upgradeSecretTx(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("open token keys: %w", err)
	}
	return nil
}

func (s *Store) readSecretsTx(ctx context.Context, tx *sql.Tx) ([]storedSecret, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name, generation, secret FROM secrets`)
	if err != nil {
		return nil, fmt.Errorf("read keys: %w", err)
	}
	defer rows.Close()
	var out []storedSecret
	for rows.Next() {
		var r storedSecret
		if err := rows.Scan(&r.name, &r.gen, &r.blob); err != nil {
			return nil, fmt.Errorf("read keys: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *Store) upgradeSecretTx(ctx context.Context, tx *sql.Tx, r storedSecret) error {
	if isWrapped(r.blob) {
		if _, err := s.wrap.open(r.name, r.gen, r.blob); err != nil {
			return fmt.Errorf("key %s generation %d: %w", r.name, r.gen, err)
		}
		return nil
	}
	if s.wrap.aead == nil {
		return nil
	}
	sealed, err := s.wrap.seal(r.name, r.gen, r.blob)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE secrets SET secret = ?
		WHERE name = ? AND generation = ? AND secret = ?`), sealed, r.name, r.gen, r.blob); err != nil {
		return fmt.Errorf("wrap key %s generation %d: %w", r.name, r.gen, err)
	}
	return nil
}
