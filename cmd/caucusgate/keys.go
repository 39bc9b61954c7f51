package main

import (
	"context"
	"fmt"

	"caucusgate/gateway"
)

// newKeysCommand is `caucusgate keys`: the keys that sign the gateway's
// tokens (Reply-To, VERP, moderation, unsubscribe links).
func newKeysCommand(o cliIO) *spec {
	c := &keysCommand{cliIO: o}
	return &spec{
		name:    "keys",
		summary: "the keys that sign tokens: rotate",
		example: "caucusgate keys rotate -config caucusgate.yaml",
		flags:   c.store.bind,
		verbs: []verb{
			{name: "rotate", summary: "add a new signing key; tokens signed with older keys stay valid until they expire", run: c.rotate},
		},
	}
}

type keysCommand struct {
	cliIO
	store storeFlags
}

func (c *keysCommand) rotate(ctx context.Context, args []string) error {
	if err := noArgs("keys rotate", args); err != nil {
		return err
	}
	_, store, err := c.store.open(ctx, c.stderr)
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := gateway.RotateTokenKey(ctx, store)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "new signing key added; %d keys verify tokens (older ones until their tokens expire).\n"+
		"Restart the daemon to sign with the new key.\n", n)
	return nil
}
