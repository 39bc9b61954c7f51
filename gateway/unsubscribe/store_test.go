package unsubscribe

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"caucusgate/queue"
)

var _ Store = (*queue.Store)(nil)

// TestQueueStore runs the one-click POST against the real store, on
// SQLite: two POSTs leave one unsubscription, at the first time, with the
// member in lower case as the store compares them.
func TestQueueStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, err := queue.Open(ctx, queue.Options{DSN: filepath.Join(t.TempDir(), "caucusgate.db")})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { store.Close() })
	cfg := testConfig(t, store)
	clock := now
	cfg.Now = func() time.Time { return clock }
	h := NewHandler(cfg)
	_, link := Links(cfg, "education", "Bo@Example.org", "bureau@example.org")
	for range 2 {
		if w := postOneClick(h, "/u/"+tokenOf(t, link)); w.Code != http.StatusOK {
			t.Fatalf("POST: status %d, body %q", w.Code, w.Body)
		}
		clock = clock.Add(time.Hour)
	}
	got, err := store.Unsubscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Caucus != "education" || got[0].Member != "bo@example.org" || !got[0].At.Equal(now) {
		t.Errorf("Unsubscriptions = %+v, want education/bo@example.org at %v", got, now)
	}
}
