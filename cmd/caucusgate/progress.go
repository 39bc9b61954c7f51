package main

import (
	"fmt"
	"io"
	"os"
)

// progress shows how far a long command is, on a terminal only: a script
// reading the output gets no carriage returns.
type progress struct {
	w     io.Writer
	label string
	shown bool
}

func newProgress(w io.Writer, label string) *progress {
	if !isTerminal(w) {
		return &progress{}
	}
	return &progress{w: w, label: label}
}

func (p *progress) update(done, total int) {
	if p.w == nil {
		return
	}
	fmt.Fprintf(p.w, "\r%s: %d/%d messages", p.label, done, total)
	p.shown = true
}

func (p *progress) done() {
	if p.shown {
		fmt.Fprintln(p.w)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
