//go:build !linux

package queue

import (
	"errors"
	"os"
)

// linkUnnamed is Linux's: elsewhere a spooled message's bytes are written
// to a file of their own.
func linkUnnamed(*os.File, string) error { return errors.ErrUnsupported }
