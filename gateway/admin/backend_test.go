package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"caucusgate/queue"
	"caucusgate/rules"
)

// memBackend is an in-memory Backend: the store is another package, and
// what these tests check is the HTTP side.
type memBackend struct {
	mu          sync.Mutex
	held        []Held
	replies     []HeldReply
	decisions   []Decision
	deliveries  []Delivery
	schedules   []Schedule
	caucuses    []Caucus
	rules       RulesStatus
	ready       error
	failAll     error // every listing and action fails with it
	failReplies error // HeldReplies alone fails with it

	approved  []string // "id by"
	rejected  []string // "id by reason"
	released  []string // "id by"
	dropped   []string // "id by"
	retried   []int64
	cancelled []int64
	limits    []int
	originals map[string][]byte // "held/ID" or "reply/ID": the original
	members   []Member
	enabled   []string // "address by"
	acks      []AckBacklog

	*memInvitations
}

func (b *memBackend) Members(context.Context) ([]Member, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.members), b.failAll
}

func (b *memBackend) EnableMember(_ context.Context, address, by string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i := range b.members {
		if b.members[i].Address == address {
			b.members[i].Disabled, b.members[i].Score = false, 0
			b.enabled = append(b.enabled, address+" "+by)
			return nil
		}
	}
	return fmt.Errorf("member %s: %w", address, queue.ErrNotFound)
}

func (b *memBackend) HeldMessage(_ context.Context, id int64) (Held, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, h := range b.held {
		if h.ID == id {
			return h, b.failAll
		}
	}
	return Held{}, fmt.Errorf("held message %d: %w", id, queue.ErrNotFound)
}

func (b *memBackend) HeldReply(_ context.Context, id int64) (HeldReply, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.replies {
		if r.ID == id {
			return r, b.failAll
		}
	}
	return HeldReply{}, fmt.Errorf("held reply %d: %w", id, queue.ErrNotFound)
}

func (b *memBackend) original(key string) ([]byte, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	raw, ok := b.originals[key]
	if !ok {
		return nil, fmt.Errorf("original of %s: %w", key, queue.ErrNotFound)
	}
	return raw, b.failAll
}

func (b *memBackend) HeldOriginal(_ context.Context, id int64) ([]byte, error) {
	return b.original(fmt.Sprint("held/", id))
}

func (b *memBackend) HeldReplyOriginal(_ context.Context, id int64) ([]byte, error) {
	return b.original(fmt.Sprint("reply/", id))
}

func (b *memBackend) Held(context.Context) ([]Held, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.held), b.failAll
}

func (b *memBackend) takeHeld(id int64) error {
	if b.failAll != nil {
		return b.failAll
	}
	i := slices.IndexFunc(b.held, func(h Held) bool { return h.ID == id })
	if i < 0 {
		if slices.Contains(b.approved, fmt.Sprint(id, " admin")) {
			return fmt.Errorf("approve %d: %w", id, queue.ErrWrongState)
		}
		return fmt.Errorf("held message %d: %w", id, queue.ErrNotFound)
	}
	b.held = slices.Delete(b.held, i, i+1)
	return nil
}

func (b *memBackend) Approve(_ context.Context, id int64, by string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.takeHeld(id); err != nil {
		return err
	}
	b.approved = append(b.approved, fmt.Sprint(id, " ", by))
	return nil
}

func (b *memBackend) Reject(_ context.Context, id int64, by, reason string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.takeHeld(id); err != nil {
		return err
	}
	b.rejected = append(b.rejected, fmt.Sprint(id, " ", by, " ", reason))
	return nil
}

func (b *memBackend) HeldReplies(context.Context) ([]HeldReply, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.failReplies != nil {
		return nil, b.failReplies
	}
	return slices.Clone(b.replies), b.failAll
}

// takeReply removes a held reply; one already reviewed is in the wrong
// state, as the store says of an item no longer held.
func (b *memBackend) takeReply(id int64) error {
	if b.failAll != nil {
		return b.failAll
	}
	i := slices.IndexFunc(b.replies, func(r HeldReply) bool { return r.ID == id })
	if i < 0 {
		done := fmt.Sprint(id, " admin")
		if slices.Contains(b.released, done) || slices.Contains(b.dropped, done) {
			return fmt.Errorf("pending item %d: %w", id, queue.ErrWrongState)
		}
		return fmt.Errorf("pending item %d: %w", id, queue.ErrNotFound)
	}
	b.replies = slices.Delete(b.replies, i, i+1)
	return nil
}

func (b *memBackend) ReleaseReply(_ context.Context, id int64, by string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.takeReply(id); err != nil {
		return err
	}
	b.released = append(b.released, fmt.Sprint(id, " ", by))
	return nil
}

func (b *memBackend) DropReply(_ context.Context, id int64, by string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := b.takeReply(id); err != nil {
		return err
	}
	b.dropped = append(b.dropped, fmt.Sprint(id, " ", by))
	return nil
}

func (b *memBackend) Decisions(_ context.Context, limit int) ([]Decision, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limits = append(b.limits, limit)
	return slices.Clone(b.decisions[:min(limit, len(b.decisions))]), b.failAll
}

func (b *memBackend) Decision(_ context.Context, id int64) (Decision, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range b.decisions {
		if d.ID == id {
			return d, nil
		}
	}
	return Decision{}, fmt.Errorf("decision %d: %w", id, queue.ErrNotFound)
}

func (b *memBackend) Deliveries(_ context.Context, limit int) ([]Delivery, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limits = append(b.limits, limit)
	return slices.Clone(b.deliveries[:min(limit, len(b.deliveries))]), b.failAll
}

func (b *memBackend) delivery(id int64, allowed ...queue.DeliveryState) (*Delivery, error) {
	for i := range b.deliveries {
		if b.deliveries[i].ID == id {
			if !slices.Contains(allowed, b.deliveries[i].State) {
				return nil, fmt.Errorf("delivery %d: %w", id, queue.ErrWrongState)
			}
			return &b.deliveries[i], nil
		}
	}
	return nil, fmt.Errorf("delivery %d: %w", id, queue.ErrNotFound)
}

func (b *memBackend) Retry(_ context.Context, id int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, err := b.delivery(id, queue.StatePending, queue.StateFailed)
	if err != nil {
		return err
	}
	d.State = queue.StatePending
	b.retried = append(b.retried, id)
	return nil
}

func (b *memBackend) Cancel(_ context.Context, id int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	d, err := b.delivery(id, queue.StatePending)
	if err != nil {
		return err
	}
	d.State = queue.StateCancelled
	b.cancelled = append(b.cancelled, id)
	return nil
}

func (b *memBackend) Schedules(context.Context) ([]Schedule, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.schedules), b.failAll
}

func (b *memBackend) Caucuses(context.Context) ([]Caucus, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.caucuses), b.failAll
}

func (b *memBackend) RulesStatus(context.Context) RulesStatus {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rules
}

func (b *memBackend) AckBacklogs(context.Context) []AckBacklog {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.acks)
}

func (b *memBackend) Ready(context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.ready
}

// testNow is the tests' clock: fixed, so pages and tokens are reproducible.
var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

// sampleBackend holds a bureau's morning: held messages and held replies
// (one of each with markup in its subject), decisions with traces, a queue, schedules, caucuses.
func sampleBackend() *memBackend {
	at := func(d time.Duration) time.Time { return testNow.Add(d) }
	return &memBackend{
		memInvitations: sampleInvitations(),
		held: []Held{
			{ID: 1, MessageID: "<inv-1@itu.int>", From: "events@itu.int", Subject: "Invitation: WSIS+20 consultation",
				Rule: "moderate-itu", Reason: "ITU mail is reviewed first", Caucuses: []string{"gender"}, HeldAt: at(-3 * time.Hour), Expires: at(333 * time.Hour)},
			{ID: 2, MessageID: "<x@evil.example>", From: "Mallory <m@evil.example>", Subject: `<script>alert("held")</script> & <b>bold</b>`,
				Reason: "tag from a non-member", HeldAt: at(-10 * time.Minute)},
		},
		replies: []HeldReply{
			{ID: 31, Caucus: "gender", To: "events@itu.int", Schedule: "CRON_TZ=Europe/Zurich 0 17 * * *", Received: at(-2 * time.Hour),
				From: "Gina <gina@gender.example.net>", Subject: "Re: Invitation: WSIS+20 consultation",
				Reason: "names the reply address only in Cc while answering another member: held for review"},
			{ID: 32, Caucus: "education", To: "Ops <ops@unesco.org>", Schedule: "immediate", Received: at(-5 * time.Minute),
				From: "Eve <eve@evil.example>", Subject: `<img src=x onerror="alert(1)"> Re: & more`},
		},
		decisions: []Decision{sampleDecision()},
		deliveries: []Delivery{
			{ID: 10, MessageID: "<inv-0@itu.int>", Subject: "Consultation on AI", Caucus: "gender", Recipients: []string{"caucus-gender@example.org"},
				State: queue.StatePending, Attempts: 2, LastError: "451 4.3.0 try later", NextAttempt: at(7 * time.Minute), CreatedAt: at(-time.Hour)},
			{ID: 11, MessageID: "<inv-0@itu.int>", Subject: "Consultation on AI", Caucus: "education", Recipients: []string{"ana@example.org", "bo@example.org"},
				State: queue.StateFailed, Attempts: 1, LastError: "550 5.1.1 no such user", CreatedAt: at(-time.Hour)},
			{ID: 12, MessageID: "<inv-9@itu.int>", Subject: "Done", Caucus: "gender", Recipients: []string{"caucus-gender@example.org"},
				State: queue.StateSent, Attempts: 1, SentAt: at(-2 * time.Hour), CreatedAt: at(-2 * time.Hour)},
		},
		schedules: []Schedule{{Name: "replies", Spec: "CRON_TZ=Europe/Zurich 0 17 * * *", Next: at(5 * time.Hour), Pending: 3, LastRun: at(-19 * time.Hour)}},
		caucuses: []Caucus{
			{ID: "gender", Name: "Gender Caucus", Address: "caucus-gender@example.org", Bounces: Bounces{Hard: 1, Soft: 4, Policy: 2},
				List: &ListStatus{Warning: "Answers will not find their way: the list munges Reply-To",
					Copies: []ListCopy{{Subject: "Done", SentAt: at(-2 * time.Hour), State: "not seen on the list"}}}},
			{ID: "education", Name: "Education Caucus", Members: 2, Unsubscribed: 1},
		},
		rules: RulesStatus{File: "/etc/caucusgate/rules.yaml", Version: "9c41e0", LoadedAt: at(-26 * time.Hour),
			Errors: []string{"rules.yaml:12:5: unknown key \"fowrard\"", "rules.yaml:20:9: bad regular expression: missing closing )"}, FailedAt: at(-time.Hour)},
	}
}

func sampleDecision() Decision {
	return Decision{
		ID: 7, At: testNow.Add(-50 * time.Minute), Account: "bureau", Mailbox: "INBOX",
		MessageID: "<inv-0@itu.int>", From: "alice@example.org", Subject: "Fwd: Consultation on AI",
		Decision: rules.Decision{
			Action: rules.Forward, Caucuses: []string{"education", "gender"}, Rules: []string{"itu-invitations"},
			Reason: "tag [caucus: gender] from a bureau member; rule itu-invitations",
			Trace: rules.Trace{
				Guards: []rules.Step{{What: "not our own mail (X-Loop)", Matched: true}},
				Tag:    &rules.TagTrace{Text: "[caucus: gender]", Names: []string{"gender"}, Caucuses: []string{"gender"}, Authorized: true, Why: "alice@example.org is a bureau member"},
				Rules: rules.RuleTracesOf([]rules.RuleTrace{
					{Rule: "outsiders", Matched: false, Steps: []rules.Step{{What: `from "*@spam.example"`, Why: "alice@example.org does not match"}}},
					{Rule: "itu-invitations", Matched: true, Action: "forward education", Steps: []rules.Step{
						{What: "any", Matched: true, Steps: []rules.Step{
							{What: `subject "(?i)consultation"`, Matched: true, Why: `matched "Consultation"`},
							{What: `from "*@itu.int"`, Why: "no match"},
						}},
					}},
				}),
			},
		},
	}
}

var errStoreDown = errors.New("store: database is locked")
