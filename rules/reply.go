package rules

import "strings"

// replyToken finds a recipient that is the account address with a plus
// token, LOCAL+TOKEN@DOMAIN: the Reply-To of our forwarded copies.
func replyToken(m *Message, env Env) (string, bool) {
	local, domain, ok := strings.Cut(env.AccountAddress, "@")
	if !ok {
		return "", false
	}
	prefix := strings.ToLower(local) + "+"
	for _, list := range [][]string{m.To, m.Cc} {
		for _, addr := range list {
			l, d, ok := strings.Cut(strings.ToLower(bareAddress(addr)), "@")
			if !ok || !strings.EqualFold(d, domain) {
				continue
			}
			if token, ok := strings.CutPrefix(l, prefix); ok && token != "" {
				return token, true
			}
		}
	}
	return "", false
}
