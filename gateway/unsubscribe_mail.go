package gateway

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"caucusgate/gateway/unsubscribe"
	"caucusgate/rules"
)

// unsubscribeByMail acts on the mail the List-Unsubscribe mailto link sends
// ("unsubscribe CAUCUS" to the account): the sender leaves that caucus's
// roster when they are on it and, under require_auth, authenticated, since
// the mail names no one but its From. Anything else is not such a request.
func (in *intake) unsubscribeByMail(ctx context.Context, set *rules.Set, d rules.Decision, msg *inbound) (answered, bool, error) {
	id, ok := unsubscribe.RequestedCaucus(msg.Facts.Subject)
	if !ok {
		return answered{}, false, nil
	}
	c, ok := set.Caucus(id)
	from := msg.Facts.From
	if !ok || !slices.ContainsFunc(c.Members, func(m string) bool { return strings.EqualFold(m, from) }) {
		return answered{}, false, nil
	}
	if ok, why := set.SenderAuthenticated(&msg.Facts); !ok {
		return answered{decision: undecided(d, fmt.Sprintf("unsubscribe request for %s from %s not believed: %s", id, from, why))}, true, nil
	}
	if err := in.store.Unsubscribe(ctx, c.ID, from, in.now()); err != nil {
		return answered{}, false, fmt.Errorf("unsubscribe %s from %s: %w", from, c.ID, err)
	}
	in.log.Info("member unsubscribed by mail", "caucus", c.ID, "member", from)
	return answered{decision: undecided(d, fmt.Sprintf("%s unsubscribed from %s", from, c.ID)),
		left: &unsubscription{caucus: c.ID, member: from}}, true, nil
}
