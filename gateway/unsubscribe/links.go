package unsubscribe

import (
	"strings"

	"caucusgate/gateway/token"
)

// maxLinkLen bounds the https: link: an RFC 2369 field carries it on one
// line, which RFC 5322 stops at 998 octets, and compose refuses longer
// List-* URIs than this.
const maxLinkLen = 900

// Links returns the List-Unsubscribe URIs (RFC 2369) of the copy that
// member of roster caucus receives through account, the gateway's address:
// mailto:ACCOUNT?subject=unsubscribe%20CAUCUS (RFC 6068), and, when
// cfg.PublicURL is set, cfg.PublicURL + "u/" + a token that opens to caucus
// and member until cfg.TokenTTL (a year by default) has passed. Either is empty when it cannot be made: no
// account; no PublicURL or Keyring, an empty caucus or member, one holding
// a NUL byte, or a link longer than 900 octets. The caller writes
// List-Unsubscribe-Post (RFC 8058) only when https is non-empty and its
// scheme is https.
func Links(cfg Config, caucus, member, account string) (mailto string, https string) {
	return mailtoLink(account, caucus), httpsLink(cfg, caucus, member)
}

// mailtoLink is RFC 6068's mailto:to?subject=..., with every character the
// grammar does not allow there percent-encoded.
func mailtoLink(account, caucus string) string {
	if account == "" {
		return ""
	}
	return "mailto:" + escape(account, toSafe) + "?subject=" + escape("unsubscribe "+caucus, hfvalueSafe)
}

func httpsLink(cfg Config, caucus, member string) string {
	extra, ok := sealExtra(caucus, member)
	if !ok || cfg.PublicURL == nil || cfg.Keyring == nil {
		return ""
	}
	tok := cfg.Keyring.Seal(token.Token{Kind: token.Unsubscribe, Extra: extra, Expires: cfg.expiry()})
	link := cfg.PublicURL.JoinPath("u", tok).String()
	if len(link) > maxLinkLen {
		return ""
	}
	return link
}

// sealExtra is the token's Extra: caucus NUL member. Neither may hold the
// separator, or one token could be read two ways.
func sealExtra(caucus, member string) (string, bool) {
	if caucus == "" || member == "" || strings.ContainsRune(caucus+member, 0) {
		return "", false
	}
	extra := caucus + "\x00" + member
	return extra, len(extra) <= token.MaxExtra
}

// openExtra is the inverse of sealExtra.
func openExtra(extra string) (caucus, member string, ok bool) {
	caucus, member, ok = strings.Cut(extra, "\x00")
	if !ok || caucus == "" || member == "" || strings.ContainsRune(member, 0) {
		return "", "", false
	}
	return caucus, member, true
}
