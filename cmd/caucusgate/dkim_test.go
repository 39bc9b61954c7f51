package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
)

func TestRunSignsWithDKIM(t *testing.T) {
	world, config := cliWorld(t, "caucuses:\n  - {id: gender, name: Gender Caucus, address: gender@example.net}\n"+
		"rules:\n  - name: all\n    when: {from: \"*\"}\n    forward: [gender]\n",
		"From: ITU <events@itu.int>\r\nSubject: Invitation\r\nMessage-ID: <k1@itu.int>\r\n\r\nbody\r\n")
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(filepath.Dir(config), "dkim.pem")
	write(t, keyFile, string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})))
	src, _ := os.ReadFile(config)
	write(t, config, string(src)+"dkim:\n  domain: example.org\n  selector: cg1\n  private_key_file: dkim.pem\n")
	if status, _, stderr := runCLI(t, "run", "-config", config, "-once"); status != 0 {
		t.Fatalf("run -once: %d %s", status, stderr)
	}
	got := world.Received()
	if len(got) != 1 {
		t.Fatalf("%d messages sent, want 1", len(got))
	}
	pub, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	record := "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(pub)
	verifications, err := dkim.VerifyWithOptions(bytes.NewReader(got[0].Data), &dkim.VerifyOptions{
		LookupTXT: func(domain string) ([]string, error) {
			if domain != "cg1._domainkey.example.org" {
				return nil, fmt.Errorf("unexpected lookup %s", domain)
			}
			return []string{record}, nil
		}})
	if err != nil || len(verifications) != 1 || verifications[0].Err != nil || verifications[0].Domain != "example.org" {
		t.Fatalf("DKIM verification: %v %+v", err, verifications)
	}
}
