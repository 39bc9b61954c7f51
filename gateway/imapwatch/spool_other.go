//go:build !unix

package imapwatch

import (
	"io"
	"os"
)

// mapFile reads f into memory where mmap is not available.
func mapFile(f *os.File, n int64) ([]byte, error) {
	b := make([]byte, n)
	_, err := f.ReadAt(b, 0)
	if err == io.EOF {
		err = nil
	}
	return b, err
}

func unmap([]byte) error { return nil }
