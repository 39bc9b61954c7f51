package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"caucusgate/gateway/digest"
	"caucusgate/gateway/smtprelay"
	"caucusgate/gateway/token"
	"caucusgate/queue"
	"caucusgate/rules"
)

// relayBatch sends a batch of replies to its destination: one plain relay
// for one reply, one digest (RFC 2046 multipart/digest) for several, or one
// relay each when replies.digest is false.
func (s *scheduler) relayBatch(ctx context.Context, b queue.Batch) error {
	db, account, err := s.digestBatch(ctx, b)
	if err != nil {
		return err
	}
	set := s.rules.Current()
	switch {
	case len(db.Items) == 1:
		return s.sendComposed(ctx, account, b.Key.Destination, func(w io.Writer) error { return digest.WriteRelay(w, db) })
	case set.Replies().Digest:
		return s.sendComposed(ctx, account, b.Key.Destination, func(w io.Writer) error { return digest.WriteDigest(w, db) })
	}
	// One by one, each item recorded as sent when the relay accepts it: a
	// temporary failure on item k resent items 1 to k-1 at the next
	// attempt, and a permanent one marked them failed.
	for i, item := range db.Items {
		if b.Items[i].State == queue.PendingSent {
			continue
		}
		if i > 0 && !s.holdSlot(ctx, b.Key) {
			return errSlotLost
		}
		one := db
		one.Items, one.Key = []digest.Item{item}, strconv.FormatInt(b.Items[i].ID, 10)
		if err := s.sendComposed(ctx, account, b.Key.Destination, func(w io.Writer) error { return digest.WriteRelay(w, one) }); err != nil {
			return err
		}
		if err := s.store.MarkItemSent(ctx, b.Items[i].ID); err != nil {
			return err
		}
	}
	return nil
}

// errSlotLost stops a batch whose slot another instance took over: that
// instance sends the rest, and the batch stays open.
var errSlotLost = errors.New("slot claim lost to another instance")

// digestBatch reads a batch's replies and their invitation from the store.
func (s *scheduler) digestBatch(ctx context.Context, b queue.Batch) (digest.Batch, string, error) {
	set := s.rules.Current()
	db := digest.Batch{To: b.Key.Destination, Schedule: b.Key.Schedule, Slot: b.Key.Slot, Date: s.now(),
		StripQuotes: set.Replies().StripQuotes, ShowMembers: set.Replies().ShowMembers}
	threads := map[token.Thread]bool{}
	for _, it := range b.Items {
		reply, err := s.store.GetMessage(ctx, it.MessageRef)
		if err != nil {
			return db, "", fmt.Errorf("read reply %d: %w", it.MessageRef, err)
		}
		raw, err := s.store.MessageRaw(ctx, it.MessageRef)
		if err != nil {
			return db, "", fmt.Errorf("read reply %d: %w", it.MessageRef, err)
		}
		c, _ := set.Caucus(it.Caucus)
		account := s.accounts[reply.Account].Address
		th := token.Thread{Invitation: it.InvitationRef, Caucus: it.Caucus}
		db.Items = append(db.Items, digest.Item{Raw: raw, Caucus: it.Caucus, CaucusName: firstNonEmpty(c.Name, it.Caucus),
			From: answererOf(raw, reply.From), Received: it.CreatedAt, ReplyTo: s.answerAddress(account, th, set.Replies().TokenTTL)})
		threads[th] = true
		if db.Account == "" {
			db.Account = account
		}
		if db.InvitationMessageID == "" && it.InvitationRef != 0 {
			if inv, err := s.store.GetMessage(ctx, it.InvitationRef); err == nil {
				db.InvitationMessageID, db.InvitationSubject = inv.MessageID, relaySubject(set, inv.Subject)
			}
		}
	}
	if len(threads) == 1 && db.Account != "" {
		for th := range threads {
			db.ReplyTo = s.answerAddress(db.Account, th, set.Replies().TokenTTL)
		}
	}
	if db.Account == "" {
		return db, "", errors.New("relay replies: their account is no longer configured")
	}
	return db, db.Account, nil
}

// answererOf is a reply's From with its display name ("Amina Diallo
// <amina@...>"): the store keeps the address alone.
func answererOf(raw []byte, address string) string {
	in := parseInbound(raw)
	if in.Facts.FromName == "" {
		return address
	}
	return (&mail.Address{Name: in.Facts.FromName, Address: firstNonEmpty(in.Facts.From, address)}).String()
}

// relaySubject is the invitation's subject as the inviter knows it: no
// routing tag, no "Fwd:" a bureau member's forward added. The relay
// prefixes "Re: ".
func relaySubject(set *rules.Set, subject string) string {
	s := strings.TrimSpace(set.StripTag(subject))
	for {
		lower := strings.ToLower(s)
		cut := false
		for _, prefix := range []string{"fwd:", "fw:", "tr:", "wg:", "rv:", "i:"} {
			if strings.HasPrefix(lower, prefix) {
				s, cut = strings.TrimSpace(s[len(prefix):]), true
				break
			}
		}
		if !cut {
			return s
		}
	}
}

// answerAddress is the Reply-To of a relayed reply about one invitation
// and one caucus: a token of the account that carries the inviter's answer
// to that caucus through the gateway. Never the list's address: a list
// holds the inviter's post as a non-member's, and the thread is lost.
func (s *scheduler) answerAddress(account string, th token.Thread, ttl time.Duration) string {
	if s.tokens == nil || th.Invitation == 0 {
		return ""
	}
	return token.PlusAddress(account, s.tokens.Seal(token.AnswerToken(th, s.now().Add(ttl))))
}

// sendComposed streams one composed message into the relay.
func (s *scheduler) sendComposed(ctx context.Context, from, to string, write func(io.Writer) error) error {
	res, err := streamTo(ctx, s.relay, s.signer, smtprelay.Envelope{From: from, To: []string{to}}, write)
	if err != nil {
		return err
	}
	return rejectedError(res)
}
