package compose

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

func TestDKIMSignVerifies(t *testing.T) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	composed := compose(t, testSpec(Resend), readFile(t, filepath.Join("testdata", "invitation.eml")))
	var signed bytes.Buffer
	s := NewDKIMSigner("example.org", "cg2025", key)
	s.TempDir = t.TempDir()
	if err := s.Sign(&signed, bytes.NewReader(composed)); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if !bytes.HasSuffix(signed.Bytes(), composed) || !bytes.HasPrefix(signed.Bytes(), []byte("DKIM-Signature: ")) {
		t.Fatalf("signed message is not the signature followed by the composed message")
	}
	v := verifyDKIM(t, signed.Bytes(), pub)
	for _, want := range []string{"from", "subject", "list-id", "list-unsubscribe", "list-unsubscribe-post", "list-post", "reply-to"} {
		if !containsFold(v.HeaderKeys, want) {
			t.Errorf("signature does not cover %s: h=%v", want, v.HeaderKeys)
		}
	}
	if n := countFold(v.HeaderKeys, "from"); n != 2 {
		t.Errorf("From listed %d times in h=, want 2 (oversigned)", n)
	}
	checkWellFormed(t, signed.Bytes())
}

func TestDKIMOversignedFromBreaks(t *testing.T) {
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	composed := compose(t, testSpec(Resend), readFile(t, filepath.Join("testdata", "plain.eml")))
	var signed bytes.Buffer
	s := NewDKIMSigner("example.org", "cg2025", key)
	s.TempDir = t.TempDir()
	if err := s.Sign(&signed, bytes.NewReader(composed)); err != nil {
		t.Fatal(err)
	}
	end := bytes.Index(signed.Bytes(), []byte("\r\n\r\n"))
	forged := append(bytes.Clone(signed.Bytes()[:end+2]), "From: forger@example.net\r\n"...)
	forged = append(forged, signed.Bytes()[end+2:]...)
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(forged), &dkim.VerifyOptions{LookupTXT: keyRecord(pub)})
	if err != nil || len(vs) != 1 || vs[0].Err == nil {
		t.Fatalf("a From added after signing still verifies: %v %+v", err, vs)
	}
}

func verifyDKIM(t *testing.T, msg []byte, pub ed25519.PublicKey) *dkim.Verification {
	t.Helper()
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(msg), &dkim.VerifyOptions{LookupTXT: keyRecord(pub)})
	if err != nil || len(vs) != 1 {
		t.Fatalf("verify: %v (%d signatures)", err, len(vs))
	}
	if vs[0].Err != nil {
		t.Fatalf("signature does not verify: %v", vs[0].Err)
	}
	return vs[0]
}

// keyRecord serves the selector's public key as its DNS TXT record would.
func keyRecord(pub ed25519.PublicKey) func(string) ([]string, error) {
	return func(name string) ([]string, error) {
		if name != "cg2025._domainkey.example.org" {
			return nil, fmt.Errorf("no key published at %s", name)
		}
		return []string{"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}, nil
	}
}

func containsFold(list []string, s string) bool { return countFold(list, s) > 0 }

func countFold(list []string, s string) int {
	n := 0
	for _, l := range list {
		if strings.EqualFold(l, s) {
			n++
		}
	}
	return n
}
