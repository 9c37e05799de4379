// Package mockcli is the mock command: flags, start-up report, graceful
// shutdown with state saving, and spec watching. It lives apart from
// cmd/heimdall-mock so tests drive the real command line in-process.
package mockcli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/atomicfile"
	"github.com/heimdall-mock/heimdall-mock/internal/buildinfo"
	"github.com/heimdall-mock/heimdall-mock/internal/guard"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall"
	"github.com/heimdall-mock/heimdall-mock/internal/keys"
	"github.com/heimdall-mock/heimdall-mock/internal/prefault"
	"github.com/heimdall-mock/heimdall-mock/internal/server"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/internal/startgc"
	"github.com/heimdall-mock/heimdall-mock/specs"
)

const usage = `heimdall-mock — a local, spec-driven fake of the Heimdall auth API

Usage:
  heimdall-mock [flags]

Examples:
  heimdall-mock                                 # the embedded default spec on 127.0.0.1:4010
  heimdall-mock --spec ./heimdall.json --strict # your spec; invalid responses become 500s
  heimdall-mock --spec live                     # the production spec (cached; offline falls back)
  heimdall-mock --fixtures seed.yaml --state-file state.json
  heimdall-mock --port 0 --log-format json      # any free port, JSON logs
  heimdall-mock --coverage                      # which operations are stateful, then exit

  heimdall-mock --version

  curl -s localhost:4010/__mock/ready    # 200 once the mock serves
  curl -s localhost:4010/__mock/health   # spec, bootstrap app and API key

Flags:
`

// Options are the parsed flags.
type Options struct {
	Spec              string
	Host              string
	Port              int
	PublicURL         string
	Fixtures          string
	Seed              int64
	Strict            bool
	ValidateRequests  bool
	LogFormat         string
	StateFile         string
	Watch             bool
	Coverage          bool
	MaxBodyBytes      int64
	NoDomain          bool
	AllowHosts        listFlag
	ControlToken      string
	CORS              bool
	CORSOrigins       listFlag
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	IdleTimeout       time.Duration
	JournalSize       int
	Limits            heimdall.Limits
	Version           bool
	HealthCheck       bool
}

// listFlag is a flag given as a comma-separated list, or several times.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

func parse(args []string, stderr io.Writer) (*Options, error) {
	o := &Options{}
	fs := flag.NewFlagSet("heimdall-mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.Spec, "spec", "", `OpenAPI spec: a file (JSON or YAML), an http(s) URL, "live", or empty for the embedded default`)
	fs.StringVar(&o.Host, "host", "127.0.0.1", "address to listen on")
	fs.IntVar(&o.Port, "port", 4010, "port to listen on (0: any free port)")
	fs.StringVar(&o.PublicURL, "public-url", "", "base URL in token issuers and discovery (default http://<Host header>)")
	fs.StringVar(&o.Fixtures, "fixtures", "", "fixture file (YAML or JSON) loaded at start and restored by reset")
	fs.Int64Var(&o.Seed, "seed", 1, "seed for generated data (same seed, same responses)")
	fs.BoolVar(&o.Strict, "strict", false, "answer 500 when a response violates the spec")
	fs.BoolVar(&o.ValidateRequests, "validate-requests", true, "validate requests against the spec (400 on violations)")
	fs.StringVar(&o.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&o.StateFile, "state-file", "", "import state from this file at start; changes are written to it within a second, and on SIGINT/SIGTERM")
	fs.BoolVar(&o.Watch, "watch", false, "reload the spec file when it changes, keeping state")
	fs.BoolVar(&o.Coverage, "coverage", false, "print which operations are stateful or generated, then exit")
	fs.Int64Var(&o.MaxBodyBytes, "max-body", 1<<20, "largest accepted request body in bytes (413 above)")
	fs.BoolVar(&o.NoDomain, "no-domain", false, "serve the spec without the stateful Heimdall domain (for other APIs)")
	fs.Var(&o.AllowHosts, "allow-host", "extra host name the control plane answers (repeat or comma-separate; \"*\" for any); loopback names, IP addresses, --host and --public-url are always accepted")
	fs.StringVar(&o.ControlToken, "control-token", os.Getenv(guard.TokenEnv), "bearer token required on /__mock and the inspector (default $"+guard.TokenEnv+")")
	fs.BoolVar(&o.CORS, "cors", true, "answer CORS on the API routes (never on /__mock for other origins)")
	fs.Var(&o.CORSOrigins, "cors-origins", "origins allowed by CORS (repeat or comma-separate; default any)")
	fs.DurationVar(&o.ReadHeaderTimeout, "read-header-timeout", 10*time.Second, "drop a connection whose request headers take longer")
	fs.DurationVar(&o.ReadTimeout, "read-timeout", 30*time.Second, "drop a connection whose request (headers and body) takes longer to arrive")
	fs.DurationVar(&o.IdleTimeout, "idle-timeout", 120*time.Second, "close a keep-alive connection idle this long")
	def := heimdall.DefaultLimits
	fs.IntVar(&o.JournalSize, "journal-size", 1000, "requests kept in the journal (oldest dropped)")
	fs.IntVar(&o.Limits.AuditPerApp, "max-audit", def.AuditPerApp, "audit events kept per app (oldest dropped)")
	fs.IntVar(&o.Limits.AuditTotal, "max-audit-total", def.AuditTotal, "audit events kept over all apps")
	fs.IntVar(&o.Limits.Outbox, "max-outbox", def.Outbox, "mails kept in the outbox, all apps together")
	fs.IntVar(&o.Limits.SessionsPerApp, "max-sessions", def.SessionsPerApp, "live sessions kept per app (oldest revoked; users also have max_sessions each)")
	fs.IntVar(&o.Limits.UsersPerApp, "max-users", def.UsersPerApp, "users per app; sign-ups beyond it are refused with 507 (nothing is dropped)")
	fs.BoolVar(&o.HealthCheck, "healthcheck", false, "ask the mock on --port of this host whether it is ready, exit 0 if so, 1 if not (for a container HEALTHCHECK; the image has no curl)")
	fs.BoolVar(&o.Version, "version", false, "print the version and VCS revision this binary was built from, then exit")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	for name, n := range map[string]int{"--journal-size": o.JournalSize, "--max-audit": o.Limits.AuditPerApp, "--max-audit-total": o.Limits.AuditTotal, "--max-outbox": o.Limits.Outbox, "--max-sessions": o.Limits.SessionsPerApp, "--max-users": o.Limits.UsersPerApp} {
		if n < 1 {
			return nil, fmt.Errorf("%s: %d must be at least 1", name, n)
		}
	}
	for name, d := range map[string]time.Duration{"--read-header-timeout": o.ReadHeaderTimeout, "--read-timeout": o.ReadTimeout, "--idle-timeout": o.IdleTimeout} {
		if d <= 0 {
			return nil, fmt.Errorf("%s: %s must be a positive duration such as \"30s\"", name, d)
		}
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (flags only; see --help)", fs.Arg(0))
	}
	if o.LogFormat != "text" && o.LogFormat != "json" {
		return nil, fmt.Errorf("--log-format: %q must be text or json", o.LogFormat)
	}
	if o.Port < 0 || o.Port > 65535 {
		return nil, fmt.Errorf("--port: %d is not a port", o.Port)
	}
	if o.Watch && (o.Spec == "" || o.Spec == "live" || isURL(o.Spec)) {
		return nil, errors.New("--watch needs --spec to be a file")
	}
	return o, nil
}

// healthCheck asks a running mock for /__mock/ready over loopback: a
// container image built from scratch has no shell or curl for its
// HEALTHCHECK, so the binary probes itself.
func healthCheck(ctx context.Context, o *Options, stderr io.Writer) int {
	host := o.Host
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	url := "http://" + net.JoinHostPort(host, strconv.Itoa(o.Port)) + "/__mock/ready"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintln(stderr, "mock: healthcheck:", err)
		return 1
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(stderr, "mock: healthcheck:", err)
		return 1
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "mock: healthcheck: %s answered %d\n", url, resp.StatusCode)
		return 1
	}
	return 0
}

func isURL(s string) bool { return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") }

// Main runs the command and returns its exit code: 0 after a clean
// shutdown, 2 for bad flags or input, 1 for a failure while serving.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, stdout, stderr, nil)
}

// Run is Main with a cancellable context; ready, when non-nil, receives the
// listening address once the mock serves.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, ready chan<- string) int {
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "mock:", err)
		return 2
	}
	if o.Version {
		fmt.Fprintln(stdout, buildinfo.String("heimdall-mock"))
		return 0
	}
	if o.HealthCheck {
		return healthCheck(ctx, o, stderr)
	}
	// Loading a large spec allocates a lot of short-lived garbage; with
	// the collector relaxed until the first answer (see below), start-up
	// takes about half as long. Memory is populated ahead of the start
	// (internal/prefault) until the same moment.
	defer startgc.Done()
	defer prefault.Done()
	logger := newLogger(o.LogFormat, stderr)
	// The port is taken before the spec loads: a client polling for the
	// mock connects at once and its request waits in the backlog until
	// the mock serves, instead of being refused and retrying later; and a
	// port already in use is reported before any work is done.
	var ln net.Listener
	if !o.Coverage {
		if ln, err = net.Listen("tcp", net.JoinHostPort(o.Host, strconv.Itoa(o.Port))); err != nil {
			fmt.Fprintln(stderr, "mock:", err)
			return 1
		}
		defer ln.Close() // a no-op once served: Shutdown closes it
	}
	spec, srv, err := build(ctx, o, logger)
	if err != nil {
		fmt.Fprintln(stderr, "mock:", err)
		return 2
	}
	if o.Coverage {
		printCoverage(stdout, srv)
		return 0
	}
	stateNote := ""
	if o.StateFile != "" {
		stateNote = o.StateFile + " (none yet; written as state changes)"
		if data, err := os.ReadFile(o.StateFile); err == nil {
			if err := srv.ImportState(data); err != nil {
				fmt.Fprintf(stderr, "mock: --state-file %s: %v\n", o.StateFile, err)
				return 2
			}
			stateNote = "loaded from " + o.StateFile
		} else if !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintln(stderr, "mock: --state-file:", err)
			return 2
		}
	}
	if !guard.Loopback(o.Host) {
		printExposed(stderr, o)
	}
	var handler http.Handler = srv
	saved := make(chan struct{})
	if o.StateFile != "" {
		var dirty atomic.Bool
		handler = markWrites(srv, &dirty)
		saveCtx, stopSaving := context.WithCancel(ctx)
		defer stopSaving()
		go func() {
			defer close(saved)
			saveEvery(saveCtx, srv, o.StateFile, &dirty, logger)
		}()
	} else {
		close(saved)
	}
	httpSrv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		ReadTimeout:       o.ReadTimeout,
		IdleTimeout:       o.IdleTimeout,
		// Huge headers are refused by net/http with 431 before they reach us.
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	addr := ln.Addr().String()
	// Serving starts before the banner is written: the banner counts the
	// routes and reads the bootstrap values (which wait for the domain's
	// reset baseline), and a client that connected meanwhile should not
	// wait for that.
	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()
	printBanner(stdout, srv, spec, addr, o, stateNote)
	if o.Watch {
		go watch(ctx, o.Spec, srv, logger)
	}
	// The document's own defects are looked for while the mock already
	// serves; they are printed when found and listed at /__mock/health.
	// The check keeps both cores busy for a while, so it waits for the
	// first answer (or a quiet moment): started beside the listener, it
	// made the first request wait for it on a two-core machine. So does
	// the usual collector setting: restored earlier, it started a cycle
	// over the start-up's garbage while the first request was served.
	checked := make(chan struct{})
	go func() {
		defer close(checked)
		select {
		case <-srv.Answered():
		case <-time.After(checkDelay):
		case <-ctx.Done():
		}
		startgc.Done()
		prefault.Done()
		loaded := len(spec.Warnings)
		if ws := spec.AllWarnings(); len(ws) > loaded {
			fmt.Fprintln(stdout, "spec checked:")
			printWarnings(stdout, ws[loaded:])
		}
	}()
	defer func() { <-checked }() // nothing is written to stdout after Run returns
	if ready != nil {
		ready <- addr
	}
	select {
	case err := <-served:
		fmt.Fprintln(stderr, "mock:", err)
		return 1
	case <-ctx.Done():
	}
	// Drain in-flight requests before saving, so the state file holds
	// everything that was answered.
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		logger.Warn("shutdown", "error", err)
	}
	srv.Close()
	<-saved // the periodic saver is done; the final save below has the last word
	if o.StateFile != "" {
		if err := saveState(srv, o.StateFile); err != nil {
			fmt.Fprintln(stderr, "mock: saving state:", err)
			return 1
		}
		fmt.Fprintf(stdout, "state saved to %s\n", o.StateFile)
	}
	return 0
}

// build loads the spec and assembles the server.
func build(ctx context.Context, o *Options, logger *slog.Logger) (*specload.Spec, *server.Server, error) {
	var fixtureData []byte
	if o.Fixtures != "" {
		var err error
		if fixtureData, err = os.ReadFile(o.Fixtures); err != nil {
			return nil, nil, fmt.Errorf("--fixtures: %w", err)
		}
	}
	cfg := server.Config{
		LoadSpec: func() (*specload.Spec, error) {
			return specload.Load(ctx, o.Spec, specload.Options{Embedded: specs.DefaultJSON, EmbeddedName: specs.DefaultName, Decoded: specs.DefaultDoc})
		},
		Domain:           !o.NoDomain,
		Seed:             o.Seed,
		Strict:           o.Strict,
		ValidateRequests: o.ValidateRequests,
		PublicURL:        o.PublicURL,
		MaxBodyBytes:     o.MaxBodyBytes,
		Logger:           logger,
		Fixtures:         fixtureData,
		JournalSize:      o.JournalSize,
		Limits:           o.Limits,
		Control: guard.Control{
			AllowHosts: append([]string{o.Host}, o.AllowHosts...),
			PublicURL:  o.PublicURL,
			Token:      o.ControlToken,
			Open:       []string{"/__mock/ready"},
		},
	}
	if o.CORS {
		cfg.CORS = &guard.CORS{Origins: o.CORSOrigins}
	}
	if !guard.Loopback(o.Host) || o.ControlToken != "" {
		// The shipped reserve is public: a mock others can reach signs
		// with keys nobody else has.
		cfg.KeyPool = keys.NewOwnPool(4)
	}
	srv, err := server.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	return srv.Spec(), srv, nil
}

// checkDelay is how long the spec check waits for a first request before
// it starts anyway: a client that started the mock asks it sooner.
const checkDelay = 250 * time.Millisecond

// saveInterval is how often a changed state reaches --state-file: a crash
// (kill -9) loses at most the writes of the last interval.
const saveInterval = 250 * time.Millisecond

// markWrites flags every request that may change state (anything but GET,
// HEAD and OPTIONS) once it is answered.
func markWrites(next http.Handler, dirty *atomic.Bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r)
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			dirty.Store(true)
		}
	})
}

// saveEvery writes the state file whenever a write was answered since the
// last save, at most every saveInterval, until ctx ends.
func saveEvery(ctx context.Context, srv *server.Server, path string, dirty *atomic.Bool, logger *slog.Logger) {
	t := time.NewTicker(saveInterval)
	defer t.Stop()
	var next time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if !dirty.Swap(false) || time.Now().Before(next) {
			if time.Now().Before(next) {
				dirty.Store(true)
			}
			continue
		}
		start := time.Now()
		if err := saveState(srv, path); err != nil {
			logger.Error("saving state", "state_file", path, "error", err)
			dirty.Store(true) // try again next tick
		}
		// A big state takes a while to encode; under constant writes the
		// saver then rests as long as it worked, so it never takes more
		// than half a CPU or stacks up snapshots in memory.
		next = start.Add(2 * time.Since(start))
	}
}

// saveState writes the snapshot atomically, so an interrupted shutdown
// never leaves a half-written state file for the next start. The file is
// private to the user: it holds the mock's signing keys.
func saveState(srv *server.Server, path string) error {
	return atomicfile.WriteFunc(path, 0o600, srv.WriteState)
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// printBanner says where the mock listens and what it serves; stateNote,
// when set, says whether a --state-file was loaded, since a restored state
// explains users a newcomer did not create.
func printBanner(w io.Writer, srv *server.Server, spec *specload.Spec, addr string, o *Options, stateNote string) {
	base := "http://" + addr
	if o.PublicURL != "" {
		base = strings.TrimRight(o.PublicURL, "/")
	}
	title := ""
	if spec.Doc.Info != nil {
		title = spec.Doc.Info.Title + " " + spec.Doc.Info.Version
	}
	cov := srv.Router().Coverage()
	fmt.Fprintf(w, "heimdall-mock listening on http://%s\n", addr)
	fmt.Fprintf(w, "  spec:       %s (%s, OpenAPI %s, %d operations: %d stateful, %d generated)\n",
		spec.Source, title, spec.Version, cov.Stateful+cov.Generated, cov.Stateful, cov.Generated)
	printWarnings(w, spec.Warnings)
	if stateNote != "" {
		fmt.Fprintf(w, "  state:      %s\n", stateNote)
	}
	// Bootstrap values only mean something when the Heimdall domain
	// answers some of the spec's operations; on another API they would
	// send a newcomer looking for an app that no route serves.
	switch {
	case srv.Domain != nil && cov.Stateful > 0:
		boot := srv.Bootstrap(base)
		keys := slices.Sorted(maps.Keys(boot))
		for _, k := range keys {
			fmt.Fprintf(w, "  %-17s %v\n", k+":", boot[k])
		}
	case srv.Domain != nil:
		fmt.Fprintf(w, "  domain:     no Heimdall operation in this spec; every answer is generated\n")
	}
	fmt.Fprintf(w, "  control:    %s/__mock/health\n", base)
	fmt.Fprintf(w, "  ready:      %s/__mock/ready\n", base)
}

// printWarnings lists the first few warnings; /__mock/health has them all.
func printWarnings(w io.Writer, warnings []specload.Warning) {
	n := len(warnings)
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "  warnings:   %d (all listed at /__mock/health)\n", n)
	for i, wr := range warnings {
		if i == 5 {
			fmt.Fprintf(w, "              ... and %d more\n", n-5)
			break
		}
		fmt.Fprintf(w, "              %s\n", wr)
	}
}

// printExposed warns that other machines (and their web pages) can reach
// the mock, and names what keeps its control plane to the user.
func printExposed(w io.Writer, o *Options) {
	fmt.Fprintf(w, "mock: WARNING: listening on %s, reachable from other machines.\n", o.Host)
	fmt.Fprintln(w, "  Signing keys are generated in this process, never the shipped test keys (those are public).")
	if o.ControlToken == "" {
		fmt.Fprintln(w, "  /__mock (mints tokens, exports state with private keys) has no token: set --control-token or "+guard.TokenEnv+".")
	} else {
		fmt.Fprintln(w, "  /__mock and the inspector require the control token.")
	}
	fmt.Fprintln(w, "  /__mock answers loopback names, IP addresses and --public-url's host; add other names (a container's service name) with --allow-host.")
}

func printCoverage(w io.Writer, srv *server.Server) {
	cov := srv.Router().Coverage()
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODE\tMETHOD\tPATH")
	for _, op := range cov.Operations {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", op.Mode, op.Method, op.Path)
	}
	tw.Flush()
	fmt.Fprintf(w, "\n%d stateful, %d generated, %d operations\n", cov.Stateful, cov.Generated, cov.Stateful+cov.Generated)
}

// watch polls the spec file and reloads it when it changes. Polling keeps
// the mock free of platform-specific file notification code; a spec is
// edited by hand, so half a second is quick enough.
func watch(ctx context.Context, path string, srv *server.Server, logger *slog.Logger) {
	last := modTime(path)
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		m := modTime(path)
		if m.Equal(last) {
			continue
		}
		last = m
		spec, err := specload.Load(ctx, path, specload.Options{})
		if err != nil {
			logger.Error("spec reload failed; still serving the previous spec", "spec", path, "error", err)
			continue
		}
		if err := srv.Reload(spec); err != nil {
			logger.Error("spec reload failed; still serving the previous spec", "spec", path, "error", err)
			continue
		}
		logger.Info("spec reloaded", "spec", path, "operations", len(srv.Router().Operations()), "warnings", len(spec.AllWarnings()))
	}
}

func modTime(path string) time.Time {
	st, err := os.Stat(path)
	if err != nil {
		return time.Time{}
	}
	return st.ModTime()
}
