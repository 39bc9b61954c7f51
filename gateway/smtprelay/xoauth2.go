package smtprelay

import "github.com/emersion/go-sasl"

// xoauth2Mechanism is Google's and Microsoft's SASL mechanism for OAuth 2.0
// bearer tokens, older than and still preferred to OAUTHBEARER (RFC 7628)
// by both.
const xoauth2Mechanism = "XOAUTH2"

// xoauth2Client sends "user=U^Aauth=Bearer T^A^A" as the initial response.
// On a refused token the relay sends a 334 with a JSON error; the mechanism
// then requires an empty response, after which the relay replies 535.
type xoauth2Client struct {
	username, token string
}

var _ sasl.Client = (*xoauth2Client)(nil)

func (c *xoauth2Client) Start() (string, []byte, error) {
	ir := "user=" + c.username + "\x01auth=Bearer " + c.token + "\x01\x01"
	return xoauth2Mechanism, []byte(ir), nil
}

func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	return []byte{}, nil
}
