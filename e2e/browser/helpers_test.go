package browser

import (
	"net"
	"testing"
)

// The helpers the browser test shares with cmd/caucusgate's real-server
// suite and the chaos runs (building and running the binary, its config,
// the bureau's stack) are in caucusgate/internal/e2ehelp.

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
