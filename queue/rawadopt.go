package queue

import (
	"errors"
	"fmt"
	"os"
)

// adopt gives f, a file with no name holding a message's bytes (a literal
// the IMAP fetch spooled, Incoming.RawFile), a new raw file's name in the
// directory, and syncs it: the bytes are not written a second time. An
// error leaves no name behind: the caller writes a file of its own.
func (d *rawDir) adopt(f *os.File) (string, error) {
	if err := d.owner.giveFile(f); err != nil {
		return "", err
	}
	name := newRawName()
	if err := linkUnnamed(f, d.file(name)); err != nil {
		return "", fmt.Errorf("link spool file as raw file: %w", err)
	}
	if err := f.Sync(); err != nil {
		return "", errors.Join(fmt.Errorf("sync raw file: %w", err), os.Remove(d.file(name)))
	}
	return name, nil
}

// SpoolDir is where a spooled literal's file can be made so that adopt
// may link it (Incoming.RawFile): the raw directory of a SQLite store; ""
// for PostgreSQL, which keeps no raw files.
func (s *Store) SpoolDir() string {
	if s.raw == nil {
		return ""
	}
	return s.raw.path
}
