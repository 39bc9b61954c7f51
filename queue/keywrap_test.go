package queue

import (
	"bytes"
	"context"
	"errors"
	"testing"
)

func wrapKey(b byte) []byte { return bytes.Repeat([]byte{b}, WrapKeySize) }

// storedBlobs is what the secrets table holds for name, newest first.
func storedBlobs(t *testing.T, s *Store, name string) [][]byte {
	t.Helper()
	rows, err := s.db.QueryContext(context.Background(), s.q(`SELECT secret FROM secrets WHERE name = ?
		ORDER BY generation DESC`), name)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// assertSealed fails unless every stored value of name is sealed and
// holds none of keys in the clear.
func assertSealed(t *testing.T, s *Store, name string, keys ...[]byte) {
	t.Helper()
	blobs := storedBlobs(t, s, name)
	if len(blobs) == 0 {
		t.Fatalf("no stored keys called %s", name)
	}
	for i, b := range blobs {
		if !isWrapped(b) {
			t.Errorf("stored key %d of %s = %x, not sealed", i, name, b)
		}
		for _, k := range keys {
			if bytes.Contains(b, k) {
				t.Errorf("stored key %d of %s holds the key %x in the clear", i, name, k)
			}
		}
	}
}

func TestWrappedSecretsRoundTrip(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := openTest(t, dsn, Options{WrapKey: wrapKey(1)})
		first, err := a.Secret(ctx, "reply-token", 32)
		if err != nil {
			t.Fatal(err)
		}
		second, err := a.RotateSecret(ctx, "reply-token", 32)
		if err != nil {
			t.Fatal(err)
		}
		// Issue 9: the token master key must not sit in the store in the clear.
		assertSealed(t, a, "reply-token", first, second)
		b := openTest(t, dsn, Options{WrapKey: wrapKey(1)})
		if cur, err := b.Secret(ctx, "reply-token", 32); err != nil || !bytes.Equal(cur, second) {
			t.Errorf("Secret after reopening = %x, %v; want %x", cur, err, second)
		}
		assertKeys(t, b, second, first)
	})
}

func TestPlaintextSecretsAreWrappedAtOpen(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		plain := openTest(t, dsn, Options{})
		first, err := plain.Secret(ctx, "reply-token", 32)
		if err != nil {
			t.Fatal(err)
		}
		second, err := plain.RotateSecret(ctx, "reply-token", 32)
		if err != nil {
			t.Fatal(err)
		}
		if blobs := storedBlobs(t, plain, "reply-token"); !bytes.Equal(blobs[0], second) {
			t.Fatalf("without a wrap key the stored key = %x, want the key itself %x", blobs[0], second)
		}
		wrapped := openTest(t, dsn, Options{WrapKey: wrapKey(2)})
		assertSealed(t, wrapped, "reply-token", first, second)
		assertKeys(t, wrapped, second, first)
		third, err := wrapped.RotateSecret(ctx, "reply-token", 32)
		if err != nil {
			t.Fatal(err)
		}
		assertSealed(t, wrapped, "reply-token", first, second, third)
		assertKeys(t, wrapped, third, second, first)
	})
}

func TestWrongWrapKeyFailsOpen(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		a := openTest(t, dsn, Options{WrapKey: wrapKey(3)})
		key, err := a.Secret(ctx, "reply-token", 32)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name string
			wrap []byte
			want error
		}{
			{"other key", wrapKey(4), ErrWrongWrapKey},
			{"no key", nil, ErrWrapKeyMissing},
		} {
			s, err := Open(ctx, Options{DSN: dsn, WrapKey: tc.wrap})
			if err == nil {
				s.Close()
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("%s: Open = %v, want %v", tc.name, err, tc.want)
			}
		}
		// Never silently new keys: the stored key is still the one.
		b := openTest(t, dsn, Options{WrapKey: wrapKey(3)})
		assertKeys(t, b, key)
	})
}

func TestWrapKeyOfWrongSizeFailsOpen(t *testing.T) {
	dsn := t.TempDir() + "/q.db"
	if s, err := Open(context.Background(), Options{DSN: dsn, WrapKey: []byte("short")}); err == nil {
		s.Close()
		t.Fatal("Open with a 5-byte wrap key succeeded")
	}
}

func TestSealedKeyDoesNotOpenInAnotherRow(t *testing.T) {
	w, err := newKeyWrapper(wrapKey(5))
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := w.seal("reply-token", 1, []byte("0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := w.open("reply-token", 1, sealed); err != nil || string(got) != "0123456789abcdef" {
		t.Fatalf("open = %q, %v", got, err)
	}
	for _, row := range []struct {
		name string
		gen  int
	}{{"admin-csrf", 1}, {"reply-token", 2}} {
		if _, err := w.open(row.name, row.gen, sealed); !errors.Is(err, ErrWrongWrapKey) {
			t.Errorf("open as %s/%d = %v, want ErrWrongWrapKey", row.name, row.gen, err)
		}
	}
}
