// Package lazyre compiles a regular expression on its first use.
//
// A package-level regexp.MustCompile runs before main in every process
// that links the package, whether or not the expression is ever used: the
// mock links the diff, the redactor and the spec loader's message parsers,
// and their expressions together took a couple of milliseconds of every
// start. The expressions are constants, so a typo still fails the first
// test that reaches it.
package lazyre

import (
	"regexp"
	"sync"
)

// New returns a function giving expr compiled, compiling it on the first
// call; it panics then, as regexp.MustCompile would, if expr is invalid.
func New(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
