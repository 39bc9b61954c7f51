package admin

import (
	"context"
	"time"

	"caucusgate/internal/msgtext"
	"caucusgate/queue"
	"caucusgate/rules"
)

// Backend is what the pages show and act on: the store and the running
// gateway. Methods that take an id return an error wrapping
// queue.ErrNotFound for an id that does not exist (the page answers 404)
// and queue.ErrWrongState for an action the item's state does not allow,
// approving a message already approved, say (409).
type Backend interface {
	// Held lists the messages held for moderation, oldest first, each
	// with a short preview.
	Held(ctx context.Context) ([]Held, error)
	// HeldMessage is one held message with its full preview.
	HeldMessage(ctx context.Context, id int64) (Held, error)
	// HeldOriginal is a held message's original, byte for byte; an error
	// wrapping queue.ErrNotFound when the store no longer keeps it.
	HeldOriginal(ctx context.Context, id int64) ([]byte, error)
	// Approve releases a held message; by is the admin login's user.
	Approve(ctx context.Context, id int64, by string) error
	// Reject drops a held message, with a reason for the sender's notice
	// (may be empty).
	Reject(ctx context.Context, id int64, by, reason string) error

	// HeldReplies lists the caucus replies held for review before they
	// are relayed to an inviter (replies.review, or the circuit breaker),
	// oldest first.
	HeldReplies(ctx context.Context) ([]HeldReply, error)
	// HeldReply is one held reply with its full preview, and
	// HeldReplyOriginal its original.
	HeldReply(ctx context.Context, id int64) (HeldReply, error)
	HeldReplyOriginal(ctx context.Context, id int64) ([]byte, error)
	// ReleaseReply lets a held reply go out at its schedule's next slot;
	// by is the admin login's user.
	ReleaseReply(ctx context.Context, id int64, by string) error
	// DropReply refuses a held reply: it is never relayed.
	DropReply(ctx context.Context, id int64, by string) error

	// Decisions lists the limit most recent decisions, newest first.
	Decisions(ctx context.Context, limit int) ([]Decision, error)
	Decision(ctx context.Context, id int64) (Decision, error)

	// Deliveries lists the limit most recent deliveries, newest first.
	Deliveries(ctx context.Context, limit int) ([]Delivery, error)
	Retry(ctx context.Context, id int64) error
	Cancel(ctx context.Context, id int64) error

	// Members lists every roster address with its bounce state; Disabled
	// ones get no copies. EnableMember re-enables one (ErrNotFound: no
	// state recorded for it).
	Members(ctx context.Context) ([]Member, error)
	EnableMember(ctx context.Context, address, by string) error

	Schedules(ctx context.Context) ([]Schedule, error)
	Caucuses(ctx context.Context) ([]Caucus, error)
	RulesStatus(ctx context.Context) RulesStatus

	// InvitationBackend is the Invitations pages' part.
	InvitationBackend

	// Ready is nil when the store is reachable and every mailbox synced
	// within its interval plus grace; otherwise it says what is not.
	Ready(ctx context.Context) error
	// AckBacklogs are the mailboxes whose IMAP server refuses to
	// acknowledge messages taken in (flag them, or move them to the done
	// folder), by name; none when all is well.
	AckBacklogs(ctx context.Context) []AckBacklog
}

// AckBacklog is one mailbox whose server refuses acknowledgements: intake
// goes on and the refused ones are retried, but the mailbox fills up.
type AckBacklog struct {
	Mailbox string    // account/mailbox
	Count   int       // messages taken in and not acknowledged
	Since   time.Time // when the server began refusing
	Error   string    // its last refusal
}

// Held is a message waiting for a moderator.
type Held struct {
	ID        int64
	MessageID string
	From      string
	Subject   string // decoded (RFC 2047), as a human reads it
	Rule      string // the holding rule, "" for a built-in hold
	Reason    string
	Caucuses  []string // where it goes if approved, when the rules chose already
	HeldAt    time.Time
	Expires   time.Time // zero: never
	Preview   Preview
}

// Preview is what a moderator reads of a message before deciding: its
// header fields that matter, its text (never its HTML), its attachments.
type Preview struct {
	Header      []msgtext.Field
	Body        string // the text: plain, or extracted from HTML (FromHTML)
	FromHTML    bool
	Truncated   bool
	Attachments []msgtext.Attachment
	Problems    []string
	// Missing says why there is no preview ("the original was purged"),
	// "" when there is one.
	Missing string
}

// NewPreview is the preview of an extracted message.
func NewPreview(t msgtext.Text) Preview {
	return Preview{Header: t.Header, Body: t.Text, FromHTML: t.FromHTML, Truncated: t.Truncated,
		Attachments: t.Attachments, Problems: t.Problems}
}

// HeldReply is a caucus's reply waiting for a reviewer before it is
// relayed to the inviter.
type HeldReply struct {
	ID       int64
	Caucus   string // the caucus that replied
	To       string // the inviter it would be relayed to
	Schedule string // the relay schedule's spec; released, it waits for the next slot
	Received time.Time
	// From and Subject are the reply's, decoded, as a human reads them;
	// empty when the stored message could not be read.
	From    string
	Subject string
	// Reason is why it waits for review (replies.review, an unclear
	// answer, a sender who cannot be believed).
	Reason  string
	Preview Preview
}

// Decision is one message's decision as the store recorded it. The
// embedded rules.Decision carries the action, caucuses, rules, reason and
// the trace that answers "why did this go to Gender?".
type Decision struct {
	ID        int64
	At        time.Time
	Account   string
	Mailbox   string
	MessageID string
	From      string
	Subject   string
	rules.Decision
	// Deliveries are the copies the decision made, and SentNotices the
	// notices written about the message (to moderators, notify, the
	// sender); both filled by Decision only.
	Deliveries  []Delivery
	SentNotices []Delivery
}

// Delivery is one delivery row, as `caucusgate queue list` shows it.
type Delivery = queue.DeliveryInfo

// Member is one roster address's bounce state (Mailman 3's scoring): the
// rules file says who is a member, the store only how its mail fares.
type Member struct {
	Address    string
	Caucuses   []string // the rosters it is on; none: it left them all
	Disabled   bool
	Score      float64
	LastBounce time.Time // zero: never bounced
}

// Schedule is one relay schedule.
type Schedule struct {
	Name      string // what it belongs to: "replies", a caucus id, a rule name
	Spec      string // the robfig/cron spec as written
	Next      time.Time
	Pending   int // items waiting for the next run
	LastRun   time.Time
	LastError string // "" when the last run succeeded
}

// Caucus is one caucus of the rules, with what its deliveries met.
type Caucus struct {
	ID           string
	Name         string
	Address      string // a list address, or "" for a roster
	Members      int    // a roster's size
	Bounces      Bounces
	Unsubscribed int
	List         *ListStatus // a list caucus's recent copies; nil for a roster
}

// ListStatus is what a list caucus's server did with the latest copies,
// and what an admin must fix about the list.
type ListStatus struct {
	Warning string     // e.g. the list drops our reply token; "" when none
	Copies  []ListCopy // newest first
}

// ListCopy is one copy to a list and what became of it: "distributed",
// "held by the list", "rejected by the list", "not seen on the list", or
// "awaiting confirmation".
type ListCopy struct {
	Subject string
	SentAt  time.Time
	State   string
}

// Bounces counts a caucus's bounced deliveries by kind.
type Bounces struct {
	Hard   int // 5xx: the address does not exist
	Soft   int // 4xx until the retries ran out: a full mailbox, a server down
	Policy int // refused as spam or by DMARC policy
}

// RulesStatus is how the last load of the rule files went.
type RulesStatus struct {
	File     string
	Version  string    // of the rules in force
	LoadedAt time.Time // when the rules in force were loaded
	// Errors are the last failed load's problems, one `FILE:LINE:COLUMN:
	// message` each, and FailedAt its time; none when the last load
	// succeeded. The rules in force stay those of the last good load.
	Errors   []string
	FailedAt time.Time
}
