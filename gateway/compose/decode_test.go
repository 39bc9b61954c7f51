package compose

import (
	"mime"
	"net/mail"
	"strings"
	"testing"
)

// TestSplitShiftJISSubject: a Shift_JIS subject whose encoded words split
// a character reaches the copy whole (issue 13: "�坙{" for "日本"), in the
// resent copy's Subject and in the encapsulated copy's cover note.
func TestSplitShiftJISSubject(t *testing.T) {
	in := "From: a@example.jp\r\nTo: bureau@example.org\r\nSubject: =?shift_jis?B?k/qW?= =?shift_jis?B?ew==?=\r\n" +
		"Message-ID: <sjis@example.jp>\r\n\r\nbody\r\n"
	spec := testSpec(Resend)
	spec.Subject, spec.SubjectPrefix = "", "[gender] "
	out := compose(t, spec, []byte(in))
	m, err := mail.ReadMessage(strings.NewReader(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subject != "[gender] 日本" {
		t.Errorf("copy's subject %q, %v; want %q", subject, err, "[gender] 日本")
	}
	enc := compose(t, testSpec(Encapsulate), []byte(in))
	if !strings.Contains(string(enc), "Subject: =E6=97=A5=E6=9C=AC") {
		t.Errorf("cover note does not show the subject whole:\n%s", enc)
	}
}
