package trust

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// Resolver looks up DNS TXT records; *net.Resolver is one.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// maxSignatures bounds the signatures verified in one message: each costs
// a DNS look-up and a public-key operation.
const maxSignatures = 5

// Verify checks a raw message's DKIM signatures itself (RFC 6376), looking
// the keys up through r, and returns one Signature a signature: pass, or
// fail, temperror or permerror. A message without signatures gives none.
func Verify(ctx context.Context, r Resolver, raw []byte) ([]Signature, error) {
	lookup := func(name string) ([]string, error) { return r.LookupTXT(ctx, name) }
	verifs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{LookupTXT: lookup, MaxVerifications: maxSignatures})
	if err != nil && len(verifs) == 0 {
		return nil, fmt.Errorf("verify dkim: %w", err)
	}
	out := make([]Signature, 0, len(verifs))
	for _, v := range verifs {
		out = append(out, Signature{Domain: strings.ToLower(v.Domain), Result: resultOf(v.Err)})
	}
	return out, nil
}

func resultOf(err error) string {
	switch {
	case err == nil:
		return "pass"
	case dkim.IsTempFail(err):
		return "temperror"
	case dkim.IsPermFail(err):
		return "permerror"
	}
	return "fail"
}
