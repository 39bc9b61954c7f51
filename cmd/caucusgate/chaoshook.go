//go:build chaoshook

package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"modernc.org/sqlite"
)

// Fault hooks for the chaos suite (internal/chaos), compiled only with
// -tags chaoshook: production builds have chaoshook_off.go instead, and no
// environment variable can reach these. Go reads the time through the vDSO,
// so libfaketime cannot skew it; the daemon's injectable clock can.
//
//	CAUCUSGATE_CHAOS_CLOCK_SKEW        a Go duration added to the daemon's clock
//	CAUCUSGATE_CHAOS_SQLITE_MAX_PAGES  PRAGMA max_page_count on every SQLite connection

// daemonClock returns the daemon's clock, skewed by
// CAUCUSGATE_CHAOS_CLOCK_SKEW, and installs the SQLite page limit.
func daemonClock() func() time.Time {
	installPageLimit(os.Getenv("CAUCUSGATE_CHAOS_SQLITE_MAX_PAGES"))
	skew, err := time.ParseDuration(os.Getenv("CAUCUSGATE_CHAOS_CLOCK_SKEW"))
	if err != nil || skew == 0 {
		return nil
	}
	fmt.Fprintf(os.Stderr, "chaoshook: clock skewed by %v\n", skew)
	return func() time.Time { return time.Now().Add(skew) }
}

// installPageLimit makes SQLite run out of space (SQLITE_FULL) once the
// store holds pages pages, as a full disk would, without mount privileges.
func installPageLimit(pages string) {
	n, err := strconv.Atoi(pages)
	if err != nil || n <= 0 {
		return
	}
	fmt.Fprintf(os.Stderr, "chaoshook: SQLite max_page_count %d\n", n)
	sqlite.RegisterConnectionHook(func(conn sqlite.ExecQuerierContext, _ string) error {
		_, err := conn.ExecContext(context.Background(), "PRAGMA max_page_count = "+strconv.Itoa(n), nil)
		return err
	})
}
