package bounce

import (
	"net/mail"
	"slices"
	"strings"

	"caucusgate/gateway/token"
)

// VERPSender is the envelope sender (MAIL FROM) of one delivery: the
// account's address with the delivery's Bounce token as its subaddress, so
// that any report about it comes back to an address that names it.
func VERPSender(account, tok string) string {
	return token.PlusAddress(account, tok)
}

// dsnFields are the report's own header fields that carry the address it
// was sent to: the envelope sender of the delivery. Delivered-To and
// X-Original-To are written by the receiving MTA (Postfix, Dovecot); To by
// the reporting one.
var dsnFields = []string{"Delivered-To", "X-Original-To", "To"}

// originalFields are the returned message's fields that may carry one of
// our tokens: Return-Path when the reporting MTA kept it, and Reply-To,
// which carries the Reply token of a forwarded copy (it names the delivery
// too, if not the roster member).
var originalFields = []string{"Return-Path", "Errors-To", "Sender", "Reply-To", "From"}

// VERPToken returns the first token found for account in a report: in the
// report's own header (rawHeader: Delivered-To, X-Original-To, To), in the
// envelope sender it names (Postfix's X-Postfix-Sender), then in the
// returned message's header (Return-Path, Reply-To...). The caller opens
// it and checks its kind; VERPTokens gives every candidate.
func VERPToken(report *Report, account string, rawHeader map[string][]string) (string, bool) {
	toks := VERPTokens(report, account, rawHeader)
	if len(toks) == 0 {
		return "", false
	}
	return toks[0], true
}

// VERPTokens returns every distinct token for account in a report, in the
// order VERPToken prefers them. report may be nil (a report Parse could not
// read still has a header).
func VERPTokens(report *Report, account string, rawHeader map[string][]string) []string {
	var toks []string
	add := func(addrs []string) {
		for _, a := range addrs {
			if t, ok := token.FromPlusAddress(a, account); ok && !slices.Contains(toks, t) {
				toks = append(toks, t)
			}
		}
	}
	for _, name := range dsnFields {
		add(addresses(values(rawHeader, name)))
	}
	if report == nil {
		return toks
	}
	add([]string{report.Sender})
	for _, name := range originalFields {
		add(addresses(values(report.OriginalHeader, name)))
	}
	return toks
}

// values looks name up ignoring case: callers' maps may not use canonical
// keys.
func values(h map[string][]string, name string) []string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// addresses extracts the addr-specs of header values, leniently: a value
// net/mail cannot parse is split at commas and angle brackets.
func addresses(vals []string) []string {
	var out []string
	for _, v := range vals {
		if list, err := mail.ParseAddressList(v); err == nil {
			for _, a := range list {
				out = append(out, a.Address)
			}
			continue
		}
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if i, j := strings.LastIndexByte(part, '<'), strings.LastIndexByte(part, '>'); i >= 0 && j > i {
				part = part[i+1 : j]
			}
			out = append(out, part)
		}
	}
	return out
}

// listPrefix starts the subaddress of a list caucus's envelope sender. A
// hyphen is never in a token (base32), so the two cannot be confused.
const listPrefix = "list-"

// ListSender is the envelope sender of every copy to a list caucus:
// bureau+list-CAUCUS@domain. It is fixed per caucus, so a list server
// records one sender for the caucus rather than one per copy, and a
// report from the list's server names the caucus.
func ListSender(account, caucus string) string {
	return token.PlusAddress(account, listPrefix+caucus)
}

// ListCaucus returns the caucus whose list envelope (ListSender) a report
// came back to: in the report's own header (Delivered-To, X-Original-To,
// To), the envelope sender it names, or the returned message's
// Return-Path. The caucus is as written in the address; the caller matches
// it against its caucuses ignoring case.
func ListCaucus(report *Report, account string, rawHeader map[string][]string) (string, bool) {
	var addrs []string
	for _, name := range dsnFields {
		addrs = append(addrs, addresses(values(rawHeader, name))...)
	}
	if report != nil {
		addrs = append(addrs, report.Sender)
		addrs = append(addrs, addresses(values(report.OriginalHeader, "Return-Path"))...)
	}
	for _, a := range addrs {
		if c, ok := listCaucusOf(a, account); ok {
			return c, true
		}
	}
	return "", false
}

// listCaucusOf reads the caucus out of account's list envelope address.
func listCaucusOf(addr, account string) (string, bool) {
	addr = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(addr), "<"), ">")
	at, accAt := strings.LastIndexByte(addr, '@'), strings.LastIndexByte(account, '@')
	if at <= 0 || accAt <= 0 || !strings.EqualFold(addr[at:], account[accAt:]) {
		return "", false
	}
	prefix := account[:accAt] + "+" + listPrefix
	local := addr[:at]
	if len(local) <= len(prefix) || !strings.EqualFold(local[:len(prefix)], prefix) {
		return "", false
	}
	return local[len(prefix):], true
}
