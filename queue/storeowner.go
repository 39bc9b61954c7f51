package queue

import (
	"fmt"
	"os"
)

// fileOwner is a user and group to give a file to (storeOwner).
type fileOwner struct{ uid, gid int }

// givePath gives the file or directory at path to o, when o is set.
func (o *fileOwner) givePath(path string) error {
	if o == nil {
		return nil
	}
	if err := os.Lchown(path, o.uid, o.gid); err != nil {
		return fmt.Errorf("give %s to the store's owner (uid %d): %w", path, o.uid, err)
	}
	return nil
}

// giveFile gives the open file f to o, when o is set.
func (o *fileOwner) giveFile(f *os.File) error {
	if o == nil {
		return nil
	}
	if err := f.Chown(o.uid, o.gid); err != nil {
		return fmt.Errorf("give %s to the store's owner (uid %d): %w", f.Name(), o.uid, err)
	}
	return nil
}
