package main

import (
	"bytes"
	"context"
	"io"
	"testing"
	"time"
)

// A stop asked for at any moment of the daemon's start (SIGTERM while it
// opens its store, claims its leases or loads its token keys) is a clean
// stop: exit 0, as CONTRACT.md says of SIGINT and SIGTERM. It exited 1
// with "claim store: release slot claims: context canceled".
func TestStopDuringStartExitsZero(t *testing.T) {
	_, config := cliWorld(t, `caucuses:
  - {id: gender, name: Gender Caucus, address: gender@example.net}
rules:
  - name: itu
    when: {from: "*@itu.int"}
    forward: [gender]
`)
	for _, after := range []time.Duration{0, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 100 * time.Millisecond} {
		ctx, cancel := context.WithCancel(context.Background())
		if after == 0 {
			cancel()
		} else {
			time.AfterFunc(after, cancel)
		}
		var stderr bytes.Buffer
		if code := runMain(ctx, []string{"run", "-config", config}, io.Discard, &stderr); code != 0 {
			t.Errorf("stopped %v into the start: exit %d, want 0; stderr:\n%s", after, code, stderr.String())
		}
		cancel()
	}
}
