package yamlfile

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Severity tells an error, which makes a file unusable, from a warning, which
// is printed but lets the file load.
type Severity int

const (
	// Error makes the file unusable.
	Error Severity = iota
	// Warning is worth an admin's attention but does not stop the load.
	Warning
)

// String returns "error" or "warning".
func (s Severity) String() string {
	if s == Warning {
		return "warning"
	}
	return "error"
}

// Diagnostic is one problem found in a file. Line and Column are 1-based;
// Column counts characters (runes), not bytes.
type Diagnostic struct {
	File     string
	Line     int
	Column   int
	Message  string
	Severity Severity
}

// String formats d as FILE:LINE:COLUMN: message. A warning's message starts
// with "warning: ", as compilers print them.
func (d Diagnostic) String() string {
	msg := d.Message
	if d.Severity == Warning {
		msg = "warning: " + msg
	}
	if d.Line <= 0 {
		return fmt.Sprintf("%s: %s", d.File, msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s", d.File, d.Line, d.Column, msg)
}

// Diagnostics is every problem found in one or more files.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error (not a warning).
func (ds Diagnostics) HasErrors() bool {
	return slices.ContainsFunc(ds, func(d Diagnostic) bool { return d.Severity == Error })
}

// Errors returns the diagnostics of severity Error.
func (ds Diagnostics) Errors() Diagnostics {
	return ds.filter(Error)
}

// Warnings returns the diagnostics of severity Warning.
func (ds Diagnostics) Warnings() Diagnostics {
	return ds.filter(Warning)
}

func (ds Diagnostics) filter(s Severity) Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == s {
			out = append(out, d)
		}
	}
	return out
}

// Sorted returns a copy ordered by file, line and column; the order of
// diagnostics at one position is kept.
func (ds Diagnostics) Sorted() Diagnostics {
	out := slices.Clone(ds)
	slices.SortStableFunc(out, func(a, b Diagnostic) int {
		return cmp.Or(cmp.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	return out
}

// String returns one diagnostic per line.
func (ds Diagnostics) String() string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// Err returns nil when ds holds no error, and an *InvalidError holding the
// errors otherwise. Warnings alone never make an error.
func (ds Diagnostics) Err() error {
	errs := ds.Errors()
	if len(errs) == 0 {
		return nil
	}
	return &InvalidError{Diagnostics: errs}
}

// InvalidError is returned by [Diagnostics.Err]: the file is unusable, for
// the reasons listed. Callers branch on it with errors.As to print every
// diagnostic and exit with the "invalid configuration" status.
type InvalidError struct {
	Diagnostics Diagnostics
}

// Error returns the first diagnostic and how many more there are.
func (e *InvalidError) Error() string {
	first := e.Diagnostics[0].String()
	if n := len(e.Diagnostics) - 1; n > 0 {
		return fmt.Sprintf("%s (and %d more)", first, n)
	}
	return first
}

// IsInvalid reports whether err is, or wraps, an *InvalidError.
func IsInvalid(err error) bool {
	var ie *InvalidError
	return errors.As(err, &ie)
}
