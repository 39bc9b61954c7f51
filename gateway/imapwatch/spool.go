package imapwatch

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
)

// spoolAbove is the literal size above which a message is spooled to a
// file rather than read onto the heap. A message on the heap doubles
// there: the collector lets the heap grow to twice what is live, so a
// 25 MiB message raised the peak by about 50 MiB (issue 12).
const spoolAbove = 1 << 20

// spool holds the literals of one batch that were written to files and
// mapped read-only. A mapping lives until the batch is released (after
// the Sink's Accept, or Scan's callback) and every keep of it is released:
// the Sink, and Scan's callback, must copy what they hold longer, or keep
// it (Message.Keep).
type spool struct {
	dir    string       // Config.SpoolDir; "": os.TempDir()
	logger *slog.Logger // for the unmaps of kept literals; nil: not logged
	mu     sync.Mutex
	maps   []*mapping
}

// mapping is one spooled literal, its file, and how many hold it: the
// batch, and each keep not yet released.
type mapping struct {
	b       []byte
	f       *os.File // open while mapped: the store may link it (Message.File)
	holders int
}

// read reads a literal of n bytes, to a mapped file when it is large.
func (s *spool) read(lit io.Reader, n int64) ([]byte, error) {
	f, err := s.create()
	if err != nil {
		return nil, fmt.Errorf("spool literal of %d bytes: %w", n, err)
	}
	b, err := fill(f, lit, n)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("spool literal of %d bytes: %w", n, err)
	}
	s.mu.Lock()
	s.maps = append(s.maps, &mapping{b: b, f: f, holders: 1})
	s.mu.Unlock()
	return b, nil
}

// create makes the spool file of one literal, with no name: nothing is
// left behind by a crash. In the spool directory it is an unnamed file
// (O_TMPFILE) the store may give a name to. Where the filesystem cannot
// make one, and without a spool directory, it is a file of os.TempDir()
// removed at once: one that had a name cannot be linked again, so the
// spool directory would gain nothing, and a crash between the creation
// and the removal would leave the file among the store's.
func (s *spool) create() (*os.File, error) {
	if s.dir != "" {
		if f, err := openUnnamed(s.dir); err == nil {
			return f, nil
		}
	}
	f, err := os.CreateTemp("", "caucusgate-literal-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// fill writes the literal's n bytes to f and maps them.
func fill(f *os.File, lit io.Reader, n int64) ([]byte, error) {
	if _, err := io.CopyN(f, lit, n); err != nil {
		return nil, err
	}
	b, err := mapFile(f, n)
	if err != nil {
		return nil, fmt.Errorf("map: %w", err)
	}
	return b, nil
}

// find returns the mapping b starts, nil if it is not spooled.
func (s *spool) find(b []byte) *mapping {
	if len(b) == 0 {
		return nil
	}
	for _, m := range s.maps {
		if len(m.b) > 0 && &b[0] == &m.b[0] {
			return m
		}
	}
	return nil
}

// file returns the file b's mapping is of, nil if b is not spooled.
func (s *spool) file(b []byte) *os.File {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.find(b); m != nil {
		return m.f
	}
	return nil
}

// holds says whether b is one of the spooled literals.
func (s *spool) holds(b []byte) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.find(b) != nil
}

// keep holds b's mapping until the returned func is called (once; later
// calls do nothing). b must be one of the spool's literals, and the batch
// not released yet.
func (s *spool) keep(b []byte) (release func()) {
	s.mu.Lock()
	m := s.find(b)
	if m != nil {
		m.holders++
	}
	s.mu.Unlock()
	if m == nil {
		return func() {}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			if err := s.drop(m); err != nil {
				s.log(err)
			}
		})
	}
}

// drop releases one hold of m, and unmaps it when it was the last.
func (s *spool) drop(m *mapping) error {
	s.mu.Lock()
	m.holders--
	last := m.holders == 0
	if last {
		s.maps = slices.DeleteFunc(s.maps, func(x *mapping) bool { return x == m })
	}
	s.mu.Unlock()
	if !last {
		return nil
	}
	return errors.Join(unmap(m.b), m.f.Close())
}

// log reports a failed unmap of a kept literal, whose release has no
// caller to return an error to.
func (s *spool) log(err error) {
	if s.logger != nil {
		s.logger.Error("release spooled message", "error", err)
	}
}

// release releases the batch's hold of every spooled literal: those no
// keep holds are unmapped, and nothing may read them afterwards.
func (s *spool) release() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	maps := slices.Clone(s.maps)
	s.mu.Unlock()
	var errs []error
	for _, m := range maps {
		errs = append(errs, s.drop(m))
	}
	return errors.Join(errs...)
}
