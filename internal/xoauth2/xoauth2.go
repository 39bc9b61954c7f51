// Package xoauth2 is the client side of XOAUTH2, the SASL mechanism Google
// and Microsoft use for OAuth 2.0 bearer tokens over IMAP and SMTP
// (https://developers.google.com/gmail/imap/xoauth2-protocol), older than
// OAUTHBEARER (RFC 7628) and still preferred by both. go-sasl lacks it; the
// relay and the mailbox watcher share this one.
package xoauth2

import "fmt"

// Mechanism is the SASL mechanism name.
const Mechanism = "XOAUTH2"

// Client sends "user=U^Aauth=Bearer T^A^A" as the initial response. It
// satisfies go-sasl's Client.
//
// A server that refuses the token sends a JSON error (status, scope; no
// secret) as a challenge. The mechanism then expects an empty response,
// after which the server refuses (SMTP 535, IMAP NO): that is what a Client
// does by default. With Abort, it abandons the exchange instead with a
// *RejectedError carrying the server's JSON, and the caller drops the
// connection.
type Client struct {
	Username, Token string
	Abort           bool
}

// Start returns the mechanism and the initial response.
func (c *Client) Start() (string, []byte, error) {
	ir := "user=" + c.Username + "\x01auth=Bearer " + c.Token + "\x01\x01"
	return Mechanism, []byte(ir), nil
}

// Next answers the server's error challenge; it is never called otherwise.
func (c *Client) Next(challenge []byte) ([]byte, error) {
	if c.Abort {
		return nil, &RejectedError{Detail: string(challenge)}
	}
	return []byte{}, nil
}

// RejectedError is a refused token, with the server's JSON error.
type RejectedError struct{ Detail string }

func (e *RejectedError) Error() string {
	return fmt.Sprintf("token rejected: %s", e.Detail)
}
