package queue

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"
)

func TestSecretCreatedOnceSharedAndRotated(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		clock := newClock()
		a, b := openTest(t, dsn, Options{Now: clock.Now}), openTest(t, dsn, Options{Now: clock.Now})
		ctx := context.Background()
		keys := make([][]byte, 4)
		var wg sync.WaitGroup
		for i := range keys {
			s := []*Store{a, b}[i%2]
			wg.Go(func() {
				var err error
				if keys[i], err = s.Secret(ctx, "reply-token", 32); err != nil {
					t.Errorf("Secret: %v", err)
				}
			})
		}
		wg.Wait()
		for i, k := range keys {
			if len(k) != 32 || !bytes.Equal(k, keys[0]) {
				t.Fatalf("key %d = %x, want the 32 bytes every caller got first (%x)", i, k, keys[0])
			}
		}
		if other, _ := a.Secret(ctx, "moderation-token", 32); bytes.Equal(other, keys[0]) {
			t.Error("two secret names share one key")
		}
		if _, err := a.Secret(ctx, "reply-token", 16); err == nil {
			t.Error("Secret with another size than the stored key succeeded")
		}
		checkRotation(t, a, b, keys[0], clock)
	})
}

func checkRotation(t *testing.T, a, b *Store, first []byte, clock *testClock) {
	t.Helper()
	ctx := context.Background()
	second, err := a.RotateSecret(ctx, "reply-token", 32)
	if err != nil || bytes.Equal(second, first) || len(second) != 32 {
		t.Fatalf("RotateSecret = %x, %v; want a new 32-byte key", second, err)
	}
	if cur, _ := b.Secret(ctx, "reply-token", 32); !bytes.Equal(cur, second) {
		t.Errorf("Secret after rotation = %x, want the new key %x", cur, second)
	}
	assertKeys(t, b, second, first)
	third, err := b.RotateSecret(ctx, "reply-token", 32)
	if err != nil {
		t.Fatal(err)
	}
	// Issue 9: tokens signed with older keys stay valid until they expire,
	// however often keys rotate.
	assertKeys(t, a, third, second, first)
	clock.Add(SecretRetention + time.Hour)
	fourth, err := a.RotateSecret(ctx, "reply-token", 32)
	if err != nil {
		t.Fatal(err)
	}
	// third was replaced just now; second and first were replaced longer
	// ago than any token lives.
	assertKeys(t, b, fourth, third)
}

func assertKeys(t *testing.T, s *Store, want ...[]byte) {
	t.Helper()
	got, err := s.SecretKeys(context.Background(), "reply-token")
	if err != nil || len(got) != len(want) {
		t.Fatalf("SecretKeys = %d keys, %v; want %d", len(got), err, len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Errorf("SecretKeys[%d] = %x, want %x", i, got[i], want[i])
		}
	}
}

func TestSecretRejectsBadSizesAndListsNothingUnused(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		for _, size := range []int{0, -1, maxSecretSize + 1} {
			if _, err := s.Secret(ctx, "x", size); err == nil {
				t.Errorf("Secret of size %d succeeded", size)
			}
		}
		if keys, err := s.SecretKeys(ctx, "never-used"); err != nil || len(keys) != 0 {
			t.Errorf("SecretKeys of an unused name = %d keys, %v; want none", len(keys), err)
		}
		if key, err := s.RotateSecret(ctx, "fresh", 32); err != nil || len(key) != 32 {
			t.Errorf("RotateSecret of an unused name = %x, %v; want a first key", key, err)
		}
	})
}
