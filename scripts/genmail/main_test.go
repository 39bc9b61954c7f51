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
