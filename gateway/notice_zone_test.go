package gateway

import (
	"regexp"
	"testing"
	"time"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue/queuetest"
)

// TestModerationNoticeInDisplayZone: the moderation request says when the
// held message expires in Config.Location (display_timezone), labelled.
func TestModerationNoticeInDisplayZone(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skip("no zoneinfo on this host")
	}
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.cfg.Location = tokyo
	p.setRules(t, moderatedRules)
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(3, "someone@unknown.example.com", "Regional consultation")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	got := relayedTo(p, "mod@bureau.example.org")
	if len(got) == 0 {
		t.Fatal("no moderation request")
	}
	expires := regexp.MustCompile(`Expires: +\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d JST\r\n`)
	if !expires.Match(got[0].Data) {
		t.Fatalf("the request's expiry is not in JST:\n%s", got[0].Data)
	}
}
