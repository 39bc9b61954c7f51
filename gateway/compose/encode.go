package compose

import (
	"encoding/base64"
)

// qpLineLen is RFC 2045 6.7 (5)'s limit on an encoded line, without its
// line end.
const qpLineLen = 76

// encodeQuotedPrintable encodes b (RFC 2045 6.7) so that it decodes to
// exactly b: CRLF is a line break, and every other CR, LF or control byte
// is written as =XX. Go's mime/quotedprintable cannot be used here: it takes
// a bare CR or LF for a line break, which changes the content.
func encodeQuotedPrintable(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	lineLen := 0
	for i := 0; i < len(b); i++ {
		if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			out = append(out, '\r', '\n')
			lineLen = 0
			i++
			continue
		}
		token := qpToken(b, i)
		if lineLen+len(token) > qpLineLen-1 { // room for the soft break's "="
			out = append(out, '=', '\r', '\n')
			lineLen = 0
		}
		out = append(out, token...)
		lineLen += len(token)
	}
	return out
}

// qpToken is byte i of b as quoted-printable: itself when it is printable,
// or white space that a line break does not follow (decoders drop trailing
// white space, RFC 2045 6.7 (3)), =XX otherwise.
func qpToken(b []byte, i int) []byte {
	c := b[i]
	switch {
	case c >= 33 && c <= 126 && c != '=':
		return []byte{c}
	case (c == ' ' || c == '\t') && i+1 < len(b) && !(b[i+1] == '\r' && i+2 < len(b) && b[i+2] == '\n'):
		return []byte{c}
	}
	const hex = "0123456789ABCDEF"
	return []byte{'=', hex[c>>4], hex[c&0x0f]}
}

// encodeBase64 encodes b in lines of 76 characters with CRLF line ends
// (RFC 2045 6.8).
func encodeBase64(b []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(b)
	out := make([]byte, 0, len(enc)+len(enc)/38+2)
	for len(enc) > qpLineLen {
		out = append(append(out, enc[:qpLineLen]...), '\r', '\n')
		enc = enc[qpLineLen:]
	}
	return append(append(out, enc...), '\r', '\n')
}
