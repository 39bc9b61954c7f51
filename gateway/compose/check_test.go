package compose

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"testing"

	"github.com/emersion/go-message"
)

// leaf is one non-multipart part of a message, identified by its place and
// type, with the SHA-256 of its body decoded (transfer encoding, charset).
type leaf struct {
	path, mediaType, sum string
}

// leaves decodes every part of raw with go-message, as a recipient's client
// would. An unknown charset or encoding is compared undecoded.
func leaves(raw []byte) ([]leaf, error) {
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return nil, fmt.Errorf("read message: %w", err)
	}
	var out []leaf
	err = e.Walk(func(path []int, part *message.Entity, err error) error {
		if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
			return err
		}
		if part.MultipartReader() != nil {
			return nil
		}
		mt, _, _ := part.Header.ContentType()
		body, err := io.ReadAll(part.Body)
		if err != nil {
			return fmt.Errorf("read part %v: %w", path, err)
		}
		sum := sha256.Sum256(body)
		out = append(out, leaf{fmt.Sprint(path), mt, hex.EncodeToString(sum[:8])})
		return nil
	})
	return out, err
}

// embedded returns the body of the first message/rfc822 part of raw.
func embedded(t testing.TB, raw []byte) []byte {
	t.Helper()
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read composed message: %v", err)
	}
	var found []byte
	err = e.Walk(func(path []int, part *message.Entity, err error) error {
		if err != nil {
			return err
		}
		if mt, _, _ := part.Header.ContentType(); mt == "message/rfc822" && found == nil {
			found, err = io.ReadAll(part.Body)
		}
		return err
	})
	if err != nil || found == nil {
		t.Fatalf("no message/rfc822 part in the composed message (%v)", err)
	}
	return found
}

// checkWellFormed asserts what every composed copy must satisfy: go-message
// and net/mail both read its header, every header line ends in CRLF and
// holds at most 998 bytes, no field name is empty, and no bare CR, bare LF
// or NUL is anywhere in it.
func checkWellFormed(t testing.TB, out []byte) {
	t.Helper()
	if what := stray(out); what != "" {
		t.Fatalf("the composed message holds a %s, which must never reach SMTP DATA", what)
	}
	if _, err := mail.ReadMessage(bytes.NewReader(out)); err != nil {
		t.Fatalf("net/mail cannot read the composed message: %v\n%s", err, head(out))
	}
	if _, err := message.Read(bytes.NewReader(out)); err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		t.Fatalf("go-message cannot read the composed message: %v\n%s", err, head(out))
	}
	if err := checkHeaderLines(out); err != nil {
		t.Fatalf("%v\n%s", err, head(out))
	}
}

func checkHeaderLines(out []byte) error {
	end := bytes.Index(out, []byte("\r\n\r\n"))
	if end < 0 {
		return errors.New("composed message has no empty line after its header")
	}
	for i, line := range strings.Split(string(out[:end]), "\r\n") {
		if len(line) > maxLineBytes {
			return fmt.Errorf("header line %d is %d bytes long", i+1, len(line))
		}
		if strings.ContainsAny(line, "\r\n") {
			return fmt.Errorf("header line %d has a bare CR or LF", i+1)
		}
	}
	return nil
}

// checkSameParts asserts that out's parts decode to the same bytes as in's.
func checkSameParts(t testing.TB, in, out []byte) {
	t.Helper()
	want, err := leaves(in)
	if err != nil {
		t.Fatalf("decode original: %v", err)
	}
	got, err := leaves(out)
	if err != nil {
		t.Fatalf("decode copy: %v", err)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("parts differ after decoding\n got: %v\nwant: %v", got, want)
	}
}

func head(b []byte) string {
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 && i < 4000 {
		return string(b[:i])
	}
	return string(b[:min(len(b), 4000)])
}

// TestHeaderFieldsReadsWhatWriteCarries: intake reads a header the way
// composition does, including the lenient cases.
func TestHeaderFieldsReadsWhatWriteCarries(t *testing.T) {
	raw := "From nobody Mon Nov 23 10:00:00 2026\r\nFrom: A <a@itu.int>\r\nSubject: Hi\r\n there\r\n\r\nbody\r\n"
	fields, err := HeaderFields(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"From: A <a@itu.int>\r\n", "Subject: Hi\r\n there\r\n"}
	if len(fields) != len(want) {
		t.Fatalf("fields %q, want %q", fields, want)
	}
	for i := range want {
		if string(fields[i]) != want[i] {
			t.Errorf("field %d = %q, want %q", i, fields[i], want[i])
		}
	}
}
