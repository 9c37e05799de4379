// Package startgc relaxes the garbage collector while the process starts.
//
// Package initialisation of the dependencies (kin-openapi's JSON Schema
// metaschemas, gofakeit's word lists) allocates a few megabytes before
// main runs, and the default collector runs several cycles over it; so
// does loading the spec. A main imports this package so its init runs
// early (packages initialise in import-path order once their own imports
// are done, and this one needs only the runtime), and calls Done once the
// start is over: the mock does at its first answer, since a cycle over
// the start-up's garbage would run beside it. A GOGC the user set is left
// alone.
package startgc

import (
	"os"
	"runtime/debug"
)

// startPercent is the collector's target during start-up: start-up
// garbage is small and short-lived, so fewer cycles are pure gain.
const startPercent = 400

var previous = func() int {
	if _, set := os.LookupEnv("GOGC"); set {
		return -2 // the user's choice; Done leaves it
	}
	return debug.SetGCPercent(startPercent)
}()

// Done restores the collector target the process started with.
func Done() {
	if previous != -2 {
		debug.SetGCPercent(previous)
	}
}
