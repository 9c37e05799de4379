package stickyerr

import (
	"errors"
	"strings"
	"testing"
)

// failAfter accepts n writes, then fails every one.
type failAfter struct {
	n    int
	sink strings.Builder
}

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	return f.sink.Write(p)
}

func TestTheFirstErrorSticksAndLaterPrintsAreSkipped(t *testing.T) {
	sink := &failAfter{n: 1}
	w := &Writer{W: sink}
	w.Printf("one %d\n", 1)
	w.Printf("two\n")
	sink.n = 5 // the sink recovers, but the report is already broken
	w.Printf("three\n")
	if w.Err == nil || w.Err.Error() != "disk full" {
		t.Errorf("Err = %v, want the first failure", w.Err)
	}
	if got := sink.sink.String(); got != "one 1\n" {
		t.Errorf("written %q, want only what came before the failure", got)
	}
}
