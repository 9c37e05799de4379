// Package prefault maps in, ahead of use, the memory a start is about to
// touch: the executable's code and read-only data, and the heap as it
// grows.
//
// On virtual machines (CI runners, cloud dev boxes) every page fault is a
// trap the hypervisor takes part in, and a start of the mock took about
// two thousand of them: a fresh heap page cost 12-16 µs and a page of the
// executable about 35 µs per fault (each maps up to 16 pages), against
// under 1 µs per page when the kernel is asked to populate a whole range
// at once (madvise MADV_POPULATE_READ/WRITE). The populating runs on a
// goroutine of its own from this package's initialisation, on the core
// that package initialisation leaves idle, until Done.
//
// Populating changes no memory's contents: a page already present is left
// alone and a missing one is mapped as the first access would have mapped
// it (zeroed, or from the file). Where the kernel lacks the advice (before
// Linux 5.14), /proc is not mounted, or HEIMDALL_MOCK_PREFAULT=off is set,
// nothing happens. The cost is resident memory: the pages of the
// executable (shared page cache) and up to one heap chunk not yet used.
//
// A main imports it through the package that calls Done; packages
// initialise in dependency and import-path order, and this one needs
// only the runtime and syscall, so it runs before the large
// initialisations of the dependencies.
package prefault

import "sync/atomic"

var stopped atomic.Bool

// Done stops following the heap's growth: the start is over.
func Done() { stopped.Store(true) }

// disabled reports whether the user turned prefaulting off.
func disabled(getenv func(string) (string, bool)) bool {
	v, _ := getenv("HEIMDALL_MOCK_PREFAULT")
	return v == "off" || v == "0" || v == "false"
}
