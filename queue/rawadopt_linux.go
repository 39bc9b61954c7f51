package queue

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// linkUnnamed gives the open file f (an O_TMPFILE) the name path, on the
// same filesystem, through its /proc/self/fd link: linkat with
// AT_EMPTY_PATH would need CAP_DAC_READ_SEARCH.
func linkUnnamed(f *os.File, path string) error {
	fd := "/proc/self/fd/" + strconv.Itoa(int(f.Fd()))
	return unix.Linkat(unix.AT_FDCWD, fd, unix.AT_FDCWD, path, unix.AT_SYMLINK_FOLLOW)
}
