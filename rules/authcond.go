package rules

import (
	"fmt"

	"caucusgate/internal/yamlfile"
)

// authCond matches when the sender is (or, want false, is not)
// authenticated, as Set.SenderAuthenticated says: admins write
// `authenticated: true` beside `from:` to trust a From only when verified.
type authCond struct {
	what string
	want bool
}

func (c authCond) eval(x *input) Step {
	ok, why := x.set.senderAuthenticated(x.m, x.verdict())
	return Step{What: c.what, Matched: ok == c.want, Why: why}
}

func (c *compiler) authCond(path string, want bool) (cond, bool) {
	if c.set.bureau.RequireAuth == "none" {
		c.errorf(path, "authenticated: needs bureau.require_auth (dkim or dmarc): without it no sender is verified")
		return nil, false
	}
	return authCond{what: fmt.Sprintf("authenticated: %v", want), want: want}, true
}

// checkFromAlone warns, when require_auth is set, about a rule that
// forwards on from: alone: a From can be forged, and the rule would
// forward whatever a stranger sends under it.
func (c *compiler) checkFromAlone(i int, fr *fileRule) {
	if c.set.bureau.RequireAuth == "none" || len(fr.Forward) == 0 || fr.When == nil || !fromAlone(fr.When) {
		return
	}
	c.warnf(yamlfile.Index("rules", i)+".when.from", "rule %q forwards on from: alone, which anyone can forge: add authenticated: true (bureau.require_auth verifies it) or another condition", fr.Name)
}

// fromAlone reports whether w tests the From and nothing else.
func fromAlone(w *fileWhen) bool {
	rest := *w
	rest.From = ""
	return w.From != "" && isEmptyWhen(&rest)
}

func isEmptyWhen(w *fileWhen) bool {
	return w.From == "" && w.To == "" && w.Cc == "" && w.Subject == "" && len(w.Header) == 0 && w.Body == "" &&
		w.ListID == "" && w.Attachment == "" && w.Size == "" && w.Authenticated == nil &&
		len(w.Any) == 0 && len(w.All) == 0 && w.Not == nil
}
