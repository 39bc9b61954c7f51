package compose

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
)

// reencoded is a body whose leaf parts no longer hold stray bytes, and the
// transfer encoding its top-level entity now has ("" when it kept its own).
type reencoded struct {
	body []byte
	cte  string
}

// maxDepth bounds the nesting of multiparts that reencode follows.
const maxDepth = 50

// reencode rewrites a body with CRLF line ends (RFC 2045 6.4): each leaf
// part that holds a bare CR, bare LF or NUL is re-encoded, quoted-printable
// for text and base64 otherwise, with the bytes it decodes to kept. Stray
// bytes in a multipart's own lines (preamble, boundaries, epilogue), in a
// part's header, or inside a message/* part, which may only be 7bit, 8bit
// or binary (RFC 2046 5.2.1), cannot be re-encoded: the error says where.
func reencode(fields []field, body []byte, depth int) (reencoded, error) {
	mediaType, params := contentType(fields)
	if depth > maxDepth {
		return reencoded{}, bareBytes("MIME parts nested too deep", "stray bytes")
	}
	if strings.HasPrefix(mediaType, "multipart/") && params["boundary"] != "" {
		out, err := reencodeMultipart(body, params["boundary"], depth)
		return reencoded{body: out}, err
	}
	what := stray(body)
	switch {
	case what == "":
		return reencoded{body: body}, nil
	case strings.HasPrefix(mediaType, "multipart/") || strings.HasPrefix(mediaType, "message/"):
		return reencoded{}, bareBytes("a "+mediaType+" part, which cannot be re-encoded", what)
	}
	content, err := decodeLeaf(fields, body)
	if err != nil {
		return reencoded{}, bareBytes("a "+mediaType+" part whose encoding cannot be read ("+err.Error()+")", what)
	}
	if strings.HasPrefix(mediaType, "text/") {
		return reencoded{body: encodeQuotedPrintable(content), cte: "quoted-printable"}, nil
	}
	return reencoded{body: encodeBase64(content), cte: "base64"}, nil
}

// contentType is an entity's media type, lower case, text/plain when it
// has none or one that does not parse (RFC 2045 5.2).
func contentType(fields []field) (string, map[string]string) {
	for _, f := range fields {
		if f.name == "Content-Type" {
			mt, params, err := mime.ParseMediaType(f.value())
			if err != nil {
				return "text/plain", nil
			}
			return mt, params
		}
	}
	return "text/plain", nil
}

func transferEncoding(fields []field) string {
	for _, f := range fields {
		if f.name == "Content-Transfer-Encoding" {
			return strings.ToLower(f.value())
		}
	}
	return ""
}

// decodeLeaf returns the bytes a leaf's body stands for. Identity
// encodings stand for themselves, stray bytes included.
func decodeLeaf(fields []field, body []byte) ([]byte, error) {
	switch cte := transferEncoding(fields); cte {
	case "", "7bit", "8bit", "binary":
		return body, nil
	case "base64":
		clean := bytes.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, body)
		return base64.StdEncoding.DecodeString(string(clean))
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	default:
		return nil, errUnknownEncoding(cte)
	}
}

type errUnknownEncoding string

func (e errUnknownEncoding) Error() string {
	return "unknown transfer encoding " + quoteShort(string(e))
}

// reencodeMultipart re-encodes the parts of a multipart body (RFC 2046
// 5.1.1). A delimiter line is found at the start of any line, so that one
// after a bare LF is seen, and refused, rather than taken for text.
func reencodeMultipart(body []byte, boundary string, depth int) ([]byte, error) {
	delims := findDelimiters(body, "--"+boundary)
	if len(delims) == 0 {
		if what := stray(body); what != "" {
			return nil, bareBytes("a multipart body without boundaries", what)
		}
		return body, nil
	}
	var out bytes.Buffer
	if err := structural(&out, body[:delims[0].start], "the multipart preamble"); err != nil {
		return nil, err
	}
	for i, d := range delims {
		if err := structural(&out, body[d.start:d.end], "a multipart boundary line"); err != nil {
			return nil, err
		}
		if d.close {
			err := structural(&out, body[d.end:], "the multipart epilogue")
			return out.Bytes(), err
		}
		partEnd := len(body)
		if i+1 < len(delims) {
			partEnd = delims[i+1].start
		}
		if err := reencodePart(&out, body[d.end:partEnd], depth); err != nil {
			return nil, err
		}
	}
	return out.Bytes(), nil
}

// structural copies bytes of a multipart's own structure, which have to be
// clean already.
func structural(out *bytes.Buffer, b []byte, where string) error {
	if what := stray(b); what != "" {
		return bareBytes(where, what)
	}
	out.Write(b)
	return nil
}

// delimiter is a boundary line: from the CRLF before it (RFC 2046 5.1.1:
// it belongs to the delimiter) to the end of its own line ending.
type delimiter struct {
	start, end int
	close      bool
}

func findDelimiters(body []byte, dash string) []delimiter {
	var out []delimiter
	for i := 0; i < len(body); {
		if bytes.HasPrefix(body[i:], []byte(dash)) && (i == 0 || body[i-1] == '\n') {
			d := delimiterAt(body, i, dash)
			out = append(out, d)
			if d.close {
				return out
			}
			i = d.end
			continue
		}
		next := bytes.IndexByte(body[i:], '\n')
		if next < 0 {
			break
		}
		i += next + 1
	}
	return out
}

// delimiterAt reads the boundary line at i; a line that only starts like
// one is still taken for it, as go-message and most readers do.
func delimiterAt(body []byte, i int, dash string) delimiter {
	d := delimiter{start: i, end: len(body)}
	switch {
	case i >= 2 && body[i-2] == '\r':
		d.start = i - 2
	case i >= 1:
		d.start = i - 1
	}
	d.close = bytes.HasPrefix(body[i+len(dash):], []byte("--"))
	if nl := bytes.IndexByte(body[i:], '\n'); nl >= 0 {
		d.end = i + nl + 1
	}
	return d
}

// reencodePart re-encodes one body part: its header as it is, or with its
// transfer encoding replaced, then its body.
func reencodePart(out *bytes.Buffer, part []byte, depth int) error {
	o, err := readHeader(newMessageReader(bytes.NewReader(part)))
	if err != nil {
		return err
	}
	if what := stray(o.raw); what != "" && len(o.fields) > 0 {
		return bareBytes("a part's header", what)
	}
	body := append(bytes.Clone(o.bodyHead), part[len(o.raw):]...)
	r, err := reencode(o.fields, body, depth+1)
	if err != nil {
		return err
	}
	if r.cte == "" {
		out.Write(part)
		return nil
	}
	var h headerBuf
	for _, f := range o.fields {
		if f.name != "Content-Transfer-Encoding" {
			h.addRaw(f.raw)
		}
	}
	h.add("Content-Transfer-Encoding", r.cte)
	h.WriteString("\r\n")
	out.Write(h.Bytes())
	out.Write(r.body)
	return nil
}
