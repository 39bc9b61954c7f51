package gateway

import (
	"fmt"
	"slices"
	"strings"

	"caucusgate/rules"
)

// origin is how far a message verifiably comes from a caucus.
type origin int

const (
	// notFromCaucus: anyone else; a forged List-Id or From lands here.
	notFromCaucus origin = iota
	// fromCaucusUnverified: a roster member's From without require_auth,
	// which cannot be believed: relayed only after review.
	fromCaucusUnverified
	// fromCaucus: through the caucus's own list, vouched for by the
	// bureau's provider, or from a roster member authenticated by
	// require_auth.
	fromCaucus
)

// caucusOrigin says whether msg verifiably comes from caucus c, and why.
// Through a list: a List-Id naming the caucus's list_id, and, since a
// List-Id alone is forgeable, the trusted results' dkim=pass for the
// list's domain or spf=pass for an envelope sender in it (Mailman does not
// sign by itself; Sympa's DKIM is off by default). From a roster: a
// member's From, believed only under require_auth.
func caucusOrigin(set *rules.Set, c rules.Caucus, msg *inbound) (origin, string) {
	if c.Address != "" {
		return listOrigin(set, c, msg)
	}
	from := msg.Facts.From
	if !slices.ContainsFunc(c.Members, func(m string) bool { return strings.EqualFold(m, from) }) {
		return notFromCaucus, fmt.Sprintf("%s is not a member of caucus %s", from, c.ID)
	}
	if ra := set.Bureau().RequireAuth; ra == "" || ra == "none" {
		return fromCaucusUnverified, fmt.Sprintf("%s is a member of caucus %s, but without require_auth a From can be forged", from, c.ID)
	}
	if ok, why := set.SenderAuthenticated(&msg.Facts); !ok {
		return notFromCaucus, fmt.Sprintf("%s is a member of caucus %s but not authenticated: %s", from, c.ID, why)
	}
	return fromCaucus, fmt.Sprintf("%s is an authenticated member of caucus %s", from, c.ID)
}

func listOrigin(set *rules.Set, c rules.Caucus, msg *inbound) (origin, string) {
	if !throughList(c, msg) {
		return notFromCaucus, fmt.Sprintf("no List-Id <%s> of caucus %s", c.ListID, c.ID)
	}
	ok, why := set.Verdict(&msg.Facts).Vouches(domainOf(c.Address))
	if !ok {
		return notFromCaucus, fmt.Sprintf("List-Id <%s>, but the list's domain is not vouched for: %s", c.ListID, why)
	}
	return fromCaucus, fmt.Sprintf("through the list of caucus %s (%s)", c.ID, why)
}

// throughList says a message carries the List-Id of caucus c's own list.
func throughList(c rules.Caucus, msg *inbound) bool {
	if c.ListID == "" {
		return false
	}
	for _, v := range msg.Facts.Header["List-Id"] {
		if strings.EqualFold(listIDOf(v), c.ListID) {
			return true
		}
	}
	return false
}

// listIDOf is the id of a List-Id value (RFC 2919): what is between the
// angle brackets after an optional phrase.
func listIDOf(v string) string {
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.TrimSpace(v[i+1 : i+j])
		}
	}
	return strings.TrimSpace(v)
}
