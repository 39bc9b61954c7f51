package compose

import (
	"bufio"
	"crypto"
	"fmt"
	"io"
	"os"

	"github.com/emersion/go-msgauth/dkim"
)

// Signer signs a composed message: it reads it from r and writes it to w
// with its signature.
type Signer interface {
	Sign(w io.Writer, r io.Reader) error
}

// DKIMSigner signs with DKIM (RFC 6376), relaxed/relaxed, covering what a
// reader and a one-click unsubscriber rely on. From is signed twice
// (oversigned), so that a From added on the way breaks the signature;
// fields absent when signing are oversigned the same way by being listed.
//
// go-msgauth's dkim.Sign keeps the whole message in memory to put the
// signature in front of it. DKIMSigner streams the message through the
// signer into a temporary file instead and then copies it out after the
// signature: memory stays bounded, at the cost of one disk write and read.
type DKIMSigner struct {
	options dkim.SignOptions
	// TempDir holds the temporary files; "" is os.TempDir.
	TempDir string
}

// dkimHeaderKeys are the signed fields. The List-* fields and
// List-Unsubscribe-Post must be signed for RFC 8058 one-click unsubscribe.
func dkimHeaderKeys() []string {
	return []string{
		"From", "From", "Subject", "Date", "Message-ID", "To", "Cc", "Reply-To",
		"List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Post",
		"MIME-Version", "Content-Type",
	}
}

// NewDKIMSigner returns a signer for domain's selector with key, an RSA or
// Ed25519 private key.
func NewDKIMSigner(domain, selector string, key crypto.Signer) *DKIMSigner {
	return &DKIMSigner{options: dkim.SignOptions{
		Domain:                 domain,
		Selector:               selector,
		Signer:                 key,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             dkimHeaderKeys(),
	}}
}

// Sign writes the DKIM-Signature field, then the message.
func (s *DKIMSigner) Sign(w io.Writer, r io.Reader) error {
	spool, err := os.CreateTemp(s.TempDir, "caucusgate-dkim-*")
	if err != nil {
		return fmt.Errorf("sign: create spool: %w", err)
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	buffered := bufio.NewWriterSize(spool, 256<<10) // fewer, larger writes
	sig, err := s.signature(io.TeeReader(r, buffered))
	if err != nil {
		return err
	}
	if err := buffered.Flush(); err != nil {
		return fmt.Errorf("sign: write spool: %w", err)
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("sign: rewind spool: %w", err)
	}
	if _, err := io.WriteString(w, sig); err != nil {
		return fmt.Errorf("sign: write signature: %w", err)
	}
	if _, err := io.Copy(w, spool); err != nil {
		return fmt.Errorf("sign: copy message: %w", err)
	}
	return nil
}

// signature reads the whole message and returns its DKIM-Signature field.
func (s *DKIMSigner) signature(r io.Reader) (string, error) {
	signer, err := dkim.NewSigner(&s.options)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	if _, err := io.Copy(signer, r); err != nil {
		signer.Close()
		return "", fmt.Errorf("sign: read message: %w", err)
	}
	if err := signer.Close(); err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	return signer.Signature(), nil
}
