package invitation

import (
	"time"

	"caucusgate/gateway/invitation/extract"
	"caucusgate/internal/msgtext"
	"caucusgate/queue"
)

// Message is what intake knows of a message it forwards.
type Message struct {
	Raw      []byte
	Subject  string // decoded, with routing tags removed
	Inviter  string // as replies.relay_to resolves it
	Received time.Time
	// TagTrusted says the sender may set a deadline by tag: an
	// authenticated bureau member.
	TagTrusted bool
}

// Trace is what the decision's trace records of the reading.
type Trace struct {
	Deadline *TraceDate `json:"deadline,omitempty"`
	Event    *TraceDate `json:"event,omitempty"`
	Warnings []string   `json:"warnings,omitempty"`
}

// TraceDate is one date found, with its source and the matched phrase.
type TraceDate struct {
	Date   time.Time `json:"date"`
	Source string    `json:"source"`
	Phrase string    `json:"phrase"`
}

// Reader reads invitations. It is safe for concurrent use.
type Reader struct {
	opts *Options
	x    *extract.Extractor
}

// NewReader returns a reader of invitations.
func NewReader(opts *Options) *Reader {
	return &Reader{opts: opts, x: extract.New(opts.zone())}
}

// Read finds an invitation's dates: calendar parts give the event, the text
// gives a deadline and an event, a trusted tag overrides the deadline. It
// is CPU work for before the store transaction, and never fails. One MIME
// walk (msgtext) gives the text, the calendars and the Date.
func (r *Reader) Read(m Message) (queue.NewInvitation, Trace) {
	text := msgtext.Extract(m.Raw, &msgtext.Options{Calendars: true})
	anchor := text.Date
	if anchor.IsZero() {
		anchor = m.Received
	}
	found := r.x.Text(text.Text, anchor)
	for _, cal := range text.Calendars {
		found = found.Merge(extract.Calendar(cal, r.opts.zone()))
	}
	if m.TagTrusted {
		if d, ok := extract.Tag(m.Subject, r.opts.zone()); ok {
			found.Deadline = &d
		}
	}
	inv := queue.NewInvitation{Inviter: m.Inviter, Subject: extract.StripTag(m.Subject), Received: m.Received,
		Deadline: storeDate(found.Deadline), Event: storeDate(found.Event)}
	return inv, Trace{Deadline: traceDate(found.Deadline), Event: traceDate(found.Event), Warnings: found.Warnings}
}

func storeDate(d *extract.Date) queue.InvitationDate {
	if d == nil {
		return queue.InvitationDate{}
	}
	return queue.InvitationDate{At: d.Time, Source: string(d.Source), Phrase: d.Phrase}
}

func traceDate(d *extract.Date) *TraceDate {
	if d == nil {
		return nil
	}
	return &TraceDate{Date: d.Time, Source: string(d.Source), Phrase: d.Phrase}
}
