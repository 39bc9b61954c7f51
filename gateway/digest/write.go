package digest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"

	"github.com/emersion/go-message"
)

// boundary returns a multipart boundary derived from the Message-ID, so
// that golden files are stable, and absent from every part's content.
// "=_" cannot occur in base64 or quoted-printable text.
func boundary(msgID string, parts ...[]byte) string {
	for n := 0; ; n++ {
		sum := sha256.Sum256([]byte(msgID + "\x00" + strconv.Itoa(n)))
		b := "=_" + hex.EncodeToString(sum[:12])
		if !containedIn(b, parts) {
			return b
		}
	}
}

func containedIn(b string, parts [][]byte) bool {
	for _, p := range parts {
		if bytes.Contains(p, []byte(b)) {
			return true
		}
	}
	return false
}

// textFields are the fields of a UTF-8 text/plain body, quoted-printable
// so that any line length and any character survive transport.
func textFields() []field {
	return []field{
		{"Content-Type", "text/plain; charset=utf-8"},
		{"Content-Transfer-Encoding", "quoted-printable"},
	}
}

// writePart writes one part with its body.
func writePart(mw *message.Writer, h message.Header, body []byte) error {
	pw, err := mw.CreatePart(h)
	if err != nil {
		return fmt.Errorf("create part: %w", err)
	}
	if _, err := pw.Write(body); err != nil {
		return fmt.Errorf("write part: %w", err)
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("close part: %w", err)
	}
	return nil
}

// writeSingle writes a message whose whole body is one part.
func writeSingle(w io.Writer, h message.Header, body []byte) error {
	mw, err := message.CreateWriter(w, h)
	if err != nil {
		return fmt.Errorf("write header: %w", err)
	}
	if _, err := mw.Write(body); err != nil {
		return fmt.Errorf("write body: %w", err)
	}
	if err := mw.Close(); err != nil {
		return fmt.Errorf("close body: %w", err)
	}
	return nil
}

// crlf turns bare LF line endings into CRLF, the canonical form of a
// message carried inside another (RFC 2046 section 5.2.1).
func crlf(raw []byte) []byte {
	if !bytes.Contains(raw, []byte("\n")) {
		return raw
	}
	out := make([]byte, 0, len(raw)+bytes.Count(raw, []byte("\n")))
	for i, c := range raw {
		if c == '\n' && (i == 0 || raw[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

// transferEncoding labels a message carried as message/rfc822, which may
// not be encoded (RFC 2046 section 5.2.1): 7bit when it is ASCII in short
// lines, 8bit when it has 8-bit bytes, binary when it has NUL bytes or
// lines over 998 octets.
func transferEncoding(raw []byte) string {
	enc := "7bit"
	for _, line := range bytes.Split(raw, []byte("\n")) {
		if len(line) > 999 || bytes.IndexByte(line, 0) >= 0 {
			return "binary"
		}
		for _, c := range line {
			if c >= 0x80 {
				enc = "8bit"
			}
		}
	}
	return enc
}
