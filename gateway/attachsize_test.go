package gateway

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"caucusgate/gateway/mailsim"
	"caucusgate/queue/queuetest"
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

// BenchmarkParseInbound reads a message with a 250 kB attachment as intake
// does.
func BenchmarkParseInbound(b *testing.B) {
	raw := withAttachment(250 << 10)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		parseInbound(raw)
	}
}

// TestAdminPreviewAttachmentSize: a moderator's preview shows an
// attachment's decoded size, read off its encoded length.
func TestAdminPreviewAttachmentSize(t *testing.T) {
	ctx := context.Background()
	p := newPipeline(t, queuetest.SQLite(t), mailsim.Options{})
	p.setRules(t, moderatedRules)
	const size = 1001 // base64 of it ends in one "="
	raw := bytes.Replace(withAttachment(size), []byte("From: a@itu.int\r\n"),
		[]byte("From: someone@unknown.example.com\r\nMessage-ID: <annex@unknown.example.com>\r\n"), 1)
	if err := p.world.Append("bureau@example.org", "INBOX", raw); err != nil {
		t.Fatal(err)
	}
	p.runOnce()
	g, err := New(p.cfg)
	if err != nil {
		t.Fatal(err)
	}
	list, err := g.AdminBackend().Held(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("held: %+v %v", list, err)
	}
	h, err := g.AdminBackend().HeldMessage(ctx, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if a := h.Preview.Attachments; len(a) != 1 || a[0].Name != "a.pdf" || a[0].Size != size {
		t.Errorf("preview attachments %+v, want a.pdf of %d bytes", a, size)
	}
}
