package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func get(t *testing.T, url, user, password string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

// TestDaemonServesAdminAndMetrics runs the daemon in-process: the admin
// page lists the held message behind the login, /metrics counts what was
// delivered, and the health endpoints answer without a login.
func TestDaemonServesAdminAndMetrics(t *testing.T) {
	msg := func(n int, from, subject string) string {
		return fmt.Sprintf("From: %s\r\nSubject: %s\r\nMessage-ID: <d%d@x>\r\n\r\nbody\r\n", from, subject, n)
	}
	world, config := cliWorld(t, `caucuses:
  - {id: gender, name: Gender Caucus, address: gender@example.net}
  - {id: education, name: Education Caucus, address: education@example.net}
bureau:
  moderators: [mod@example.org]
rules:
  - name: hold-strangers
    when: {from: "*@strangers.example"}
    hold: true
    stop: true
  - name: itu
    when: {from: "*@itu.int"}
    forward: [gender, education]
`, msg(1, "events@itu.int", "Invitation one"), msg(2, "events@itu.int", "Invitation two"), msg(3, "x@strangers.example", "Held <b>subject</b>"))
	addr := freeAddr(t)
	src, _ := os.ReadFile(config)
	write(t, config, string(src)+fmt.Sprintf("listen: %s\nadmin:\n  username: admin\n  password_env: ADMIN_PW\n", addr))
	t.Setenv("ADMIN_PW", "s3cret")
	ctx, cancel := context.WithCancel(context.Background())
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- runMain(ctx, []string{"run", "-config", config}, io.Discard, &stderr) }()
	defer func() {
		cancel()
		if status := <-done; status != 0 {
			t.Errorf("daemon exit status %d:\n%s", status, stderr.String())
		}
	}()
	base := "http://" + addr
	waitFor(t, "the admin listener", func() bool { s, _, _ := get(t, base+"/healthz", "", ""); return s == 200 })
	// 4 copies (2 invitations x 2 caucuses) and 1 moderation request.
	waitFor(t, "the deliveries", func() bool { return len(world.Received()) >= 5 })
	waitFor(t, "the metrics to count them", func() bool {
		_, _, body := get(t, base+"/metrics", "", "")
		return strings.Contains(body, `caucusgate_deliveries_total{result="sent"} 5`)
	})
	_, _, metrics := get(t, base+"/metrics", "", "")
	for _, want := range []string{`caucusgate_messages_decided_total{decision="forward"} 2`, `caucusgate_messages_decided_total{decision="hold"} 1`,
		`caucusgate_messages_fetched_total{account="bureau",mailbox="INBOX"} 3`,
		// A good start is a good load, with the version in force, before any reload.
		"caucusgate_rules_last_reload_success 1", `caucusgate_rules_info{version="`, `caucusgate_rules_reloads_total{result="ok"} 0`,
		`caucusgate_build_info{goversion="go1.`, `caucusgate_imap_reconnects_total{account="bureau",mailbox="INBOX",reason="network"} 0`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, line := range strings.Split(metrics, "\n") {
		if line != "" && !strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "caucusgate_") {
			t.Errorf("metric not named caucusgate_...: %s", line)
		}
	}
	status, header, _ := get(t, base+"/", "", "")
	if status != 401 || !strings.HasPrefix(header.Get("WWW-Authenticate"), "Basic") {
		t.Errorf("/ without login: %d %q", status, header.Get("WWW-Authenticate"))
	}
	status, _, page := get(t, base+"/", "admin", "s3cret")
	if status != 200 || !strings.Contains(page, "Held &lt;b&gt;subject&lt;/b&gt;") {
		t.Errorf("/ with login: %d, held subject escaped in page: %v", status, strings.Contains(page, "Held &lt;b&gt;"))
	}
	if s, _, body := get(t, base+"/readyz", "", ""); s != 200 {
		t.Errorf("/readyz %d: %s", s, body)
	}
}
