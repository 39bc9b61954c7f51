package digest

import (
	"bytes"
	"net/textproto"
	"strings"
	"testing"
	"time"
)

// FuzzNoReplyAddressLeaks: whatever a reply's header holds, a digest or a
// relay of it carries no copy's reply address (bureau+TOKEN@) but the
// answer tokens the batch gave.
func FuzzNoReplyAddressLeaks(f *testing.F) {
	f.Add("bureau+copytoken@example.org", "bureau@example.org", "Delivered-To")
	f.Add("Ana <bureau+copytoken@example.org>", "x@example.org, bureau+copytoken@example.org", "X-Original-To")
	f.Add("", "", "Return-Path")
	f.Fuzz(func(t *testing.T, to, cc, extra string) {
		if strings.ContainsAny(extra, ":\r\n \t") || extra == "" || isSafe(textproto.CanonicalMIMEHeaderKey(extra)) ||
			strings.EqualFold(extra, "From") || strings.EqualFold(extra, "Reply-To") {
			t.Skip("a field a digest keeps, or not a field name")
		}
		if strings.ContainsAny(to+cc, "\r\n") {
			t.Skip("a line break would end the header: the rest is the body, the member's own words")
		}
		raw := []byte("From: Ana <ana@example.org>\r\nTo: " + to + "\r\nCc: " + cc + "\r\n" + extra +
			": <bureau+copytoken@example.org>\r\nSubject: Re: x\r\nContent-Type: text/plain\r\n\r\nyes\r\n")
		b := Batch{To: "events@itu.int", Account: "bureau@example.org", Schedule: "@daily",
			Slot: time.Unix(1700000000, 0), Date: time.Unix(1700000000, 0), ReplyTo: "bureau+answer1@example.org",
			Items: []Item{
				{Raw: raw, Caucus: "gender", From: "Ana <ana@example.org>", ReplyTo: "bureau+answer1@example.org"},
				{Raw: raw, Caucus: "youth", From: "Ana <ana@example.org>", ReplyTo: "bureau+answer2@example.org"},
			}}
		var buf bytes.Buffer
		if err := WriteDigest(&buf, b); err != nil {
			return
		}
		if bytes.Contains(bytes.ToLower(buf.Bytes()), []byte("copytoken")) {
			t.Fatalf("the digest carries a copy's reply address:\n%s", buf.Bytes())
		}
	})
}
