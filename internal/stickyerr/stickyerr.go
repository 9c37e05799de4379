// Package stickyerr is a writer that keeps its first error, so a report
// renderer can print line after line and check for a failed write once, at
// the end, instead of after every line.
package stickyerr

import (
	"fmt"
	"io"
)

// Writer prints to W until a write fails; later prints do nothing and Err
// holds the first failure.
type Writer struct {
	W   io.Writer
	Err error
}

// Printf formats to W unless an earlier write failed.
func (w *Writer) Printf(format string, args ...any) {
	if w.Err == nil {
		_, w.Err = fmt.Fprintf(w.W, format, args...)
	}
}
