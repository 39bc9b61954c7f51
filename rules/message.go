package rules

import "caucusgate/trust"

// Message is what the gateway extracts from a parsed message for the rules:
// plain data, so that this package needs no MIME library.
type Message struct {
	From        string // the From address (lower-cased addr-spec), "" if none
	FromName    string
	Sender      string   // envelope sender (Return-Path) if known; "" unknown, "<>" the null sender
	To, Cc      []string // addresses
	Subject     string   // decoded (RFC 2047) subject
	RawSubject  string   // the Subject header as it arrived, for encoded words split inside a tag
	MessageID   string
	Header      map[string][]string // canonical MIME header keys to values (decoded where text)
	Body        string              // decoded text parts, bounded by the gateway
	Attachments []Attachment
	Size        int64
	ContentType string // top-level media type; multipart/report is a delivery report
	// Fields are all header fields in order, top first, values undecoded:
	// what sender authentication reads (package trust).
	Fields []trust.Field
	// LocalDKIM is the gateway's own verification of the DKIM signatures,
	// done under bureau.verify: local (trust.Verify); nil otherwise.
	LocalDKIM []trust.Signature
	// DMARCPolicy is the DMARC policy (none, quarantine, reject) of the
	// From domain, which the gateway looks up under
	// forwarding.hold_dmarc_fail when the trusted result is dmarc=fail; ""
	// when not looked up or none is published.
	DMARCPolicy string

	// ForwardedBefore is true when the gateway found this Message-ID among
	// the copies it forwarded: the message came back through a caucus list.
	ForwardedBefore bool
	ReceivedCount   int
}

// Attachment is one attached part of a message.
type Attachment struct {
	Filename    string
	ContentType string
	Size        int64
}

// Env is what a decision needs to know of the account the message arrived in.
type Env struct {
	// AccountAddress is the gateway's own address on the account: it is our
	// X-Loop value, and the base of the plus-addresses replies come back to.
	AccountAddress string
	// ListIDDomain is the domain of our List-Ids, which read
	// <ID.caucus.DOMAIN>.
	ListIDDomain string
}

// header returns the values of the header field name (in canonical form).
func (m *Message) header(name string) []string {
	return m.Header[name]
}
