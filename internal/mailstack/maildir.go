package mailstack

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// maildirEntry is a delivered message file with the delivery time its
// Maildir name records.
type maildirEntry struct {
	path      string
	sec, usec int64
}

// Messages returns the raw messages delivered to user's INBOX (Maildir new
// and cur), oldest delivery first, with CRLF line endings as IMAP would
// serve them (Dovecot stores LF), and the Return-Path and Received fields
// the servers added on top. An address with +detail is delivered to
// the address without it, as Dovecot does with recipient_delimiter.
func (s *Stack) Messages(t testing.TB, user string) [][]byte {
	t.Helper()
	msgs, err := s.readInbox(user)
	if err != nil {
		t.Fatalf("mailstack: %v", err)
	}
	return msgs
}

// WaitMessages polls user's INBOX until it holds at least n messages and
// returns them all. When timeout runs out it fails the test, listing what
// did arrive; timeout is a failure budget, not a speed assertion.
func (s *Stack) WaitMessages(t testing.TB, user string, n int, timeout time.Duration) [][]byte {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msgs, err := s.readInbox(user)
		if err != nil {
			t.Fatalf("mailstack: %v", err)
		}
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailstack: %s has %d messages after %v, want %d:\n%s%s",
				user, len(msgs), timeout, n, summarize(msgs), s.logTail("postfix.log"))
		}
		time.Sleep(pollInterval)
	}
}

// readInbox reads every message file of user's INBOX.
func (s *Stack) readInbox(user string) ([][]byte, error) {
	dir := filepath.Join(s.Dir, "mail", maildirUser(user), "Maildir")
	var entries []maildirEntry
	for _, sub := range []string{"new", "cur"} {
		es, err := listMaildir(filepath.Join(dir, sub))
		if err != nil {
			return nil, err
		}
		entries = append(entries, es...)
	}
	slices.SortFunc(entries, compareEntries)
	msgs := make([][]byte, 0, len(entries))
	for _, e := range entries {
		b, err := readMaildirFile(e.path)
		if err != nil {
			return nil, err
		}
		if b != nil {
			msgs = append(msgs, toCRLF(b))
		}
	}
	return msgs, nil
}

// readMaildirFile reads a message file. An IMAP session may meanwhile move
// it from new to cur, or rename it in cur to change its flags: it is then
// looked for under its new name (same base, before the ":2," info).
func readMaildirFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		if err != nil {
			return nil, fmt.Errorf("read message: %w", err)
		}
		return b, nil
	}
	base, _, _ := strings.Cut(filepath.Base(path), ":")
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(filepath.Dir(path)), "cur", base+"*"))
	if len(matches) == 0 {
		return nil, nil // expunged meanwhile
	}
	b, err = os.ReadFile(matches[0])
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	return b, nil
}

// maildirUser is the Maildir owner name Dovecot uses for an address:
// lower case (auth_username_format = %Lu), without +detail.
func maildirUser(addr string) string {
	addr = strings.ToLower(addr)
	local, domain, ok := strings.Cut(addr, "@")
	if !ok {
		return addr
	}
	local, _, _ = strings.Cut(local, "+")
	return local + "@" + domain
}

// listMaildir lists the message files of one Maildir subdirectory; a
// mailbox that never received mail has none.
func listMaildir(dir string) ([]maildirEntry, error) {
	des, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list maildir: %w", err)
	}
	var out []maildirEntry
	for _, de := range des {
		if !de.Type().IsRegular() {
			continue
		}
		e := maildirEntry{path: filepath.Join(dir, de.Name())}
		e.sec, e.usec = maildirTime(de.Name())
		out = append(out, e)
	}
	return out, nil
}

// maildirTime reads the delivery time Dovecot puts in a Maildir file name,
// "SECONDS.MMICROSECONDSP...": the microseconds are not zero-padded, so
// names do not sort by time as strings.
func maildirTime(name string) (sec, usec int64) {
	secText, rest, _ := strings.Cut(name, ".")
	sec, _ = strconv.ParseInt(secText, 10, 64)
	if rest, ok := strings.CutPrefix(rest, "M"); ok {
		end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
		if end < 0 {
			end = len(rest)
		}
		usec, _ = strconv.ParseInt(rest[:end], 10, 64)
	}
	return sec, usec
}

func compareEntries(a, b maildirEntry) int {
	return cmp.Or(cmp.Compare(a.sec, b.sec), cmp.Compare(a.usec, b.usec),
		strings.Compare(filepath.Base(a.path), filepath.Base(b.path)))
}

// summarize lists the Subject of each message, for failure messages.
func summarize(msgs [][]byte) string {
	var b strings.Builder
	for i, m := range msgs {
		fmt.Fprintf(&b, "  %d: Subject: %s\n", i+1, headerLine(m, "Subject"))
	}
	return b.String()
}

// headerLine returns the first line of a header field's value, or "".
func headerLine(msg []byte, field string) string {
	head := msg
	if i := bytes.Index(msg, []byte("\n\r\n")); i >= 0 {
		head = msg[:i]
	} else if i := bytes.Index(msg, []byte("\n\n")); i >= 0 {
		head = msg[:i]
	}
	prefix := strings.ToLower(field) + ":"
	for line := range strings.Lines(string(head)) {
		if strings.HasPrefix(strings.ToLower(line), prefix) {
			return strings.TrimSpace(line[len(prefix):])
		}
	}
	return ""
}

// toCRLF turns every bare LF into CRLF.
func toCRLF(b []byte) []byte {
	out := make([]byte, 0, len(b)+bytes.Count(b, []byte("\n")))
	for i, c := range b {
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}
