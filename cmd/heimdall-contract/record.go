package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/record"
	"github.com/heimdall-mock/heimdall-mock/internal/scenario"
)

func runRecord(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("heimdall-contract record", "usage: heimdall-contract record --upstream URL --listen ADDR --out DIR [flags]\n\nPasses traffic through to URL and writes each session as a scenario file:\na session ends after --max-exchanges exchanges, after --idle without\ntraffic, and on SIGINT or SIGTERM. Bootstrap values come from the\nupstream's /__mock/health, else from $HEIMDALL_API_KEY, $HEIMDALL_APP_SLUG, ...\n\nexit codes: 0 recorded (spec violations are reported, not fatal), 2 usage, listen or write error\n\nflags:", stderr)
	upstream := fs.String("upstream", "", "base URL of the service to record (a mock, staging, the real service)")
	listen := fs.String("listen", "127.0.0.1:4020", "address the proxy listens on")
	out := fs.String("out", "", "folder the scenario files are written to")
	specSrc := fs.String("spec", "", "spec every exchange is validated against (default: the embedded spec)")
	maxExchanges := fs.Int("max-exchanges", 50, "a session ends, and its file is written, after this many exchanges")
	idle := fs.Duration("idle", 30*time.Second, "a session ends after this long without traffic")
	name := fs.String("name", "recorded", "prefix of the file and scenario names")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return usageExit(err)
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "contract record: "+format+"\n", args...)
		return exitUsage
	}
	switch {
	case *upstream == "" || *out == "" || len(pos) > 0:
		fs.Usage()
		return fail("want --upstream and --out and no other arguments")
	case *maxExchanges < 1:
		return fail("--max-exchanges %d: want 1 or more", *maxExchanges)
	case *idle <= 0:
		return fail("--idle %s: want a positive duration", *idle)
	}
	ctx, stop := signalContext()
	defer stop()
	spec, err := loadMockSpec(ctx, *specSrc)
	if err != nil {
		return fail("%v", err)
	}
	var logMu sync.Mutex
	logf := func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(stderr, format+"\n", args...)
	}
	proxy, err := record.New(ctx, record.Options{
		Upstream: *upstream, Out: *out, Validator: scenario.NewSpecValidator(spec.Doc),
		MaxExchanges: *maxExchanges, Idle: *idle, Logf: logf, Name: *name,
	})
	if err != nil {
		return fail("%v", err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fail("%v", err)
	}
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	logf("contract record: proxying http://%s to %s, validating against %s, writing to %s", ln.Addr(), *upstream, spec.Source, *out)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		// Let in-flight exchanges finish so the last session is whole.
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = srv.Shutdown(shutdownCtx)
		cancel()
	}
	closeErr := proxy.Close()
	files, violations := proxy.Files(), proxy.Violations()
	fmt.Fprintf(stdout, "%d scenario files written to %s, %d spec violations\n", len(files), *out, len(violations))
	for _, f := range files {
		fmt.Fprintln(stdout, f)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fail("%v", err)
	}
	if closeErr != nil {
		return fail("%v", closeErr)
	}
	return exitOK
}
