package gateway

import (
	"context"
	"fmt"

	"caucusgate/rules"
)

// unsubscribeByMail acts on the mail the List-Unsubscribe mailto link sends
// ("unsubscribe CAUCUS" to the account) from a member of that caucus's
// roster: the sender leaves it when, under require_auth, authenticated,
// since the mail names no one but its From.
func (in *intake) unsubscribeByMail(ctx context.Context, set *rules.Set, d rules.Decision, msg *inbound, caucus string) (handled, error) {
	from := msg.Facts.From
	if ok, why := set.SenderAuthenticated(&msg.Facts); !ok {
		return handled{decision: undecided(d, fmt.Sprintf("unsubscribe request for %s from %s not believed: %s", caucus, from, why))}, nil
	}
	if err := in.store.Unsubscribe(ctx, caucus, from, in.now()); err != nil {
		return handled{}, fmt.Errorf("unsubscribe %s from %s: %w", from, caucus, err)
	}
	in.log.Info("member unsubscribed by mail", "caucus", caucus, "member", from)
	return handled{decision: undecided(d, fmt.Sprintf("%s unsubscribed from %s", from, caucus)),
		left: &unsubscription{caucus: caucus, member: from}}, nil
}
