package imapwatch

import (
	"golang.org/x/sys/unix"
	"os"
)

// openUnnamed opens a new file with no name in dir (O_TMPFILE): it exists
// only while open, unless linked into a directory of the same filesystem.
func openUnnamed(dir string) (*os.File, error) {
	return os.OpenFile(dir, os.O_RDWR|unix.O_TMPFILE, 0o600)
}
