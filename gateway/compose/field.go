package compose

import (
	"bytes"
)

// normaliseField makes a raw field safe to send and to parse, changing as
// little as possible: CRLF line endings (RFC 5322 2.1), no space before the
// colon, control characters (NUL, bare CR, ...) replaced by spaces since no
// parser agrees on them, and lines over 998 bytes folded at a whitespace
// that is already there, which unfolding turns back into the same value.
func normaliseField(raw []byte) ([]byte, error) {
	lines := bytes.Split(bytes.TrimRight(raw, "\r\n"), []byte("\n"))
	out := make([]byte, 0, len(raw)+8)
	for i, l := range lines {
		l = replaceControls(bytes.TrimSuffix(l, []byte("\r")))
		if i == 0 {
			l = tightenName(l)
		}
		folded, err := foldRawLine(l)
		if err != nil {
			return nil, err
		}
		out = append(out, folded...)
	}
	return out, nil
}

// replaceControls replaces C0 controls other than tab, and DEL, by spaces.
func replaceControls(l []byte) []byte {
	var out []byte
	for i, c := range l {
		if (c < 0x20 && c != '\t') || c == 0x7f {
			if out == nil {
				out = bytes.Clone(l)
			}
			out[i] = ' '
		}
	}
	if out == nil {
		return l
	}
	return out
}

// tightenName removes whitespace between a field's name and its colon.
func tightenName(l []byte) []byte {
	i := bytes.IndexByte(l, ':')
	name := bytes.TrimRight(l[:i], " \t")
	if len(name) == i {
		return l
	}
	return append(append(bytes.Clone(name), ':'), l[i+1:]...)
}

// foldRawLine returns l with its CRLF, split into lines of at most 998 bytes
// by inserting CRLF before existing whitespace. A longer run without
// whitespace cannot be folded without changing the value.
func foldRawLine(l []byte) ([]byte, error) {
	var out []byte
	for len(l) > maxLineBytes {
		at := bytes.LastIndexAny(l[1:maxLineBytes+1], " \t") + 1
		if at <= 0 {
			name, _, _ := bytes.Cut(l, []byte(":"))
			return nil, malformed("header line of %.40q over %d bytes without whitespace to fold at", name, maxLineBytes)
		}
		out = append(append(out, l[:at]...), '\r', '\n')
		l = l[at:]
	}
	return append(append(out, l...), '\r', '\n'), nil
}
