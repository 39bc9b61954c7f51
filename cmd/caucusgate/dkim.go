package main

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"

	"caucusgate/gateway/compose"
)

// dkimSigner reads the dkim: key, when one is configured: a PEM private
// key, RSA (PKCS #1 or #8) or Ed25519 (PKCS #8), as opendkim-genkey and
// openssl write them.
func dkimSigner(cfg *config) (compose.Signer, error) {
	d := cfg.file.DKIM
	if d.PrivateKeyFile == "" {
		return nil, nil
	}
	src, err := os.ReadFile(cfg.resolve(d.PrivateKeyFile))
	if err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	key, err := parsePrivateKey(src)
	if err != nil {
		return nil, fmt.Errorf("dkim: %s: %w", d.PrivateKeyFile, err)
	}
	return compose.NewDKIMSigner(d.Domain, d.Selector, key), nil
}

func parsePrivateKey(src []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(src)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("not an RSA or Ed25519 private key: %w", err)
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("a %T cannot sign", k)
	}
	return signer, nil
}
