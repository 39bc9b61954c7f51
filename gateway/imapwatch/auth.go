package imapwatch

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-sasl"

	"caucusgate/internal/xoauth2"
)

// authenticate logs in with the token if there is one, else the password.
// A refusal by the server is an *AuthError.
func (s *Supervisor) authenticate(ctx context.Context, cn *conn) error {
	if !cn.secure && !s.plaintextAllowed() {
		return ErrPlaintext
	}
	if s.cfg.Token != nil {
		return s.authToken(ctx, cn)
	}
	return s.authPassword(cn)
}

func (s *Supervisor) authPassword(cn *conn) error {
	caps := cn.c.Caps()
	if caps.Has(imap.CapLoginDisabled) && hasMechanism(caps.AuthMechanisms(), sasl.Plain) {
		err := cn.c.Authenticate(sasl.NewPlainClient("", s.cfg.Username, s.cfg.Password))
		return authResult(sasl.Plain, err)
	}
	return authResult("LOGIN", cn.c.Login(s.cfg.Username, s.cfg.Password).Wait())
}

func (s *Supervisor) authToken(ctx context.Context, cn *conn) error {
	mechs := cn.c.Caps().AuthMechanisms()
	mech, ok := oauthMechanism(mechs)
	if !ok {
		return &AuthError{Mechanism: "OAUTH", Err: fmt.Errorf("server offers neither XOAUTH2 nor OAUTHBEARER (it offers %s)", strings.Join(mechs, ", "))}
	}
	token, err := s.cfg.Token.Token(ctx)
	if err != nil {
		return fmt.Errorf("get access token: %w", err)
	}
	client := oauthClient(mech, s.cfg.Username, token, s.cfg.URL.Hostname(), s.port())
	return authResult(mech, cn.c.Authenticate(client))
}

// authResult tells a refusal (NO, or a SASL error challenge) from a broken
// connection.
func authResult(mech string, err error) error {
	if err == nil {
		return nil
	}
	var (
		imapErr   *imap.Error
		rejected  *xoauth2.RejectedError
		bearerErr *sasl.OAuthBearerError
	)
	switch {
	case errors.As(err, &imapErr) && imapErr.Type == imap.StatusResponseTypeNo,
		errors.As(err, &rejected), errors.As(err, &bearerErr):
		return &AuthError{Mechanism: mech, Err: err}
	}
	return fmt.Errorf("authenticate (%s): %w", mech, err)
}

func hasMechanism(mechs []string, want string) bool {
	for _, m := range mechs {
		if strings.EqualFold(m, want) {
			return true
		}
	}
	return false
}
