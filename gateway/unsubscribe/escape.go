package unsubscribe

import "strings"

// Characters left as they are in the parts of a mailto: URI (RFC 6068
// section 2); every other byte is percent-encoded. Both start from RFC
// 3986's unreserved set.
const (
	unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
	// toSafe leaves out ',' (it separates addresses), the gen-delims but
	// '@' and ':', and "&;=" which section 2 says must be encoded.
	toSafe = unreserved + "!$'()*+:@"
	// hfvalueSafe is qchar without '+' and ';': RFC 6068 reads both
	// literally, but form decoders turn '+' into a space and take ';' for
	// a separator (HTML 4) or refuse it (Go's url.ParseQuery).
	hfvalueSafe = unreserved + "!$'()*,:@"
)

// escape percent-encodes each byte of s not in safe, UTF-8 byte by byte as
// RFC 6068 section 2 asks for non-ASCII text.
func escape(s, safe string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(safe, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
