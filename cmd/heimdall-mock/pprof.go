//go:build pprof

// Profiling for benchmarks only: a binary built with -tags pprof serves
// net/http/pprof on HEIMDALL_PPROF (a loopback host:port), apart from the
// mock's own port. Release builds carry none of it.
package main

import (
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	if addr := os.Getenv("HEIMDALL_PPROF"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
