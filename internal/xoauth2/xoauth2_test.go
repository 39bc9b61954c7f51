package xoauth2

import (
	"errors"
	"testing"

	"github.com/emersion/go-sasl"
)

var _ sasl.Client = (*Client)(nil)

func TestInitialResponse(t *testing.T) {
	c := &Client{Username: "u@example.org", Token: "ya29.tok"}
	mech, ir, err := c.Start()
	if err != nil || mech != "XOAUTH2" || string(ir) != "user=u@example.org\x01auth=Bearer ya29.tok\x01\x01" {
		t.Fatalf("Start() = %q, %q, %v", mech, ir, err)
	}
}

func TestRefusedToken(t *testing.T) {
	challenge := []byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`)
	resp, err := (&Client{}).Next(challenge)
	if err != nil || resp == nil || len(resp) != 0 {
		t.Fatalf("Next() = %q, %v; want an empty, non-nil response", resp, err)
	}
	resp, err = (&Client{Abort: true}).Next(challenge)
	var rejected *RejectedError
	if resp != nil || !errors.As(err, &rejected) || rejected.Detail != string(challenge) {
		t.Fatalf("Next() with Abort = %q, %v; want a *RejectedError with the JSON", resp, err)
	}
}
