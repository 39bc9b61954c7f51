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
	names []string // one per message of the batch, in its order
}

// stageRaw writes each message's bytes to a new file, then syncs the files
// and, once for the batch, the directory: after it, a commit that names
// them may be acknowledged to the IMAP server. On failure it leaves no
// file behind.
func (s *Store) stageRaw(msgs []Incoming) (*stagedRaw, error) {
	if s.raw == nil {
		return nil, nil
	}
	st := &stagedRaw{dir: s.raw}
	files, err := st.write(msgs)
	for _, f := range files {
		if err == nil {
			err = f.Sync()
		}
		err = errors.Join(err, f.Close())
	}
	if err == nil {
		err = s.raw.sync()
	}
	if err != nil {
		st.dir.remove(st.names...)
		return nil, fmt.Errorf("store raw files: %w", err)
	}
	return st, nil
}

// write creates and writes one file per message, all before any sync:
// the kernel may write them out together.
func (st *stagedRaw) write(msgs []Incoming) ([]*os.File, error) {
	files := make([]*os.File, 0, len(msgs))
	for _, m := range msgs {
		f, err := st.dir.create()
		if err != nil {
			return files, err
		}
		files = append(files, f)
		st.names = append(st.names, filepath.Base(f.Name()))
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
	st.dir.remove(st.names...)
}

// keepReferenced removes, after the commit, the files of the messages the
// transaction recorded without bytes: duplicates (processed before, or
// recognised by fingerprint), whose records name no file.
func (st *stagedRaw) keepReferenced(out []Outcome) {
	if st == nil {
		return
	}
	for i, o := range out {
		if o.Duplicate {
			st.dir.remove(st.names[i])
		}
	}
}
