//go:build !linux

package imapwatch

import (
	"errors"
	"os"
)

// openUnnamed is Linux's O_TMPFILE; elsewhere a spool file is named and
// removed at once.
func openUnnamed(string) (*os.File, error) { return nil, errors.ErrUnsupported }
