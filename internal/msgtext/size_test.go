package msgtext

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"fmt"
	"io"
	"mime/quotedprintable"
	"strings"
	"testing"

	"github.com/emersion/go-message"
)

func TestDecodedSize(t *testing.T) {
	t.Parallel()
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
		if got, err := DecodedSize(tt.cte, strings.NewReader(tt.body)); err != nil || got != tt.want {
			t.Errorf("%s %q: %d, %v; want %d", tt.cte, tt.body, got, err, tt.want)
		}
	}
}

// FuzzDecodedSize: for any data, the size read off its base64 encoding,
// folded anywhere, is its length.
func FuzzDecodedSize(f *testing.F) {
	f.Add([]byte("hello"), uint8(76))
	f.Add([]byte{}, uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, fold uint8) {
		enc := base64.StdEncoding.EncodeToString(data)
		step := int(fold)%100 + 1
		var b strings.Builder
		for i := 0; i < len(enc); i += step {
			fmt.Fprintf(&b, "%s\r\n", enc[i:min(i+step, len(enc))])
		}
		got, err := DecodedSize("base64", strings.NewReader(b.String()))
		if err != nil || got != int64(len(data)) {
			t.Fatalf("%d bytes: size %d, %v", len(data), got, err)
		}
	})
}

// encodedPart is data in transfer encoding cte, in lines, without a line
// break after the last.
func encodedPart(cte string, data []byte) string {
	var b bytes.Buffer
	switch cte {
	case "base64":
		enc := base64.StdEncoding.EncodeToString(data)
		for len(enc) > 76 {
			b.WriteString(enc[:76] + "\r\n")
			enc = enc[76:]
		}
		b.WriteString(enc)
	case "quoted-printable":
		w := quotedprintable.NewWriter(&b)
		w.Write(data)
		w.Close()
	default:
		b.Write(data)
	}
	return b.String()
}

// decodedSizeOf is the size of the message's part of type mediaType as
// go-message decodes it.
func decodedSizeOf(t *testing.T, raw []byte, mediaType string) int64 {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	size := int64(-1)
	err = e.Walk(func(_ []int, p *message.Entity, err error) error {
		if mt, _, _ := p.Header.ContentType(); mt == mediaType {
			size, err = io.Copy(io.Discard, p.Body)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return size
}

// TestAttachmentSizeIsDecodedSize: the size a preview shows, read off the
// encoded length, is the size of the part decoded, for every padding and
// encoding, at the top, in a multipart and in a forwarded message.
func TestAttachmentSizeIsDecodedSize(t *testing.T) {
	t.Parallel()
	for _, cte := range []string{"base64", "quoted-printable", "8bit"} {
		for _, n := range []int{0, 1, 2, 3, 56, 57, 58, 1000, 100 << 10} {
			data := bytes.Repeat([]byte("\x00\x01=\xfe\xff a\r\n"), n/9+1)[:n]
			if cte == "8bit" {
				data = bytes.Repeat([]byte("Annex line\r\n"), n/12+1)[:n]
			}
			part := "Content-Type: application/pdf; name=\"a.pdf\"\r\nContent-Transfer-Encoding: " + cte + "\r\n\r\n" + encodedPart(cte, data)
			mixed := "From: a@itu.int\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
				"--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\n" + part + "\r\n--b--\r\n"
			for name, m := range map[string]struct{ raw, decoded string }{
				"top":       {"From: a@itu.int\r\nSubject: x\r\nMIME-Version: 1.0\r\n" + part, ""},
				"multipart": {mixed, ""},
				"forwarded": {"From: a@itu.int\r\nSubject: y\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n" + mixed, mixed},
			} {
				raw := m.raw
				want := decodedSizeOf(t, []byte(cmp.Or(m.decoded, raw)), "application/pdf")
				var got []Attachment
				for _, a := range Extract([]byte(raw), nil).Attachments {
					if a.Type == "application/pdf" {
						got = append(got, a)
					}
				}
				if len(got) != 1 || got[0].Size != want || want != int64(n) {
					t.Errorf("%s %s %d bytes: attachments %+v, decoded %d", name, cte, n, got, want)
				}
			}
		}
	}
}
