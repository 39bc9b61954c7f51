//go:build unix

package queue

import (
	"os"
	"syscall"
)

// storeOwner is who the files a store makes beside its database must
// belong to: the database file's owner, when this process runs as root
// and that owner is someone else. An admin who runs a command under sudo
// (run -once, or a CLI command that opens the store first after an
// upgrade) must not leave the daemon's user a lock file, a raw directory
// or raw files it cannot open. SQLite does the same for its own -wal and
// -shm files. nil when there is nothing to do: not root, no database
// file yet, or a database root owns.
func storeOwner(dbPath string) *fileOwner {
	if os.Geteuid() != 0 {
		return nil
	}
	fi, err := os.Stat(dbPath)
	if err != nil {
		return nil
	}
	st, isUnix := fi.Sys().(*syscall.Stat_t)
	if !isUnix || st.Uid == 0 {
		return nil
	}
	return &fileOwner{uid: int(st.Uid), gid: int(st.Gid)}
}
