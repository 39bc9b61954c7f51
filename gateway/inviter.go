package gateway

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"caucusgate/gateway/token"
	"caucusgate/queue"
	"caucusgate/rules"
)

// inviterAnswer forwards mail sent to a relayed reply's token to the
// caucus the token names, through the same path as any forward (the
// caucus answers it through its copy's own token). Only the relay's
// recipients hold the token; mail from anyone else with it (someone the
// relay was passed on to, a forged From) is held for review.
func (in *intake) inviterAnswer(ctx context.Context, set *rules.Set, d rules.Decision, msg *inbound, t token.Token) (handled, error) {
	th, _ := t.Thread()
	c, ok := set.Caucus(th.Caucus)
	if !ok {
		return handled{decision: undecided(d, fmt.Sprintf("answer for caucus %q, which is no longer configured: not forwarded", th.Caucus))}, nil
	}
	invitation, err := in.store.GetMessage(ctx, th.Invitation)
	if errors.Is(err, queue.ErrNotFound) {
		return handled{decision: undecided(d, fmt.Sprintf("answer about invitation %d, which is no longer stored: not forwarded", th.Invitation))}, nil
	}
	if err != nil {
		return handled{}, fmt.Errorf("look up the invitation of an answer: %w", err)
	}
	recipients, err := in.replyDestinations(ctx, set, set.Replies(), invitation)
	if err != nil {
		return handled{}, err
	}
	d.Action, d.Caucuses, d.ReplyToken = rules.Forward, []string{c.ID}, ""
	d.Reason = fmt.Sprintf("answer to the %s's reply to %q, forwarded to the caucus", firstNonEmpty(c.Name, c.ID), invitation.Subject)
	from := msg.Facts.From
	if !slices.ContainsFunc(recipients, func(r string) bool { return strings.EqualFold(r, from) }) {
		return handled{decision: holdAnswer(set, d, fmt.Sprintf("answer to a relayed reply from %s, who did not receive the relay: held for review", from))}, nil
	}
	if set.Replies().InviterAnswers == "hold" {
		return handled{decision: holdAnswer(set, d, "the inviter's answer to the caucus is held for review (replies.inviter_answers: hold)")}, nil
	}
	return handled{decision: d}, nil
}

// holdAnswer holds an answer bound for its caucus; an approval forwards it
// there and runs no forwarding rule.
func holdAnswer(set *rules.Set, d rules.Decision, reason string) rules.Decision {
	d.Action, d.Reason = rules.Hold, reason
	d.Held = &rules.HoldInfo{RuleIndex: set.RuleCount(), Reason: reason, Caucuses: d.Caucuses}
	return d
}

// inviterOf is who a reply to invitation goes back to: its Reply-To, else
// its From. When a bureau member forwarded the invitation (with a tag), the
// inviter is the original sender, read from the forwarded header block of
// the body ("---------- Forwarded message ----------" and its "From:"
// line, as Gmail, Outlook and Thunderbird write it); failing that, the
// member.
func inviterOf(inv *inbound, bureauMembers []string) string {
	from := inv.Facts.From
	if slices.ContainsFunc(bureauMembers, func(m string) bool { return strings.EqualFold(m, from) }) {
		if original := forwardedFrom(inv.Facts.Body); original != "" {
			return original
		}
		return from
	}
	if rt := inv.Facts.Header["Reply-To"]; len(rt) > 0 {
		if a, err := mail.ParseAddress(rt[0]); err == nil {
			return strings.ToLower(a.Address)
		}
	}
	return from
}

// forwardedFrom finds the original sender in a forwarded header block.
func forwardedFrom(body string) string {
	s := bufio.NewScanner(strings.NewReader(body))
	inBlock := false
	for s.Scan() {
		line := strings.TrimSpace(strings.TrimLeft(s.Text(), "> "))
		lower := strings.ToLower(line)
		if strings.Contains(lower, "forwarded message") || strings.Contains(lower, "original message") ||
			strings.HasPrefix(lower, "begin forwarded message") {
			inBlock = true
			continue
		}
		if !inBlock {
			continue
		}
		for _, prefix := range []string{"from:", "de :", "de:", "von:"} {
			if strings.HasPrefix(lower, prefix) {
				if a, err := mail.ParseAddress(strings.TrimSpace(line[len(prefix):])); err == nil {
					return strings.ToLower(a.Address)
				}
			}
		}
	}
	return ""
}
