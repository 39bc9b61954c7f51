package token

import "strings"

// PlusAddress puts token in account's local part after a '+' (RFC 5233
// subaddressing): bureau@x.org and tok give bureau+tok@x.org. The mailbox
// server must deliver LOCAL+ANYTHING to LOCAL (Dovecot and Postfix:
// recipient_delimiter = +; Gmail and Microsoft 365 do it by default).
func PlusAddress(account, token string) string {
	i := strings.LastIndexByte(account, '@')
	if i < 0 {
		return account + "+" + token
	}
	return account[:i] + "+" + token + account[i:]
}

// FromPlusAddress returns the token of addr when addr is account plus a
// token (bureau+tok@x.org for bureau@x.org), ignoring case and angle
// brackets. Subaddresses that cannot be tokens (bureau+news@x.org) are not.
// The token is returned in lower case, as Seal wrote it.
func FromPlusAddress(addr, account string) (string, bool) {
	addr = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(addr), "<"), ">")
	local, domain, ok := splitAddress(addr)
	accLocal, accDomain, accOK := splitAddress(account)
	if !ok || !accOK || !strings.EqualFold(domain, accDomain) {
		return "", false
	}
	prefix := accLocal + "+"
	if len(local) <= len(prefix) || !strings.EqualFold(local[:len(prefix)], prefix) {
		return "", false
	}
	tok := asciiLower(local[len(prefix):])
	if len(tok) < minLen || strings.Trim(tok, alphabet) != "" {
		return "", false
	}
	return tok, true
}

func splitAddress(addr string) (local, domain string, ok bool) {
	i := strings.LastIndexByte(addr, '@')
	if i <= 0 || i == len(addr)-1 {
		return "", "", false
	}
	return addr[:i], addr[i+1:], true
}
