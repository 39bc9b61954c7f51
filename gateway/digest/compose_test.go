package digest

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"mime"
	"mime/multipart"
	netmail "net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

var zurich = time.FixedZone("CEST", 2*3600)

func item(t *testing.T, file, caucus, name, from string, received time.Time) Item {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	return Item{Raw: raw, Caucus: caucus, CaucusName: name, From: from, Received: received}
}

func sampleBatch(t *testing.T) Batch {
	return Batch{
		Items: []Item{
			item(t, "reply-plain.eml", "gender", "Gender Caucus", "Ana Bo <ana@example.org>", time.Date(2025, 6, 2, 14, 3, 5, 0, zurich)),
			item(t, "reply-attachment.eml", "education", "Education Caucus", "=?utf-8?q?Beno=C3=AEt_Durand?= <benoit@example.net>", time.Date(2025, 6, 3, 8, 30, 9, 0, zurich)),
		},
		To: "ITU Events <events@itu.int>", Account: "bureau@example.org",
		InvitationMessageID: "inv-42@itu.int", InvitationSubject: "Invitation: consultation on digital education",
		ReplyTo:  "caucus-gender@example.org, caucus-education@example.org",
		Schedule: "CRON_TZ=Europe/Zurich 0 17 * * *", Slot: time.Date(2025, 6, 3, 15, 0, 0, 0, time.UTC),
		Date: time.Date(2025, 6, 3, 15, 0, 2, 0, time.UTC), StripQuotes: true,
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (go test -update rewrites it):\n%s", name, path, got)
	}
}

func TestGolden(t *testing.T) {
	b := sampleBatch(t)
	var buf bytes.Buffer
	if err := WriteDigest(&buf, b); err != nil {
		t.Fatal(err)
	}
	golden(t, "digest", buf.Bytes())
	for i, name := range []string{"relay-plain", "relay-attachment"} {
		one := b
		one.Items = b.Items[i : i+1]
		one.ReplyTo = []string{"caucus-gender@example.org", "caucus-education@example.org"}[i]
		buf.Reset()
		if err := WriteRelay(&buf, one); err != nil {
			t.Fatal(err)
		}
		golden(t, name, buf.Bytes())
	}
}

// The digest parses with the standard library: net/mail for the header,
// mime/multipart for the parts, each reply a message in its own right.
func TestDigestParsesWithNetMail(t *testing.T) {
	b := sampleBatch(t)
	var buf bytes.Buffer
	if err := WriteDigest(&buf, b); err != nil {
		t.Fatal(err)
	}
	m, err := netmail.ReadMessage(&buf)
	if err != nil {
		t.Fatal(err)
	}
	checkThreading(t, m.Header.Get, b)
	media, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || media != "multipart/digest" {
		t.Fatalf("Content-Type %q (%v), want multipart/digest", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	var types, froms []string
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		types = append(types, p.Header.Get("Content-Type"))
		if p.Header.Get("Content-Type") == "message/rfc822" {
			inner, err := netmail.ReadMessage(p)
			if err != nil {
				t.Fatalf("part %d: %v", len(types), err)
			}
			froms = append(froms, inner.Header.Get("Message-Id"))
		}
	}
	want := "text/plain; charset=utf-8|message/rfc822|message/rfc822"
	if strings.Join(types, "|") != want || strings.Join(froms, " ") != "<reply-1@example.org> <reply-2@example.net>" {
		t.Errorf("parts %v carrying %v, want %s carrying both replies", types, froms, want)
	}
}

func checkThreading(t *testing.T, get func(string) string, b Batch) {
	t.Helper()
	checks := map[string]string{
		"In-Reply-To": "<inv-42@itu.int>", "References": "<inv-42@itu.int>",
		"Message-Id": MessageID(b.Schedule, b.Slot, b.To, b.Account),
		"Reply-To":   "<caucus-gender@example.org>, <caucus-education@example.org>",
		"List-Id":    "", "Precedence": "", "X-Loop": "bureau@example.org",
	}
	for key, want := range checks {
		if got := get(key); got != want {
			t.Errorf("%s = %q, want %q", key, got, want)
		}
	}
}

// The digest parses with go-message too; the summary quotes every reply
// with its quoted invitation stripped, and the attached originals are
// intact.
func TestDigestParsesWithGoMessage(t *testing.T) {
	b := sampleBatch(t)
	var buf bytes.Buffer
	if err := WriteDigest(&buf, b); err != nil {
		t.Fatal(err)
	}
	e, err := message.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	mr := e.MultipartReader()
	summary, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	text, _ := io.ReadAll(summary.Body)
	for _, want := range []string{"Zoë Martín as speaker", "Benoît Durand for the Education Caucus", "éducation envoie sa position"} {
		if !strings.Contains(string(text), want) {
			t.Errorf("summary lacks %q:\n%s", want, text)
		}
	}
	for _, gone := range []string{"> Dear colleagues", "wrote:", "Message d'origine"} {
		if strings.Contains(string(text), gone) {
			t.Errorf("summary keeps the quoted %q", gone)
		}
	}
	for i := range b.Items {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(p.Body)
		_, origBody, _ := bytes.Cut(crlf(b.Items[i].Raw), []byte("\r\n\r\n"))
		head, gotBody, _ := bytes.Cut(body, []byte("\r\n\r\n"))
		if !bytes.Equal(gotBody, origBody) {
			t.Errorf("reply %d's body is not carried intact", i+1)
		}
		checkSafeFields(t, i, string(head), b.Items[i])
	}
	if strings.Contains(string(text), "benoit@example.net") || strings.Contains(string(text), "ana@example.org") {
		t.Errorf("the summary shows a member's address under show_members: name:\n%s", text)
	}
}

// checkSafeFields: an attached reply keeps only From (the gateway's, with
// the member's name), Date, Subject, Message-ID, In-Reply-To, References
// and Content-*; never its To, Cc or Delivered-To (a copy's reply address).
func checkSafeFields(t *testing.T, i int, head string, it Item) {
	t.Helper()
	for _, line := range strings.Split(head, "\r\n") {
		key, _, ok := strings.Cut(line, ":")
		if !ok || strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			continue
		}
		if !isSafe(key) && key != "From" && key != "Reply-To" {
			t.Errorf("reply %d is attached with %s", i+1, line)
		}
	}
	_, address := it.answerer()
	if strings.Contains(head, address) {
		t.Errorf("reply %d is attached with its member's address %s:\n%s", i+1, address, head)
	}
}

// A relayed attachment is byte-identical after decoding.
func TestRelayKeepsAttachment(t *testing.T) {
	b := sampleBatch(t)
	b.Items = b.Items[1:]
	var buf bytes.Buffer
	if err := WriteRelay(&buf, b); err != nil {
		t.Fatal(err)
	}
	e, err := message.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	err = e.Walk(func(path []int, part *message.Entity, err error) error {
		if t, _, _ := part.Header.ContentType(); t == "application/pdf" {
			body, _ := io.ReadAll(part.Body)
			found = bytes.HasPrefix(body, []byte("%PDF-1.4\n")) && len(body) == 48
		}
		return err
	})
	if err != nil || !found {
		t.Errorf("the PDF did not arrive intact (walk error %v)", err)
	}
	if got := e.Header.Get("X-Original-From"); got != "" {
		t.Errorf("X-Original-From = %q under show_members: name", got)
	}
	b.ShowMembers = ShowNameAndAddress
	buf.Reset()
	if err := WriteRelay(&buf, b); err != nil {
		t.Fatal(err)
	}
	if e, err = message.Read(&buf); err != nil {
		t.Fatal(err)
	}
	if got := e.Header.Get("X-Original-From"); got != "=?utf-8?q?Beno=C3=AEt_Durand?= <benoit@example.net>" {
		t.Errorf("X-Original-From = %q under show_members: name_and_address", got)
	}
}

func TestMessageID(t *testing.T) {
	slot := time.Date(2025, 6, 3, 15, 0, 0, 0, time.UTC)
	base := MessageID("@daily", slot, "events@itu.int", "bureau@example.org")
	same := []string{
		MessageID("@daily", slot.In(zurich), "events@itu.int", "bureau@example.org"),
		MessageID("@daily", slot.Add(300*time.Nanosecond), "EVENTS@itu.int", "bureau@example.org"),
		MessageID("@daily", slot, "ITU Events <events@itu.int>", "other@example.org"),
	}
	for i, id := range same {
		if id != base {
			t.Errorf("case %d: %s, want %s", i, id, base)
		}
	}
	differ := []string{
		MessageID("@hourly", slot, "events@itu.int", "bureau@example.org"),
		MessageID("@daily", slot.Add(time.Microsecond), "events@itu.int", "bureau@example.org"),
		MessageID("@daily", slot, "bureau@example.org", "bureau@example.org"),
		MessageID("@daily\x00", slot, "events@itu.int", "bureau@example.org"),
	}
	for i, id := range differ {
		if id == base {
			t.Errorf("case %d: %s equals the base identifier", i, id)
		}
	}
	if !regexp.MustCompile(`^<[0-9a-f]{32}@example\.org>$`).MatchString(base) {
		t.Errorf("MessageID %q is not a msg-id at the account's domain", base)
	}
}

// Names and subjects carrying CR or LF never add a header field.
func TestNoHeaderInjection(t *testing.T) {
	b := sampleBatch(t)
	b.InvitationSubject = "Invitation\r\nBcc: victim@example.com"
	b.InvitationMessageID = "<inv@itu.int>\r\nBcc: victim@example.com"
	b.Items[0].CaucusName = "Gender\nBcc: victim@example.com"
	b.Items[0].From = "\"Ana\r\nBcc: victim@example.com\" <ana@example.org>"
	for name, write := range map[string]func(io.Writer, Batch) error{"relay": WriteRelay, "digest": WriteDigest} {
		one := b
		if name == "relay" {
			one.Items = b.Items[:1]
		}
		var buf bytes.Buffer
		if err := write(&buf, one); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		m, err := netmail.ReadMessage(&buf)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m.Header.Get("Bcc") != "" || m.Header.Get("In-Reply-To") != "" {
			t.Errorf("%s: injected Bcc %q or malformed In-Reply-To %q", name, m.Header.Get("Bcc"), m.Header.Get("In-Reply-To"))
		}
	}
}

func TestInvalidBatch(t *testing.T) {
	b := sampleBatch(t)
	cases := map[string]func(*Batch){
		"no date":         func(b *Batch) { b.Date = time.Time{} },
		"bad destination": func(b *Batch) { b.To = "not an address" },
		"bad account":     func(b *Batch) { b.Account = "" },
		"bad Reply-To":    func(b *Batch) { b.ReplyTo = "@@" },
		"one item digest": func(b *Batch) { b.Items = b.Items[:1] },
	}
	for name, mutate := range cases {
		c := b
		mutate(&c)
		if err := WriteDigest(io.Discard, c); !errors.Is(err, ErrInvalidBatch) {
			t.Errorf("%s: WriteDigest error %v, want ErrInvalidBatch", name, err)
		}
	}
	if err := WriteRelay(io.Discard, b); !errors.Is(err, ErrInvalidBatch) {
		t.Errorf("WriteRelay of two items: %v, want ErrInvalidBatch", err)
	}
}
