package digest

import (
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-message"
)

// rule separates the replies quoted in a digest's summary.
const rule = "------------------------------------------------------------------------\n"

// WriteDigest writes several replies as one multipart/digest (RFC 2046
// section 5.1.5): a text/plain summary first, typed explicitly since a
// digest's parts default to message/rfc822, listing who answered for which
// caucus and then quoting each reply's text inline; then each reply intact
// as message/rfc822. From names the caucuses at the gateway's address,
// Reply-To is the batch's answer token when it has one, and the threading headers point at the
// invitation. The batch must hold at least two items.
func WriteDigest(w io.Writer, b Batch) error {
	a, err := b.check(2)
	if err != nil {
		return fmt.Errorf("write digest: %w", err)
	}
	replies := make([]reply, len(b.Items))
	raws := make([][]byte, len(b.Items))
	for i := range b.Items {
		if replies[i], err = readReply(b.Items[i].Raw); err != nil {
			return fmt.Errorf("write digest: item %d: %w", i+1, err)
		}
		raws[i] = b.safeReply(&b.Items[i], b.Items[i].Raw)
	}
	fields := append(b.header(a, caucusNames(b.Items), b.digestSubject()), field{"Content-Type",
		`multipart/digest; boundary="` + boundary(b.messageID(), raws...) + `"`})
	if err := b.writeDigestBody(w, ordered(fields), replies, raws); err != nil {
		return fmt.Errorf("write digest: %w", err)
	}
	return nil
}

func (b *Batch) digestSubject() string {
	if strings.TrimSpace(b.InvitationSubject) != "" {
		return fmt.Sprintf("%s (%d replies)", replySubject(b.InvitationSubject), len(b.Items))
	}
	return fmt.Sprintf("%d replies from %s", len(b.Items), caucusNames(b.Items))
}

func (b *Batch) writeDigestBody(w io.Writer, h message.Header, replies []reply, raws [][]byte) error {
	mw, err := message.CreateWriter(w, h)
	if err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	if err := writePart(mw, ordered(textFields()), []byte(b.summary(replies))); err != nil {
		return err
	}
	for i, raw := range raws {
		desc := fmt.Sprintf("Reply from %s for the %s", b.who(&b.Items[i]), b.Items[i].caucusName())
		ph := ordered([]field{{"Content-Type", "message/rfc822"}, {"Content-Description", cleanText(desc)},
			{"Content-Transfer-Encoding", transferEncoding(raw)}})
		if err := writePart(mw, ph, raw); err != nil {
			return err
		}
	}
	return mw.Close()
}

// summary is the digest's first part: an index of the replies, then each
// one's text.
func (b *Batch) summary(replies []reply) string {
	var s strings.Builder
	if subject := cleanText(b.InvitationSubject); subject != "" {
		fmt.Fprintf(&s, "%d replies to \"%s\":\n\n", len(b.Items), subject)
	} else {
		fmt.Fprintf(&s, "%d replies:\n\n", len(b.Items))
	}
	for i := range b.Items {
		fmt.Fprintf(&s, "%d. %s\n", i+1, b.heading(i))
	}
	s.WriteString("\nEach reply follows in full, and is attached with its parts.\n")
	if b.ReplyTo != "" {
		fmt.Fprintf(&s, "Your answer to this message goes to the %s.\n", caucusNames(b.Items))
	}
	for i := range replies {
		fmt.Fprintf(&s, "\n%s%d. %s:\n\n%s", rule, i+1, b.heading(i), b.shownText(&replies[i]))
	}
	s.WriteString("\n-- \nRelayed by caucusgate.\n")
	return s.String()
}

// heading names one reply: who, for which caucus, when.
func (b *Batch) heading(i int) string {
	it := &b.Items[i]
	h := fmt.Sprintf("%s for the %s", b.who(it), it.caucusName())
	if !it.Received.IsZero() {
		h += ", " + it.Received.Format("Mon, 2 Jan 2006 15:04 -0700")
	}
	return h
}
