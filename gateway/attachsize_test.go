package gateway

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// withAttachment is a message with a text part and an attachment of n
// bytes, in base64 lines of 76 characters.
func withAttachment(n int) []byte {
	data := bytes.Repeat([]byte{0, 1, 2, 0xfe, 0xff}, n/5+1)[:n]
	enc := base64.StdEncoding.EncodeToString(data)
	var lines []string
	for len(enc) > 76 {
		lines, enc = append(lines, enc[:76]), enc[76:]
	}
	lines = append(lines, enc)
	return []byte("From: a@itu.int\r\nSubject: Invitation\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n" +
		"--b\r\nContent-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		strings.Join(lines, "\r\n") + "\r\n--b--\r\n")
}

// TestAttachmentSizeFromEncodedLength: the size the rules see is the
// decoded size, for every padding, though nothing is decoded.
func TestAttachmentSizeFromEncodedLength(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 4, 56, 57, 58, 1000, 250 << 10} {
		in := parseInbound(withAttachment(n))
		if len(in.Facts.Attachments) != 1 || in.Facts.Attachments[0].Size != int64(n) {
			t.Errorf("%d bytes: attachments %+v", n, in.Facts.Attachments)
		}
		if !strings.Contains(in.Facts.Body, "See attached.") {
			t.Errorf("%d bytes: body %q", n, in.Facts.Body)
		}
	}
}

func TestEncodedSize(t *testing.T) {
	tests := []struct {
		cte, body string
		want      int64
	}{
		{"base64", "QUJD\r\nREVG\r\n", 6},
		{"BASE64", "QQ==\r\n", 1},
		{"base64", "QUI=", 2},
		{"quoted-printable", "a=3Db=\r\nc\r\n", 6},
		{"7bit", "abc\r\n", 5},
		{"", "", 0},
	}
	for _, tt := range tests {
		if got, err := encodedSize(tt.cte, strings.NewReader(tt.body)); err != nil || got != tt.want {
			t.Errorf("%s %q: %d, %v; want %d", tt.cte, tt.body, got, err, tt.want)
		}
	}
}

// FuzzEncodedSize: for any data, the size read off its base64 encoding,
// folded anywhere, is its length.
func FuzzEncodedSize(f *testing.F) {
	f.Add([]byte("hello"), uint8(76))
	f.Add([]byte{}, uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, fold uint8) {
		enc := base64.StdEncoding.EncodeToString(data)
		step := int(fold)%100 + 1
		var b strings.Builder
		for i := 0; i < len(enc); i += step {
			fmt.Fprintf(&b, "%s\r\n", enc[i:min(i+step, len(enc))])
		}
		got, err := encodedSize("base64", strings.NewReader(b.String()))
		if err != nil || got != int64(len(data)) {
			t.Fatalf("%d bytes: size %d, %v", len(data), got, err)
		}
	})
}

// BenchmarkParseInbound reads a message with a 250 kB attachment as intake
// does.
func BenchmarkParseInbound(b *testing.B) {
	raw := withAttachment(250 << 10)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		parseInbound(raw)
	}
}
