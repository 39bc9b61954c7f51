package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestRunLogsOneStructuredLinePerEvent runs one pass with JSON logs: every
// line is JSON (the config's warnings included), each delivery is logged
// once, River's INFO chatter is not there, and counts are not Go maps.
func TestRunLogsOneStructuredLinePerEvent(t *testing.T) {
	_, config := cliWorld(t, "caucuses:\n  - {id: gender, name: Gender Caucus, address: gender@example.net}\n"+
		"rules:\n  - name: itu\n    when: {from: \"*@itu.int\"}\n    forward: [gender]\n",
		"From: events@itu.int\r\nSubject: Invitation\r\nMessage-ID: <l1@itu.int>\r\n\r\nbody\r\n")
	src, _ := os.ReadFile(config)
	write(t, config, string(src)+"public_url: http://example.org/u\n") // a warning: public_url without public_listen
	status, _, stderr := runCLI(t, "run", "-config", config, "-once", "-log-format", "json")
	if status != 0 {
		t.Fatalf("status %d:\n%s", status, stderr)
	}
	delivered := 0
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("not JSON: %s", line)
			continue
		}
		if rec["msg"] == "delivered" {
			delivered++
		}
		if strings.Contains(line, "map[") {
			t.Errorf("a Go map in the log: %s", line)
		}
		if rec["level"] == "INFO" && strings.Contains(strings.ToLower(line), "river") {
			t.Errorf("River at INFO: %s", line)
		}
	}
	if !strings.Contains(stderr, `"msg":"config problem"`) {
		t.Errorf("the config warning is not a JSON record:\n%s", stderr)
	}
	if delivered != 1 {
		t.Errorf("%d \"delivered\" records for one delivery:\n%s", delivered, stderr)
	}
	if status, _, stderr := runCLI(t, "run", "-config", config, "-once", "-log-level", "loud"); status != 2 || !strings.Contains(stderr, "-log-level") {
		t.Errorf("-log-level loud: status %d %s", status, stderr)
	}
}
