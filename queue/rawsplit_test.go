package queue

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"caucusgate/queue/queuetest"
)

// TestSmallRawStaysInTheTransaction: on SQLite a message below the raw
// directory's fileFrom keeps its bytes in raw_chunks, written by the
// intake transaction, and gets no file (a file's creation and syncs cost
// more than a small message's pages in the WAL); one of fileFrom bytes
// gets its file. Both read back byte for byte.
func TestSmallRawStaysInTheTransaction(t *testing.T) {
	s := openTest(t, queuetest.SQLite(t), Options{})
	begin(t, s, 7, 0)
	small := message(1, "<small@x>", "a short note", "gender")
	large := message(2, "<large@x>", "", "gender")
	large.Raw = append(large.Raw, strings.Repeat("z", s.raw.fileFrom-len(large.Raw))...)
	out := intake(t, s, 7, small, large)
	for i, want := range []struct {
		m      Incoming
		inFile bool
	}{{small, false}, {large, true}} {
		r, err := s.OpenRaw(context.Background(), out[i].MessageRef)
		if err != nil {
			t.Fatal(err)
		}
		_, isFile := r.(*os.File)
		got, err := io.ReadAll(r)
		r.Close()
		if err != nil || !bytes.Equal(got, want.m.Raw) {
			t.Fatalf("%d-byte message read back: %d bytes, %v", len(want.m.Raw), len(got), err)
		}
		if isFile != want.inFile {
			t.Errorf("%d-byte message (files from %d): read from a file %v, want %v", len(want.m.Raw), s.raw.fileFrom, isFile, want.inFile)
		}
	}
	assertRawFilesAreThoseNamed(t, s, 1)
	if n := count(t, s, "SELECT COUNT(*) FROM raw_chunks"); n != 1 {
		t.Errorf("%d raw chunks, want the small message's 1", n)
	}
}
