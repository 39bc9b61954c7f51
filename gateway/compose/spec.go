package compose

import (
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// Mode is how a copy carries the original.
type Mode string

const (
	// Resend keeps the original body's bytes and rewrites the header, as
	// list servers do. The default.
	Resend Mode = "resend"
	// Encapsulate sends a cover note with the original attached intact as
	// message/rfc822, so its signatures still verify.
	Encapsulate Mode = "encapsulate"
	// Redirect prepends Resent-* fields and changes nothing else, for
	// trusted internal hops.
	Redirect Mode = "redirect"
)

// Spec is everything needed to compose one copy. It is fixed when the
// message is taken in and stored as JSON with the delivery, so that a retry
// days later sends the same bytes whatever the rules say by then. The JSON
// names of the fields the gateway stored before this package existed are
// unchanged.
type Spec struct {
	Mode       Mode   `json:"mode,omitempty"` // "" is Resend
	Caucus     string `json:"caucus"`         // the caucus id: a dot-atom, used in List-Id
	CaucusName string `json:"caucus_name"`    // "" uses Caucus
	// Account is the gateway's address: X-Loop, the rewritten From,
	// List-Post, Resent-From.
	Account string `json:"account"`
	// ListDomain is the domain of List-Id (<Caucus.caucus.ListDomain>);
	// "" is the Account's domain.
	ListDomain string `json:"list_domain,omitempty"`
	// Subject replaces the original subject (the routing tag already
	// removed by the rules); "" keeps the original.
	Subject string `json:"subject,omitempty"`
	// SubjectPrefix, such as "[gender] ", is put before the subject unless
	// the subject already holds it (a reply to an earlier copy).
	SubjectPrefix string `json:"subject_prefix,omitempty"`
	// RewriteFrom writes From as "Name via Caucus Name" <Account>, the
	// original in X-Original-From. Encapsulate always does so: the outer
	// message is the gateway's.
	RewriteFrom bool `json:"rewrite_from"`
	// ListAddress, set on a copy to a list caucus, is the list's address:
	// the copy is addressed To it, the original To and Cc kept in
	// X-Caucus-Original-To and X-Caucus-Original-Cc, so that a reply-all
	// never reaches the bureau and the list server sees an explicit
	// destination. Its From is always rewritten, whatever RewriteFrom
	// says: a list server takes the poster from From.
	ListAddress string `json:"list_address,omitempty"`
	// SentFor, when the copy stands for several caucuses (a roster member
	// of each gets one copy), lists them all, Caucus first, in
	// X-Caucus-Caucuses; List-Id and List-Unsubscribe stay Caucus's alone
	// (RFC 2919 allows one List-Id; clients act on one one-click link).
	SentFor []string `json:"sent_for,omitempty"`
	// ReplyTo, the gateway's plus-address for this forward, replaces the
	// original Reply-To; "" keeps it.
	ReplyTo string `json:"reply_to,omitempty"`
	// ListHelp and ListUnsubscribe are mailto:, https: or http: URIs
	// (RFC 2369); empty omits the field.
	ListHelp        string   `json:"list_help,omitempty"`
	ListUnsubscribe []string `json:"list_unsubscribe,omitempty"`
	// UnsubscribePost adds RFC 8058's List-Unsubscribe-Post; it needs an
	// https: URI in ListUnsubscribe.
	UnsubscribePost bool `json:"unsubscribe_post,omitempty"`
	// MessageID (with or without angle brackets) is written only when the
	// original has none, so that every copy and retry carries the same one.
	MessageID string `json:"message_id,omitempty"`
	// Recipient is the Resent-To of Redirect, which requires it.
	Recipient string `json:"recipient,omitempty"`
	// Date is Redirect's Resent-Date (required there) and the Date of
	// Encapsulate's outer message (the original's when zero); Resend adds
	// it only to an original without a Date.
	Date time.Time `json:"date,omitzero"`
	// Boundary is Encapsulate's MIME boundary; "" draws a random one.
	// Fixing it at intake makes retries byte-identical.
	Boundary string `json:"boundary,omitempty"`
	// Reencode makes Resend re-encode the leaf parts that hold a bare CR,
	// bare LF or NUL (see CheckWire), reading the body into memory to do
	// so. Without it such a body is refused as it streams.
	Reencode bool `json:"reencode,omitempty"`
}

func (s Spec) mode() Mode {
	if s.Mode == "" {
		return Resend
	}
	return s.Mode
}

// rewriteFrom says whether From becomes the account's: asked for, or a
// copy to a list.
func (s Spec) rewriteFrom() bool {
	return s.RewriteFrom || s.ListAddress != ""
}

func (s Spec) caucusName() string {
	if s.CaucusName == "" {
		return s.Caucus
	}
	return s.CaucusName
}

func (s Spec) listDomain() string {
	if s.ListDomain != "" {
		return strings.ToLower(s.ListDomain)
	}
	return domainOf(s.Account)
}

// listID is the RFC 2919 list identifier.
func (s Spec) listID() string {
	return s.Caucus + ".caucus." + s.listDomain()
}

func (s Spec) messageID() string {
	return strings.Trim(s.MessageID, "<>")
}

func domainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 {
		return strings.ToLower(addr[at+1:])
	}
	return "localhost"
}

// Validate checks every value that Write would put into a header. Values
// come from rules files and subjects: a line break in one would let it add
// fields of its own (header injection).
func (s Spec) Validate() error {
	checks := []func(Spec) error{
		checkMode, checkCaucus, checkAccount, checkText, checkReplyTo,
		checkURIs, checkMessageID, checkRedirect, checkBoundary,
	}
	for _, c := range checks {
		if err := c(s); err != nil {
			return err
		}
	}
	return nil
}

func checkMode(s Spec) error {
	switch s.mode() {
	case Resend, Encapsulate, Redirect:
		return nil
	}
	return &SpecError{"Mode", "unknown mode " + quoteShort(string(s.Mode))}
}

func checkCaucus(s Spec) error {
	if !isDotAtom(s.Caucus) {
		return &SpecError{"Caucus", "not a dot-atom (RFC 5322 3.2.3): " + quoteShort(s.Caucus)}
	}
	for _, id := range s.SentFor {
		if !isDotAtom(id) {
			return &SpecError{"SentFor", "not a dot-atom (RFC 5322 3.2.3): " + quoteShort(id)}
		}
	}
	if s.ListDomain != "" && !isDomain(s.ListDomain) {
		return &SpecError{"ListDomain", "not a domain name: " + quoteShort(s.ListDomain)}
	}
	return nil
}

func checkAccount(s Spec) error {
	if !isAddrSpec(s.Account) {
		return &SpecError{"Account", "not an address: " + quoteShort(s.Account)}
	}
	return nil
}

func checkReplyTo(s Spec) error {
	if s.ReplyTo != "" && !isAddrSpec(s.ReplyTo) {
		return &SpecError{"ReplyTo", "not an address: " + quoteShort(s.ReplyTo)}
	}
	if s.ListAddress != "" && !isAddrSpec(s.ListAddress) {
		return &SpecError{"ListAddress", "not an address: " + quoteShort(s.ListAddress)}
	}
	return nil
}

func checkText(s Spec) error {
	for name, v := range map[string]string{
		"CaucusName": s.CaucusName, "Subject": s.Subject, "SubjectPrefix": s.SubjectPrefix,
	} {
		if strings.ContainsAny(v, "\r\n") {
			return &SpecError{name, "contains a line break (header injection)"}
		}
		if strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			return &SpecError{name, "contains a control character"}
		}
	}
	return nil
}

func checkURIs(s Spec) error {
	if s.ListHelp != "" && !isListURI(s.ListHelp) {
		return &SpecError{"ListHelp", "not a mailto:, https: or http: URI: " + quoteShort(s.ListHelp)}
	}
	https := false
	for _, u := range s.ListUnsubscribe {
		if !isListURI(u) {
			return &SpecError{"ListUnsubscribe", "not a mailto:, https: or http: URI: " + quoteShort(u)}
		}
		https = https || strings.HasPrefix(strings.ToLower(u), "https:")
	}
	if s.UnsubscribePost && !https {
		return &SpecError{"UnsubscribePost", "RFC 8058 needs an https: URI in ListUnsubscribe"}
	}
	return nil
}

func checkMessageID(s Spec) error {
	id := s.messageID()
	if id == "" {
		return nil
	}
	left, right, ok := strings.Cut(id, "@")
	if !ok || left == "" || right == "" || strings.ContainsFunc(id, isNotIDRune) {
		return &SpecError{"MessageID", "not a msg-id (RFC 5322 3.6.4): " + quoteShort(s.MessageID)}
	}
	return nil
}

func checkRedirect(s Spec) error {
	if s.mode() != Redirect {
		return nil
	}
	if !isAddrSpec(s.Recipient) {
		return &SpecError{"Recipient", "redirect needs the recipient's address: " + quoteShort(s.Recipient)}
	}
	if s.Date.IsZero() {
		return &SpecError{"Date", "redirect needs the Resent-Date"}
	}
	return nil
}

// checkBoundary enforces RFC 2046 5.1.1's bcharsnospace, which keeps the
// boundary free of quoting trouble.
func checkBoundary(s Spec) error {
	b := s.Boundary
	if b == "" {
		return nil
	}
	ok := len(b) <= 70
	for i := 0; i < len(b) && ok; i++ {
		c := b[i]
		ok = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("'()+_,-./:=?", c) >= 0
	}
	if !ok {
		return &SpecError{"Boundary", "not an RFC 2046 boundary: " + quoteShort(b)}
	}
	return nil
}

// isAddrSpec accepts a bare address that net/mail reads back as itself.
func isAddrSpec(s string) bool {
	if s == "" || strings.ContainsAny(s, "<>\r\n") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

func isDotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] != '.' && !isAtext(s[i]) {
			return false
		}
	}
	return true
}

func isDomain(s string) bool {
	if !isDotAtom(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c == '.' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// isListURI accepts the URIs written between angle brackets in RFC 2369
// fields: no whitespace, no brackets, a bounded length.
func isListURI(u string) bool {
	lower := strings.ToLower(u)
	scheme := strings.HasPrefix(lower, "mailto:") || strings.HasPrefix(lower, "https://") || strings.HasPrefix(lower, "http://")
	return scheme && len(u) <= 900 && !strings.ContainsFunc(u, isNotIDRune)
}

func isNotIDRune(r rune) bool {
	return r <= ' ' || r >= 0x7f || r == '<' || r == '>' || r == '"'
}

// quoteShort quotes a value for an error message, escaping line breaks.
func quoteShort(s string) string {
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return strconv.Quote(s)
}
