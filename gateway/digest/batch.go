package digest

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/emersion/go-message/mail"
)

// Item is one caucus reply waiting to be relayed.
type Item struct {
	Raw        []byte    // the reply as received
	Caucus     string    // the caucus id
	CaucusName string    // its display name, "Gender Caucus"
	From       string    // who answered: the reply's From, "Name <address>"
	Received   time.Time // when the gateway took it in
	// ReplyTo is this reply's own answer token (the gateway's address
	// naming its invitation and caucus): a digest that mixes invitations
	// or caucuses gives each attached reply its own.
	ReplyTo string
}

// Batch is what one schedule sends one destination at one slot.
type Batch struct {
	Items []Item
	// To is the destination: the inviter, the bureau, or a configured
	// address.
	To string
	// Account is the gateway's own address: the From of the mail, with the
	// answerer's or the caucus's name as display name.
	Account string
	// InvitationMessageID and InvitationSubject are those of the invitation
	// the replies answer; In-Reply-To and References point at it. Angle
	// brackets are optional.
	InvitationMessageID, InvitationSubject string
	// ReplyTo is where the inviter's answer goes: the gateway's token
	// naming the invitation and the caucus, so the answer reaches the
	// caucus through the gateway (never a list's address, which holds a
	// non-member's post). Empty when the batch mixes invitations or
	// caucuses.
	ReplyTo string
	// Schedule and Slot, with To, fix the Message-ID ([MessageID]).
	Schedule string
	Slot     time.Time
	// Key, when set, distinguishes relays sent one by one at one slot to
	// one destination (digest: false): use the item's stable store id.
	// Leave it empty for a digest or a lone relay.
	Key string
	// Date is when the mail is sent.
	Date time.Time
	// StripQuotes drops the quoted invitation from the text shown
	// ([StripQuotes]); attached originals are kept whole.
	StripQuotes bool
	// ShowMembers is how members who answered are named: ShowName (also
	// for ""), ShowNameAndAddress or ShowNone.
	ShowMembers string
}

// ErrInvalidBatch is wrapped by the errors of a batch that cannot be
// composed, whatever is retried: a caller should not retry it.
var ErrInvalidBatch = errors.New("invalid batch")

// addresses are a batch's parsed addresses.
type addresses struct {
	to, account *mail.Address
	replyTo     []*mail.Address
}

// check validates a batch and parses its addresses.
func (b *Batch) check(items int) (addresses, error) {
	var a addresses
	var err error
	if len(b.Items) < items {
		return a, fmt.Errorf("%w: %d items, want at least %d", ErrInvalidBatch, len(b.Items), items)
	}
	if b.Date.IsZero() {
		return a, fmt.Errorf("%w: no Date", ErrInvalidBatch)
	}
	if a.to, err = mail.ParseAddress(b.To); err != nil {
		return a, fmt.Errorf("%w: destination %q: %v", ErrInvalidBatch, b.To, err)
	}
	if a.account, err = mail.ParseAddress(b.Account); err != nil {
		return a, fmt.Errorf("%w: account %q: %v", ErrInvalidBatch, b.Account, err)
	}
	if strings.TrimSpace(b.ReplyTo) != "" {
		if a.replyTo, err = mail.ParseAddressList(b.ReplyTo); err != nil {
			return a, fmt.Errorf("%w: Reply-To %q: %v", ErrInvalidBatch, b.ReplyTo, err)
		}
	}
	return a, nil
}

// messageID returns the batch's fixed Message-ID.
func (b *Batch) messageID() string {
	return messageID(b.Schedule, fmt.Sprint(b.Slot.UnixMicro()), normalAddress(b.To), b.Key, b.Account)
}

// invitationID returns the invitation's Message-ID in angle brackets, or ""
// when it is missing or not a well-formed msg-id (RFC 5322 section 3.6.4):
// a malformed one must not reach a header.
func (b *Batch) invitationID() string {
	id := strings.TrimSpace(b.InvitationMessageID)
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	left, right, ok := strings.Cut(id, "@")
	if !ok || left == "" || right == "" {
		return ""
	}
	for _, r := range id {
		if r <= ' ' || r >= unicode.MaxASCII || r == '<' || r == '>' || r == '"' || r == '\\' {
			return ""
		}
	}
	return "<" + id + ">"
}

// cleanText makes a name or subject safe for a header: control characters
// (CR and LF above all) become spaces, runs of spaces collapse. Encoding
// to RFC 2047, where needed, is left to the header writer.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	return strings.Join(strings.Fields(s), " ")
}

// replySubject returns "Re: subject", without doubling a Re: already there.
func replySubject(subject string) string {
	s := cleanText(subject)
	lower := strings.ToLower(s)
	for _, prefix := range []string{"re:", "aw:", "sv:", "antw:", "réf:", "rif:"} {
		if strings.HasPrefix(lower, prefix) {
			return s
		}
	}
	return "Re: " + s
}
