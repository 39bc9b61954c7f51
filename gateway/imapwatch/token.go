package imapwatch

import (
	"context"

	"github.com/emersion/go-sasl"

	"caucusgate/internal/xoauth2"
)

// TokenSource supplies OAuth 2.0 access tokens (token_command).
type TokenSource interface {
	// Token returns the current token, fetching one when none is cached.
	Token(ctx context.Context) (string, error)
	// Invalidate drops the cached token after the server rejected it.
	Invalidate()
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
	if mech == xoauth2.Mechanism {
		return &xoauth2.Client{Username: username, Token: token, Abort: true}
	}
	return sasl.NewOAuthBearerClient(&sasl.OAuthBearerOptions{
		Username: username, Token: token, Host: host, Port: port,
	})
}
