package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"caucusgate/gateway/smtprelay"
)

// AlertAdmins mails the admins (config notify) about the daemon itself,
// not about a message: a refused rules reload. It is composed as a notice,
// from the first account's address, and sent at once over a relay session
// of its own; key names the event, and the same key gives the same
// Message-ID, so that a repeat folds in mail clients. Nothing is sent when
// no notify address is configured.
func (g *Gateway) AlertAdmins(ctx context.Context, subject, body, key string) error {
	if g.cfg.Notify == "" {
		return nil
	}
	if len(g.cfg.Accounts) == 0 || g.cfg.Accounts[0].Address == "" {
		return errors.New("alert admins: no account address to send from")
	}
	from := g.cfg.Accounts[0].Address
	sum := sha256.Sum256([]byte(key))
	n := noticeSpec{Account: from, To: g.cfg.Notify, Subject: subject, Body: body,
		MessageID: "alert-" + hex.EncodeToString(sum[:10]) + "@caucusgate." + domainOf(from)}
	relay, err := smtprelay.New(g.relayConfig())
	if err != nil {
		return fmt.Errorf("alert admins: %w", err)
	}
	defer relay.Close()
	res, err := streamTo(ctx, relay, g.cfg.DKIM, smtprelay.Envelope{To: []string{g.cfg.Notify}},
		func(w io.Writer) error { return writeNotice(w, n, g.cfg.Now()) })
	if err == nil {
		err = rejectedError(res)
	}
	if err != nil {
		return fmt.Errorf("alert admins: %w", err)
	}
	return nil
}
