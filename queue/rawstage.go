package queue

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// stagedRaw is one intake batch's raw files, on disk before the
// transaction that names them commits. A nil *stagedRaw (a PostgreSQL
// store) stages nothing: the bytes go to raw_chunks in the transaction.
type stagedRaw struct {
	dir   *rawDir
	names []string // one per message of the batch, in its order; "": in raw_chunks
}

// defaultRawFileFrom is the size from which a SQLite store keeps a
// message's bytes in a file of its own rather than in raw_chunks
// (rawDir.fileFrom).
//
// A file costs about the same whatever the message's size: its creation,
// its fsync, and the directory's (issue 12: 0.2-0.4 ms of CPU to create a
// file on ext4 without a journal). In the database, the bytes are written
// three times (the WAL's frames, then the checkpoint's read and write), a
// cost that grows with the size. Most mail is small (the 284 kB corpus's
// median message is 3.7 kB): a small message costs less in the intake
// transaction, which is written and synced anyway. Measured with
// scripts/bench-forward (run -once, CPU a message, median of 3; every
// message in a file: 4.49 ms at ~100 kB, 6.09 ms at 284 kB): from 16 KiB
// 4.38 and 5.47 ms, from 64 KiB 4.13 and 5.82 ms, below 1 MiB all in
// raw_chunks 5.14 and 6.49 ms. 32 KiB is between the two best.
const defaultRawFileFrom = 32 << 10

// stageRaw writes each message's bytes to a new file, then syncs the files
// and, once for the batch, the directory: after it, a commit that names
// them may be acknowledged to the IMAP server. On failure it leaves no
// file behind.
func (s *Store) stageRaw(msgs []Incoming) (*stagedRaw, error) {
	if s.raw == nil {
		return nil, nil
	}
	st := &stagedRaw{dir: s.raw, names: make([]string, len(msgs))}
	files, err := st.write(msgs)
	for _, f := range files {
		if err == nil {
			err = f.Sync()
		}
		err = errors.Join(err, f.Close())
	}
	// A linked spool file (adopt) is a new name too: the directory is
	// synced whenever the batch staged any file, written or linked.
	if err == nil && len(st.files()) > 0 {
		err = s.raw.sync()
	}
	if err != nil {
		st.dir.remove(st.files()...)
		return nil, fmt.Errorf("store raw files: %w", err)
	}
	return st, nil
}

// write creates and writes one file per message of the directory's
// fileFrom bytes or more, all before any sync: the kernel may write them
// out together.
func (st *stagedRaw) write(msgs []Incoming) ([]*os.File, error) {
	var files []*os.File
	for i, m := range msgs {
		if len(m.Raw) < st.dir.fileFrom {
			continue
		}
		if m.RawFile != nil {
			name, err := st.dir.adopt(m.RawFile)
			if err == nil {
				st.names[i] = name
				continue
			}
			st.dir.log.Debug("raw file: spool file not linked, its bytes are written", "error", err)
		}
		f, err := st.dir.create()
		if err != nil {
			return files, err
		}
		files = append(files, f)
		st.names[i] = filepath.Base(f.Name())
		if _, err := f.Write(m.Raw); err != nil {
			return files, err
		}
	}
	return files, nil
}

// name is the file of message i, "" without files.
func (st *stagedRaw) name(i int) string {
	if st == nil {
		return ""
	}
	return st.names[i]
}

// abandon removes the files of a transaction that did not commit. When
// the commit itself failed, whether it reached the disk is unknown (a
// SQLite WAL commit record whose sync failed can still be recovered at the
// next open): the files stay, and the daemon's sweep, which goes by what
// the database holds, removes those no row names.
func (st *stagedRaw) abandon(commitFailed bool) {
	if st == nil || commitFailed {
		return
	}
	st.dir.remove(st.files()...)
}

// files are the names of the files staged.
func (st *stagedRaw) files() []string {
	var names []string
	for _, n := range st.names {
		if n != "" {
			names = append(names, n)
		}
	}
	return names
}

// keepReferenced removes, after the commit, the files of the messages the
// transaction recorded without bytes: duplicates (processed before, or
// recognised by fingerprint), whose records name no file.
func (st *stagedRaw) keepReferenced(out []Outcome) {
	if st == nil {
		return
	}
	for i, o := range out {
		if o.Duplicate && st.names[i] != "" {
			st.dir.remove(st.names[i])
		}
	}
}
