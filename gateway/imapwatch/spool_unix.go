//go:build unix

package imapwatch

import (
	"os"
	"syscall"
)

// mapFile maps the first n bytes of f read-only. The pages are the page
// cache's, outside the Go heap: the collector's goal does not grow with
// them, and the kernel may drop them while they are not being read.
func mapFile(f *os.File, n int64) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, int(n), syscall.PROT_READ, syscall.MAP_SHARED)
}

func unmap(b []byte) error { return syscall.Munmap(b) }
