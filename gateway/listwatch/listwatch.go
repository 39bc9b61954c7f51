// Package listwatch reads what a caucus's list server tells the bureau
// about one of its copies: the copy itself coming back through the list
// (distributed, and whether the list kept its Reply-To), and the list's
// notices (held for a moderator, rejected). It is pure: callers give it
// the header fields and text it reads, and record what it says.
//
// List servers differ in what they send. Mailman 3 sends its notices from
// LIST-owner@ (a rejection to the post's From, with the post attached; the
// moderators' "requires approval" to the owners) and sends no "awaits
// approval" acknowledgement for a post carrying Precedence or List-*
// fields, as our copies do. Sympa's notices come from its robot,
// sympa@DOMAIN. Google Groups and Microsoft 365 refuse with a delivery
// report (RFC 3464) to the envelope sender, which the bounce code reads.
package listwatch

import (
	"net/mail"
	"regexp"
	"strings"

	"caucusgate/gateway/token"
)

// Verdict is what a list's notice says of a post.
type Verdict int

const (
	// Unknown: a notice from the list's server that says neither.
	Unknown Verdict = iota
	// Held: the post waits for a moderator.
	Held
	// Rejected: the post was refused.
	Rejected
)

func (v Verdict) String() string {
	switch v {
	case Held:
		return "held"
	case Rejected:
		return "rejected"
	}
	return "unknown"
}

// listServerSuffixes are the local parts a list server sends notices from,
// after the list's own local part and a hyphen (Mailman, Sympa, mlmmj:
// LIST-owner@, LIST-request@, LIST-bounces@...).
var listServerSuffixes = []string{"-owner", "-request", "-bounces", "-admin", "-editor", "-help"}

// robotLocals send notices for every list of a domain: Sympa's robot and
// listmaster, Mailman's site address.
var robotLocals = []string{"sympa", "listmaster", "mailman"}

// FromListServer says whether from is the list server of listAddress
// speaking: the list's -owner, -request, -bounces (and like) addresses, or
// its domain's robot (sympa@, listmaster@, mailman@). The list's own
// address is a post, not a notice.
func FromListServer(from, listAddress string) bool {
	fl, fd, ok := split(from)
	ll, ld, lok := split(listAddress)
	if !ok || !lok || !strings.EqualFold(fd, ld) {
		return false
	}
	for _, s := range listServerSuffixes {
		if strings.EqualFold(fl, ll+s) || strings.HasPrefix(strings.ToLower(fl), strings.ToLower(ll+s+"+")) {
			return true
		}
	}
	for _, r := range robotLocals {
		if strings.EqualFold(fl, r) {
			return true
		}
	}
	return false
}

func split(addr string) (local, domain string, ok bool) {
	addr = strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(addr), "<"), ">")
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "", "", false
	}
	return addr[:at], addr[at+1:], true
}

// The phrases of Mailman 3's and Sympa's notices (English templates), and
// of the usual moderation wording elsewhere. A rejection is looked for
// first: a rejection notice may quote the moderation rule that held it.
var (
	rejectedText = regexp.MustCompile(`(?i)\b(was rejected|has been rejected|been refused|rejected by|not allowed to post|not authori[sz]ed to (post|send)|message (was )?(refused|denied|discarded))`)
	heldText     = regexp.MustCompile(`(?i)(awaits? moderat|requires? (moderator )?approval|waiting for (moderat|approval)|forwarded to the (moderator|editor)|authori[sz]ation requested|held for (moderat|approval)|pending (moderat|approval))`)
)

// Judge reads a notice's subject and text.
func Judge(subject, text string) Verdict {
	both := subject + "\n" + text
	switch {
	case rejectedText.MatchString(both):
		return Rejected
	case heldText.MatchString(both):
		return Held
	}
	return Unknown
}

// ReplyTokenKept says whether a copy that came back through its list still
// has a Reply-To naming one of account's plus-address tokens: when not,
// the list munged Reply-To (reply_goes_to_list, DMARC mitigation "munge
// From" that moves the poster to Reply-To or Cc) and answers to the copy
// go to the list rather than to the gateway.
func ReplyTokenKept(replyTo []string, account string) bool {
	for _, v := range replyTo {
		list, err := mail.ParseAddressList(v)
		if err != nil {
			continue
		}
		for _, a := range list {
			if _, ok := token.FromPlusAddress(a.Address, account); ok {
				return true
			}
		}
	}
	return false
}

// messageIDField finds Message-ID fields at the start of a line anywhere
// in a message: a notice's own, and those of the post it attaches
// (message/rfc822, text/rfc822-headers).
var messageIDField = regexp.MustCompile(`(?im)^(message-id|in-reply-to|references):[ \t]*(.*(?:\r?\n[ \t].*)*)`)

var msgID = regexp.MustCompile(`<([^<>\s]+@[^<>\s]+)>`)

// CitedMessageIDs are the Message-IDs (without angle brackets) a notice
// cites: its In-Reply-To and References, and the Message-ID of any
// message it quotes or attaches, in order, each once, its own excluded.
// Only the first 256 kB are read: a notice attaches the post, and the
// post's header comes first.
func CitedMessageIDs(raw []byte, own string) []string {
	const limit = 256 << 10
	if len(raw) > limit {
		raw = raw[:limit]
	}
	var out []string
	seen := map[string]bool{strings.Trim(own, "<>"): true}
	for _, m := range messageIDField.FindAllSubmatch(raw, -1) {
		for _, id := range msgID.FindAllSubmatch(m[2], -1) {
			s := string(id[1])
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	return out
}
