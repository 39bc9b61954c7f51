package gateway

import (
	"caucusgate/gateway/imapwatch"
	"caucusgate/rules"
)

// Explanation is what the rules would do with one message, and why.
type Explanation struct {
	MessageID string
	From      string
	Subject   string
	Decision  rules.Decision
	Warnings  []string // what was wrong with the message as it was read
}

// Explain decides on a raw message exactly as intake would, with no side
// effects: no store is consulted, so a Message-ID the gateway forwarded
// before is not recognised as coming back. `caucusgate test` and `replay`
// use it.
func Explain(set *rules.Set, acct Account, raw []byte) Explanation {
	msg := parseInbound(raw)
	authenticateForExplain(set, msg, raw)
	d := decide(set, msg, acct, imapwatch.Message{Raw: raw, Size: int64(len(raw))})
	return Explanation{
		MessageID: msg.MessageID,
		From:      msg.Facts.From,
		Subject:   msg.Facts.Subject,
		Decision:  d,
		Warnings:  msg.Warnings,
	}
}
