package imapwatch

import (
	"context"
	"fmt"

	"github.com/emersion/go-sasl"
)

// TokenSource supplies OAuth 2.0 access tokens (token_command).
type TokenSource interface {
	// Token returns the current token, fetching one when none is cached.
	Token(ctx context.Context) (string, error)
	// Invalidate drops the cached token after the server rejected it.
	Invalidate()
}

// xoauth2Client implements Google's and Microsoft's XOAUTH2 SASL mechanism
// (https://developers.google.com/gmail/imap/xoauth2-protocol), which go-sasl
// lacks.
type xoauth2Client struct {
	username, token string
}

func (c *xoauth2Client) Start() (string, []byte, error) {
	ir := "user=" + c.username + "\x01auth=Bearer " + c.token + "\x01\x01"
	return "XOAUTH2", []byte(ir), nil
}

// Next is only called when the server rejects the token: it sends a JSON
// error as a challenge. Returning an error abandons the exchange; the caller
// closes that connection, so what the server expects next does not matter.
func (c *xoauth2Client) Next(challenge []byte) ([]byte, error) {
	return nil, &tokenRejectedError{detail: string(challenge)}
}

// tokenRejectedError carries the server's JSON error (status, scope), which
// names no secret.
type tokenRejectedError struct{ detail string }

func (e *tokenRejectedError) Error() string {
	return fmt.Sprintf("token rejected: %s", e.detail)
}

// oauthMechanism picks the SASL mechanism for a token: XOAUTH2 first, as
// Microsoft 365 and Gmail document it, then OAUTHBEARER (RFC 7628).
func oauthMechanism(mechs []string) (string, bool) {
	for _, want := range []string{"XOAUTH2", sasl.OAuthBearer} {
		if hasMechanism(mechs, want) {
			return want, true
		}
	}
	return "", false
}

func oauthClient(mech, username, token, host string, port int) sasl.Client {
	if mech == "XOAUTH2" {
		return &xoauth2Client{username: username, token: token}
	}
	return sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{
		Username: username, Token: token, Host: host, Port: port,
	})
}
