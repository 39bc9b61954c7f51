package main

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
)

func TestGeneratorIsDeterministic(t *testing.T) {
	a, b, c := newGenerator(7), newGenerator(7), newGenerator(8)
	differs := false
	for i := range 30 {
		ma, mb, mc := a.message(i), b.message(i), c.message(i)
		if !bytes.Equal(ma, mb) {
			t.Fatalf("message %d differs between two generators with seed 7", i)
		}
		differs = differs || !bytes.Equal(ma, mc)
	}
	if !differs {
		t.Error("seeds 7 and 8 generated the same 30 messages")
	}
}

// TestMessagesParse checks every message is well-formed MIME, and that the
// mix holds each kind of message.
func TestMessagesParse(t *testing.T) {
	g := newGenerator(1)
	kinds := map[string]int{}
	for i := range 60 {
		msg, err := mail.ReadMessage(bytes.NewReader(g.message(i)))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if msg.Header.Get("Message-ID") == "" {
			t.Errorf("message %d has no Message-ID", i)
		}
		mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		kinds[mediaType]++
		if strings.HasPrefix(mediaType, "multipart/") {
			parts := countParts(t, multipart.NewReader(msg.Body, params["boundary"]))
			if parts < 2 {
				t.Errorf("message %d (%s) has %d parts", i, mediaType, parts)
			}
		}
	}
	for _, k := range []string{"text/plain", "multipart/alternative", "multipart/mixed"} {
		if kinds[k] == 0 {
			t.Errorf("no %s among 60 messages: %v", k, kinds)
		}
	}
}

func countParts(t *testing.T, r *multipart.Reader) int {
	n := 0
	for {
		_, err := r.NextPart()
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatal(err)
			}
			return n
		}
		n++
	}
}

// TestAttachMaxBoundsAttachments checks that -attach-max bounds every
// attachment (20 KiB plus at most attachMax bytes, base64 in 76-character
// lines) and so the corpus's size.
func TestAttachMaxBoundsAttachments(t *testing.T) {
	for _, attachMax := range []int{1, 4 << 10, 64 << 10} {
		g := newGenerator(3)
		g.attachMax = attachMax
		limit := (20<<10 + attachMax + 2) / 3 * 4 * 78 / 76 // encoded, with CRLFs
		for i := range 60 {
			for _, part := range strings.Split(string(g.message(i)), "base64\r\n\r\n")[1:] {
				body, _, _ := strings.Cut(part, "\r\n--")
				if len(body) > limit+2 {
					t.Fatalf("attach-max %d: message %d has a %d-byte attachment, more than %d", attachMax, i, len(body), limit)
				}
			}
		}
	}
}
