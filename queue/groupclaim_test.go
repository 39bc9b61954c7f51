package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
)

// TestSendersClaimsShareACommit: claims that senders make while a group
// is being committed are committed together; each sender gets its own
// delivery, once, and a claim of a delivery already taken is refused
// without spoiling the others'. When another work of the group fails, the
// group is rolled back and every claim is made again on its own, with the
// same outcome.
func TestSendersClaimsShareACommit(t *testing.T) {
	for _, failing := range []bool{false, true} {
		t.Run(fmt.Sprintf("a failing work in the group: %v", failing), func(t *testing.T) {
			forEachBackend(t, func(t *testing.T, dsn string) {
				testSendersClaimsShareACommit(t, dsn, failing)
			})
		})
	}
}

func testSendersClaimsShareACommit(t *testing.T, dsn string, failing bool) {
	s := openTest(t, dsn, Options{})
	ctx := context.Background()
	begin(t, s, 7, 0)
	var ids []int64
	for uid := uint32(1); uid <= 4; uid++ {
		ids = append(ids, intake(t, s, 7, message(uid, fmt.Sprintf("<m%d@x>", uid), "invitation", "gender"))[0].DeliveryIDs[0])
	}
	taken := ids[3]
	if _, _, ok, err := s.claimHandedOff(ctx, taken); err != nil || !ok {
		t.Fatalf("first claim of delivery %d = %v, %v", taken, ok, err)
	}

	groupsBefore := s.group.groups
	release, holding := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		_ = s.inGroupTx(ctx, func(*sql.Tx) error { close(holding); <-release; return nil })
	})
	<-holding
	claimed := make([]bool, len(ids))
	errs := make([]error, len(ids))
	for i, id := range ids {
		wg.Go(func() {
			var d Delivery
			d, _, claimed[i], errs[i] = s.claimHandedOff(ctx, id)
			if claimed[i] && d.ID != id {
				t.Errorf("claim of delivery %d loaded delivery %d", id, d.ID)
			}
		})
	}
	queued := len(ids)
	var workErr error
	if failing {
		queued++
		wg.Go(func() { workErr = s.inGroupTx(ctx, func(*sql.Tx) error { return errors.New("fails") }) })
	}
	waitQueuedInGroup(t, s, queued)
	close(release)
	wg.Wait()

	if failing && workErr == nil {
		t.Error("the failing work succeeded")
	}
	for i, id := range ids {
		if errs[i] != nil {
			t.Errorf("claim of delivery %d: %v", id, errs[i])
		}
		if want := id != taken; claimed[i] != want {
			t.Errorf("claim of delivery %d = %v, want %v", id, claimed[i], want)
		}
		if row := readDelivery(t, s, id); row.Started != 1 {
			t.Errorf("delivery %d: %d attempts started, want 1", id, row.Started)
		}
	}
	if got := count(t, s, "SELECT count(*) FROM river_job WHERE state = 'running'"); got != len(ids) {
		t.Errorf("%d jobs running, want %d (one a delivery)", got, len(ids))
	}
	if got := s.group.groups - groupsBefore; got != 2 {
		t.Errorf("%d groups committed, want 2: the holding work's, then the claims'", got)
	}
}
