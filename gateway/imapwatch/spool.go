package imapwatch

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// spoolAbove is the literal size above which a message is spooled to a
// file rather than read onto the heap. A message on the heap doubles
// there: the collector lets the heap grow to twice what is live, so a
// 25 MiB message raised the peak by about 50 MiB (issue 12).
const spoolAbove = 1 << 20

// spool holds the literals of one batch that were written to files and
// mapped read-only. Their bytes are valid until release: the Sink, and
// Scan's callback, must copy what they keep (Message.Spooled).
type spool struct {
	dir  string // "" is os.TempDir()
	maps [][]byte
}

// read reads a literal of n bytes, to a mapped file when it is large.
func (s *spool) read(lit io.Reader, n int64) ([]byte, error) {
	f, err := os.CreateTemp(s.dir, "caucusgate-literal-*")
	if err != nil {
		return nil, fmt.Errorf("spool literal of %d bytes: %w", n, err)
	}
	defer f.Close()
	// Unlinked at once: the descriptor and the mapping keep the data, and
	// nothing is left behind by a crash.
	if err := os.Remove(f.Name()); err != nil {
		return nil, fmt.Errorf("spool literal of %d bytes: %w", n, err)
	}
	if _, err := io.CopyN(f, lit, n); err != nil {
		return nil, fmt.Errorf("spool literal of %d bytes: %w", n, err)
	}
	b, err := mapFile(f, n)
	if err != nil {
		return nil, fmt.Errorf("map spooled literal of %d bytes: %w", n, err)
	}
	s.maps = append(s.maps, b)
	return b, nil
}

// holds says whether b is one of the spooled literals.
func (s *spool) holds(b []byte) bool {
	for _, m := range s.maps {
		if len(b) > 0 && len(m) > 0 && &b[0] == &m[0] {
			return true
		}
	}
	return false
}

// release unmaps every spooled literal. Nothing may read them afterwards.
func (s *spool) release() error {
	if s == nil {
		return nil
	}
	var errs []error
	for _, b := range s.maps {
		errs = append(errs, unmap(b))
	}
	s.maps = nil
	return errors.Join(errs...)
}
