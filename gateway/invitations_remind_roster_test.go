package gateway

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"caucusgate/queue"
	"caucusgate/queue/queuetest"
)

// TestReminderSentAfterRetentionPurgedTheInvitation: an invitation whose
// bytes retention purged (a deadline months away, retention 90 days) is
// still reminded: a reminder is a message of its own, composed from what
// the invitation's and its copies' records keep.
func TestReminderSentAfterRetentionPurgedTheInvitation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, c := remindedPipeline(t, queuetest.SQLite(t))
	ref, replyTo := forwardedWithDeadline(t, p)
	if err := p.store.SetInvitationDeadline(ctx, ref, time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC), "admin"); err != nil {
		t.Fatal(err)
	}
	p.cfg.Retention = time.Nanosecond
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	g.purge(ctx)
	if _, err := p.store.MessageRaw(ctx, ref); !errors.Is(err, queue.ErrRawPurged) {
		t.Fatalf("raw after retention: %v, want ErrRawPurged", err)
	}
	c.t = time.Date(2027, 1, 8, 9, 0, 0, 0, time.UTC) // 7 days before
	p.runOnce()
	got := reminders(p)
	if len(got) != 2 {
		t.Fatalf("reminders %v, want one to each list although the invitation's bytes are gone", recipientsOf(got))
	}
	for _, r := range got {
		if r.To[0] == "caucus-education@lists.example.net" {
			assertReminder(t, p, r, ref, replyTo["education"], "7d")
		}
	}
	rs, err := p.store.InvitationReminders(ctx, ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Sent != 1 || r.Failed != 0 {
			t.Errorf("reminder %+v, want its delivery sent, none failed", r)
		}
	}
}

const remindedRosterRules = `
caucuses:
  - id: gender
    name: Gender Caucus
    address: caucus-gender@lists.example.net
  - id: education
    name: Education Caucus
    members: [ana@example.net, bo@example.net, cy@example.net]
rules:
  - name: itu-invitations
    when: {from: "*@itu.int"}
    forward: [gender, education]
`

// TestRosterReminderReachesWhomAForwardWould: after the copies went out,
// bo unsubscribed from education and cy was disabled by bounces. The
// education reminder goes to ana alone, with a VERP envelope naming its
// own delivery, as her copy had, so that its bounce is charged to her; the
// list's reminder keeps the list's fixed envelope.
func TestRosterReminderReachesWhomAForwardWould(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, c := remindedPipeline(t, queuetest.SQLite(t))
	p.setRules(t, remindedRosterRules)
	ref := forwardedToRoster(t, p)
	if err := p.store.Unsubscribe(ctx, "education", "Bo@example.net", c.t); err != nil {
		t.Fatal(err)
	}
	disabled := queue.Bounce{Member: "cy@example.net", Caucus: "education", Class: queue.BounceHard, At: c.t,
		Scoring: &queue.BounceScoring{Threshold: 1}}
	if err := p.store.RecordBounce(ctx, disabled); err != nil {
		t.Fatal(err)
	}

	c.t = time.Date(2027, 1, 8, 9, 0, 0, 0, time.UTC) // 7 days before
	p.runOnce()
	var to []string
	for _, r := range reminders(p) {
		to = append(to, r.To...)
	}
	slices.Sort(to)
	if want := []string{"ana@example.net", "caucus-gender@lists.example.net"}; !slices.Equal(to, want) {
		t.Fatalf("reminded %v, want %v: bo unsubscribed, cy is disabled", to, want)
	}
	assertReminderEnvelopes(t, p)
	assertReminderBounceChargedToMember(t, p, ref)
}

// forwardedToRoster takes in an invitation to gender (a list) and
// education (a roster) and gives it a firm deadline, 15 January 2027.
func forwardedToRoster(t *testing.T, p *pipeline) int64 {
	t.Helper()
	ctx := context.Background()
	if err := p.world.Append("bureau@example.org", "INBOX", invitation(7, "events@itu.int", "Invitation to the forum")); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	list, err := p.store.ListInvitations(ctx, queue.InvitationFilter{})
	if err != nil || len(list) != 1 {
		t.Fatalf("invitations %+v, %v", list, err)
	}
	if err := p.store.SetInvitationDeadline(ctx, list[0].ID, time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC), "admin"); err != nil {
		t.Fatal(err)
	}
	return list[0].ID
}

// assertReminderEnvelopes: ana's reminder has a VERP envelope of its own
// (not her copy's, which names the copy); the list's reminder has the
// list copy's fixed envelope.
func assertReminderEnvelopes(t *testing.T, p *pipeline) {
	t.Helper()
	copyFrom := map[string]string{}
	for _, r := range p.world.Received() {
		if !strings.Contains(string(r.Data), "X-Caucusgate-Reminder:") {
			copyFrom[r.To[0]] = r.From
		}
	}
	for _, r := range reminders(p) {
		switch r.To[0] {
		case "ana@example.net":
			if !strings.HasPrefix(r.From, "bureau+") || !strings.HasSuffix(r.From, "@example.org") || r.From == copyFrom["ana@example.net"] {
				t.Errorf("ana's reminder envelope %q, want a VERP address of its own (her copy's is %q)", r.From, copyFrom["ana@example.net"])
			}
		case "caucus-gender@lists.example.net":
			if want := copyFrom[r.To[0]]; r.From != want {
				t.Errorf("the list's reminder envelope %q, want the list copy's %q", r.From, want)
			}
		}
	}
}

// assertReminderBounceChargedToMember: a report on ana's reminder counts
// against ana, through the reminder's own delivery.
func assertReminderBounceChargedToMember(t *testing.T, p *pipeline, ref int64) {
	t.Helper()
	ctx := context.Background()
	if err := p.world.Append("bureau@example.org", "INBOX", dsn(lastVERPOf(t, p, "ana@example.net"), "ana@example.net", "5.1.1", 9)); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	states, err := p.store.MemberStates(ctx)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(states, func(m queue.MemberState) bool { return m.Address == "ana@example.net" })
	if i < 0 || states[i].Score != 1 {
		t.Fatalf("member states %+v: the reminder's bounce was not charged to ana", states)
	}
	d, err := p.store.DeliveryByID(ctx, states[i].DeliveryID)
	if err != nil || d.MessageRef != ref || d.Caucus != "" || !slices.Equal(d.Recipients, []string{"ana@example.net"}) {
		t.Errorf("bounce charged through delivery %+v, %v; want ana's reminder delivery", d, err)
	}
}
