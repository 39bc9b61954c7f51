package queue

import (
	"context"
	"testing"
	"time"
)

// The start boundary survives a UIDVALIDITY change: the mailbox's first
// epoch's is the one in force.
func TestEpochStartBoundary(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		ctx := context.Background()
		start := time.Date(2026, 11, 1, 8, 30, 0, 0, time.UTC)
		if err := s.BeginEpoch(ctx, inbox, Epoch{UIDValidity: 7, LastUID: 40, Start: start}); err != nil {
			t.Fatal(err)
		}
		pos, err := s.Position(ctx, inbox, 9)
		if err != nil || pos.Known || !pos.AnyEpoch || !pos.Start.Equal(start) {
			t.Fatalf("Position(new uidvalidity) = %+v, %v; want the first epoch's start %v", pos, err, start)
		}
		if err := s.BeginEpoch(ctx, inbox, Epoch{UIDValidity: 9, FingerprintBelow: 50, Start: pos.Start}); err != nil {
			t.Fatal(err)
		}
		pos, err = s.Position(ctx, inbox, 9)
		if err != nil || !pos.Known || pos.FingerprintBelow != 50 || !pos.Start.Equal(start) || pos.Began.IsZero() {
			t.Fatalf("Position(reset epoch) = %+v, %v", pos, err)
		}
		other := MailboxKey{Account: "bureau", Mailbox: "All"}
		if err := s.BeginEpoch(ctx, other, Epoch{UIDValidity: 1}); err != nil {
			t.Fatal(err)
		}
		if pos, err := s.Position(ctx, other, 1); err != nil || !pos.Start.IsZero() {
			t.Errorf("start: all reads back as %v, %v; want no boundary", pos.Start, err)
		}
	})
}

func TestKnownFallbacks(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		begin(t, s, 7, 0)
		m := message(1, "<a@x>", "one", "gender")
		m.FallbackFingerprint = "fp-a"
		intake(t, s, 7, m)
		known, err := s.KnownFallbacks(context.Background(), inbox, 9, []string{"fp-a", "fp-b", ""})
		if err != nil || !known["fp-a"] || known["fp-b"] {
			t.Fatalf("KnownFallbacks = %v, %v; want fp-a only", known, err)
		}
		same, err := s.KnownFallbacks(context.Background(), inbox, 7, []string{"fp-a"})
		if err != nil || same["fp-a"] {
			t.Errorf("KnownFallbacks under the same UIDVALIDITY = %v, %v; want none", same, err)
		}
	})
}
