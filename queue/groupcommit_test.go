package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// groupTestWorks starts a work that holds its transaction until release
// is closed, then, while it holds it, n works that each insert their
// number into group_test (the one numbered fail also returns an error
// after its insert), and waits until those n are queued behind the first
// the store's group. It returns each work's result, by number (the first is 0).
func groupTestWorks(t *testing.T, s *Store, n, fail int) []error {
	t.Helper()
	ctx := context.Background()
	if _, err := s.db.ExecContext(ctx, "CREATE TABLE group_test (n INTEGER NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	insert := func(i int) func(tx *sql.Tx) error {
		return func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO group_test (n) VALUES (?)"), i); err != nil {
				return err
			}
			if i == fail {
				return fmt.Errorf("work %d fails", i)
			}
			return nil
		}
	}
	results := make([]error, n+1)
	release, holding := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		results[0] = s.inGroupTx(ctx, func(tx *sql.Tx) error {
			close(holding)
			<-release
			return insert(0)(tx)
		})
	})
	<-holding
	for i := 1; i <= n; i++ {
		wg.Go(func() { results[i] = s.inGroupTx(ctx, insert(i)) })
	}
	waitQueuedInGroup(t, s, n)
	close(release)
	wg.Wait()
	return results
}

// waitQueuedInGroup waits until n works are queued for the next group.
func waitQueuedInGroup(t *testing.T, s *Store, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d works queued for the next group", n), func() (bool, error) {
		s.group.mu.Lock()
		defer s.group.mu.Unlock()
		return len(s.group.pending) == n, nil
	})
}

// TestGroupCommitSharesOneTransaction: works that arrive while
// a group is being committed are committed together in the next one, and
// each caller sees its own work committed.
func TestGroupCommitSharesOneTransaction(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		const n = 5
		for i, err := range groupTestWorks(t, s, n, -1) {
			if err != nil {
				t.Errorf("work %d: %v", i, err)
			}
		}
		if got := count(t, s, "SELECT count(*) FROM group_test"); got != n+1 {
			t.Errorf("%d rows committed, want %d", got, n+1)
		}
		if s.group.groups != 2 {
			t.Errorf("%d groups committed, want 2: the first work alone, then the %d queued behind it", s.group.groups, n)
		}
	})
}

// TestGroupCommitKeepsOneWorksFailureToItself: a work that fails in a
// group gets its own error and leaves nothing behind; the others of its
// group are committed all the same.
func TestGroupCommitKeepsOneWorksFailureToItself(t *testing.T) {
	forEachBackend(t, func(t *testing.T, dsn string) {
		s := openTest(t, dsn, Options{})
		const n, fail = 5, 3
		for i, err := range groupTestWorks(t, s, n, fail) {
			if i == fail {
				if err == nil || errors.Is(err, errLeadNext) {
					t.Errorf("failing work %d: %v, want its own error", i, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("work %d: %v", i, err)
			}
		}
		if got := count(t, s, "SELECT count(*) FROM group_test"); got != n {
			t.Errorf("%d rows committed, want %d (all but the failing work's)", got, n)
		}
		if got := count(t, s, "SELECT count(*) FROM group_test WHERE n = ?", fail); got != 0 {
			t.Errorf("the failing work's row was committed")
		}
	})
}
