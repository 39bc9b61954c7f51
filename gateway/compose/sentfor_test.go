package compose

import (
	"bytes"
	"errors"
	"net/mail"
	"strings"
	"testing"
)

// TestSentForNamesEveryCaucus: a copy standing for several caucuses names
// them all in X-Caucus-Caucuses and keeps one List-Id; a field of that
// name in the original is dropped (nobody else speaks for our caucuses);
// a value that could inject a field is refused.
func TestSentForNamesEveryCaucus(t *testing.T) {
	orig := "From: a@itu.int\r\nX-Caucus-Caucuses: forged\r\nSubject: s\r\nMessage-ID: <m@itu.int>\r\n\r\nbody\r\n"
	spec := Spec{Mode: Resend, Caucus: "climate", CaucusName: "Climate Caucus", Account: "bureau@example.org", SentFor: []string{"climate", "youth"}}
	var out bytes.Buffer
	if err := Write(&out, spec, strings.NewReader(orig)); err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(&out)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Header["X-Caucus-Caucuses"]; len(got) != 1 || got[0] != "climate, youth" {
		t.Errorf("X-Caucus-Caucuses %q, want one field naming both", got)
	}
	if got := m.Header["List-Id"]; len(got) != 1 || !strings.Contains(got[0], "<climate.caucus.") {
		t.Errorf("List-Id %q, want the first caucus's alone", got)
	}
	spec.SentFor = []string{"climate", "youth\r\nBcc: x@evil.example"}
	var se *SpecError
	if err := spec.Validate(); !errors.As(err, &se) || se.Field != "SentFor" {
		t.Errorf("Validate = %v, want a SentFor SpecError", err)
	}
}
