package mailstack

import (
	"bytes"
	"testing"
)

func TestMaildirTime(t *testing.T) {
	tests := []struct {
		name      string
		sec, usec int64
	}{
		{"1764200000.M5P123.vm,S=10,W=11:2,", 1764200000, 5},
		{"1764200000.M123456P123.vm,S=10,W=11:2,S", 1764200000, 123456},
		{"1764200001.M7P1.vm", 1764200001, 7},
		{"1764200002.vm", 1764200002, 0},
		{"garbage", 0, 0},
		{"", 0, 0},
	}
	for _, tt := range tests {
		sec, usec := maildirTime(tt.name)
		if sec != tt.sec || usec != tt.usec {
			t.Errorf("maildirTime(%q) = %d, %d; want %d, %d", tt.name, sec, usec, tt.sec, tt.usec)
		}
	}
}

func TestCompareEntriesOrdersByTimeNotByName(t *testing.T) {
	// As strings "M5" sorts after "M123456"; in time it comes first.
	early := maildirEntry{path: "new/1764200000.M5P1.vm", sec: 1764200000, usec: 5}
	late := maildirEntry{path: "new/1764200000.M123456P1.vm", sec: 1764200000, usec: 123456}
	if compareEntries(early, late) >= 0 || compareEntries(late, early) <= 0 {
		t.Errorf("compareEntries does not put %s before %s", early.path, late.path)
	}
}

func TestMaildirUser(t *testing.T) {
	tests := []struct{ in, want string }{
		{"bureau@example.org", "bureau@example.org"},
		{"Bureau@Example.ORG", "bureau@example.org"},
		{"bureau+tok1@example.org", "bureau@example.org"},
		{"bureau+a+b@example.org", "bureau@example.org"},
		{"postmaster", "postmaster"},
	}
	for _, tt := range tests {
		if got := maildirUser(tt.in); got != tt.want {
			t.Errorf("maildirUser(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestToCRLF(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a\nb\n", "a\r\nb\r\n"},
		{"a\r\nb\r\n", "a\r\nb\r\n"},
		{"\n", "\r\n"},
		{"mixed\r\nand\nbare\rcr", "mixed\r\nand\r\nbare\rcr"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := toCRLF([]byte(tt.in)); !bytes.Equal(got, []byte(tt.want)) {
			t.Errorf("toCRLF(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHeaderLine(t *testing.T) {
	msg := []byte("Return-Path: <a@b>\r\nSUBJECT:  Hello there\r\nX: y\r\n\r\nSubject: in the body\r\n")
	tests := []struct {
		msg         []byte
		field, want string
	}{
		{msg, "Subject", "Hello there"},
		{msg, "x", "y"},
		{msg, "Missing", ""},
		{[]byte("Subject: lf only\n\nbody"), "Subject", "lf only"},
		{[]byte("no header at all"), "Subject", ""},
	}
	for _, tt := range tests {
		if got := headerLine(tt.msg, tt.field); got != tt.want {
			t.Errorf("headerLine(%q, %q) = %q, want %q", tt.msg, tt.field, got, tt.want)
		}
	}
}

// FuzzMaildirName feeds arbitrary file names and contents to the Maildir
// helpers: they must not panic, and CRLF conversion must leave no bare LF
// and be idempotent (a message read twice must not grow).
func FuzzMaildirName(f *testing.F) {
	f.Add("1764200000.M5P123.vm,S=10,W=11:2,S")
	f.Add("")
	f.Add("x.M\r\n\n\r")
	f.Fuzz(func(t *testing.T, name string) {
		maildirTime(name)
		maildirUser(name)
		got := toCRLF([]byte(name))
		if bytes.Count(got, []byte("\n")) != bytes.Count(got, []byte("\r\n")) {
			t.Errorf("toCRLF(%q) = %q leaves a bare LF", name, got)
		}
		if again := toCRLF(got); !bytes.Equal(again, got) {
			t.Errorf("toCRLF is not idempotent on %q: %q then %q", name, got, again)
		}
	})
}
