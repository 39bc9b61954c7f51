package queue

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"caucusgate/queue/queuetest"
)

// TestPostgresPoolKeepsWritersConnections: as many transactions at once as
// River's workers and the hand-off's senders make find their connections
// kept between uses, not closed and opened again each time (a new
// PostgreSQL connection forks a server process and prepares every
// statement anew: with database/sql's default of 2 idle connections,
// forwarding on PostgreSQL ran at a third of SQLite's rate).
func TestPostgresPoolKeepsWritersConnections(t *testing.T) {
	for _, backend := range queuetest.DSNs(t) {
		if backend.Name != "postgres" {
			continue
		}
		const workers = 8
		s := openTest(t, backend.DSN, Options{Workers: workers})
		ctx := context.Background()
		for range 3 {
			var wg sync.WaitGroup
			for range 2 * workers {
				wg.Go(func() {
					err := s.inTx(ctx, func(tx *sql.Tx) error {
						_, err := tx.ExecContext(ctx, "SELECT pg_sleep(0.05)")
						return err
					})
					if err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
		}
		if closed := s.db.Stats().MaxIdleClosed; closed > 0 {
			t.Errorf("%d connections closed for want of room in the idle pool, want 0", closed)
		}
	}
}
