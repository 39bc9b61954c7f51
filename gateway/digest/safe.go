package digest

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

// safeFields are the only fields of a reply a digest attaches: what says
// who wrote it, when, about what and in which thread, and how its body is
// made. Its To, Cc, Delivered-To and the rest would hand the inviter the
// copies' reply addresses and the members' addresses.
var safeFields = []string{"Date", "Subject", "Message-Id", "In-Reply-To", "References", "Mime-Version"}

// safeReply is a reply as a digest attaches it: the safe fields and the
// Content-* fields of its header, a From that follows the privacy rule,
// the item's own Reply-To token when it has one, and its body unchanged.
// A reply whose header cannot be read is attached as its body alone.
func (b *Batch) safeReply(it *Item, raw []byte) []byte {
	br := bufio.NewReader(bytes.NewReader(raw))
	h, err := textproto.ReadHeader(br)
	body, _ := io.ReadAll(br)
	if err != nil {
		h, body = textproto.Header{}, bodyOf(raw)
	}
	var out mail.Header
	out.SetAddressList("From", []*mail.Address{b.shownFrom(it)})
	if it.ReplyTo != "" {
		if a, err := mail.ParseAddress(it.ReplyTo); err == nil {
			out.SetAddressList("Reply-To", []*mail.Address{{Address: a.Address}})
		}
	}
	var buf bytes.Buffer
	buf.WriteString("From: " + out.Get("From") + "\r\n")
	if rt := out.Get("Reply-To"); rt != "" {
		buf.WriteString("Reply-To: " + rt + "\r\n")
	}
	fields := h.Fields()
	for fields.Next() {
		key := fields.Key()
		if !isSafe(key) {
			continue
		}
		raw, err := fields.Raw()
		if err != nil {
			continue
		}
		buf.Write(raw)
	}
	buf.WriteString("\r\n")
	buf.Write(body)
	return crlf(buf.Bytes())
}

func isSafe(key string) bool {
	if strings.HasPrefix(key, "Content-") {
		return true
	}
	for _, k := range safeFields {
		if strings.EqualFold(k, key) {
			return true
		}
	}
	return false
}

// Privacy of the members who answered (replies.show_members), one rule
// for single relays and digests.
const (
	ShowName           = "name"             // the display name only (the default)
	ShowNameAndAddress = "name_and_address" // the display name and the address
	ShowNone           = "none"             // neither: "a member"
)

// shownFrom is the From of an attached reply: the member's own address
// only with name_and_address; otherwise the gateway's, with the name the
// rule allows.
func (b *Batch) shownFrom(it *Item) *mail.Address {
	name, address := it.answerer()
	if b.ShowMembers == ShowNameAndAddress && address != "" {
		return &mail.Address{Name: name, Address: address}
	}
	return &mail.Address{Name: b.fromName(it), Address: b.Account}
}

// who names the answerer in text, as the privacy rule allows.
func (b *Batch) who(it *Item) string {
	name, address := it.answerer()
	switch b.ShowMembers {
	case ShowNameAndAddress:
		return it.who()
	case ShowNone:
		return "A member"
	}
	if name == "" {
		if local, _, ok := strings.Cut(address, "@"); ok && local != "" {
			return "A member (" + local + ")"
		}
		return "A member"
	}
	return name
}

// fromName is the display name of a relay's From: "Name via Caucus", or
// the caucus alone when no name may be shown.
func (b *Batch) fromName(it *Item) string {
	name, _ := it.answerer()
	if b.ShowMembers == ShowNone || name == "" {
		if b.ShowMembers == ShowNameAndAddress {
			return relayFromName(it)
		}
		return it.caucusName()
	}
	return name + " via " + it.caucusName()
}

// bodyOf is what follows a raw message's first empty line, or nothing.
func bodyOf(raw []byte) []byte {
	for _, sep := range []string{"\r\n\r\n", "\n\n"} {
		if _, body, ok := bytes.Cut(raw, []byte(sep)); ok {
			return body
		}
	}
	return nil
}
