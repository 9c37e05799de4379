package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/keys"
	"github.com/heimdall-mock/heimdall-mock/internal/scenario"
	"github.com/heimdall-mock/heimdall-mock/internal/server"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/specs"
)

// replayFormats are the report formats of replay.
var replayFormats = []string{"text", "junit", "markdown", "json"}

func runReplay(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("heimdall-contract replay", "usage: heimdall-contract replay [--target URL | --mock] [flags] DIR_OR_FILES...\n\nexit codes: 0 all passed, 1 a scenario failed, 2 usage or load error\n\nflags:", stderr)
	targetURL := fs.String("target", "", "base URL of the service to replay against (credentials from $HEIMDALL_API_KEY etc.)")
	useMock := fs.Bool("mock", false, "replay against the in-process mock built from --spec (the default when --target is not given)")
	specSrc := fs.String("spec", "", "spec the mock serves and responses are validated against: file, URL or \"live\" (default: the embedded spec)")
	parallel := fs.Int("parallel", 0, "scenarios at once (default: the CPUs for the mock, 4 for a service, 1 for a mock over HTTP)")
	format := fs.String("format", "text", "report: "+strings.Join(replayFormats, ", "))
	outFile := fs.String("out", "", "write the report to this file instead of stdout")
	tags := fs.String("tags", "", "comma-separated tags: run only scenarios carrying at least one")
	color := fs.String("color", "auto", "colour text output: auto, always, never")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return usageExit(err)
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "contract replay: "+format+"\n", args...)
		return exitUsage
	}
	switch {
	case len(pos) == 0:
		fs.Usage()
		return fail("want scenario folders or files")
	case *targetURL != "" && *useMock:
		return fail("--target and --mock exclude each other")
	case *parallel < 0:
		return fail("--parallel %d: want 0 (automatic) or more", *parallel)
	case !oneOf(*format, replayFormats):
		return fail("unknown --format %q (want %s)", *format, strings.Join(replayFormats, ", "))
	}
	var w io.Writer = stdout
	useColor := false
	if *outFile == "" {
		if useColor, err = colorWanted(*color, stdout); err != nil {
			return fail("%v", err)
		}
	}
	scs, err := loadScenarios(pos)
	if err != nil {
		return fail("%v", err)
	}
	if scs = filterTags(scs, *tags); len(scs) == 0 {
		return fail("no scenario carries any of the tags %q", *tags)
	}
	ctx, stop := signalContext()
	defer stop()
	kind := "mock"
	if *targetURL != "" {
		kind = *targetURL
	}
	tgt, err := openTarget(ctx, kind, *specSrc, *parallel)
	if err != nil {
		return fail("%v", err)
	}
	rep := tgt.runner(true).Run(ctx, scs)
	rep.Target = tgt.name
	if *outFile != "" {
		f, err := os.Create(*outFile)
		if err != nil {
			return fail("%v", err)
		}
		defer f.Close()
		w = f
	}
	if err := writeReplayReport(w, *format, rep, useColor); err != nil {
		return fail("write: %v", err)
	}
	if *outFile != "" {
		fmt.Fprintf(stderr, "%d passed, %d failed, %d skipped; %d steps in %s (%.0f steps/s) against %s; report in %s\n",
			rep.Passed, rep.Failed, rep.Skipped, rep.Steps, rep.Duration.Round(time.Millisecond), rep.StepsPerSecond(), tgt.name, *outFile)
	}
	if rep.Failed > 0 {
		return exitFindings
	}
	return exitOK
}

func writeReplayReport(w io.Writer, format string, rep *scenario.Report, color bool) error {
	switch format {
	case "junit":
		return rep.WriteJUnit(w)
	case "markdown":
		return rep.WriteMarkdown(w)
	case "json":
		return rep.WriteJSON(w)
	}
	return rep.WriteText(w, color)
}

func oneOf(v string, allowed []string) bool {
	for _, a := range allowed {
		if v == a {
			return true
		}
	}
	return false
}

// loadScenarios reads folders (every .yaml in them) and single files.
// Errors of all arguments are reported together.
func loadScenarios(args []string) ([]*scenario.Scenario, error) {
	var out []*scenario.Scenario
	var errs []error
	seen := map[string]string{}
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var scs []*scenario.Scenario
		if st.IsDir() {
			if scs, err = scenario.LoadDir(arg); err != nil {
				errs = append(errs, err)
				continue
			}
		} else {
			data, err := os.ReadFile(arg)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			sc, err := scenario.Parse(data, filepath.Base(arg))
			if err != nil {
				errs = append(errs, err)
				continue
			}
			scs = []*scenario.Scenario{sc}
		}
		for _, sc := range scs {
			if prev, dup := seen[sc.Name]; dup {
				errs = append(errs, fmt.Errorf("%s: name %q is already used by %s", sc.File, sc.Name, prev))
				continue
			}
			seen[sc.Name] = sc.File
			out = append(out, sc)
		}
	}
	return out, errors.Join(errs...)
}

// filterTags keeps the scenarios carrying at least one of the
// comma-separated tags; an empty list keeps all.
func filterTags(scs []*scenario.Scenario, list string) []*scenario.Scenario {
	want := map[string]bool{}
	for _, t := range strings.Split(list, ",") {
		if t = strings.TrimSpace(t); t != "" {
			want[t] = true
		}
	}
	if len(want) == 0 {
		return scs
	}
	var out []*scenario.Scenario
	for _, sc := range scs {
		for _, t := range sc.Tags {
			if want[t] {
				out = append(out, sc)
				break
			}
		}
	}
	return out
}

// replayTarget is where scenarios run and the spec their responses are
// checked against.
type replayTarget struct {
	name     string
	targets  func() (scenario.Target, error)
	spec     *specload.Spec
	parallel int
	isMock   bool
}

// openTarget resolves "mock", "mock:SPEC_SRC" or an http(s) URL. specSrc
// names the spec to validate against (and, for "mock", the one it serves);
// "" means the embedded one.
func openTarget(ctx context.Context, target, specSrc string, parallel int) (*replayTarget, error) {
	if target == "mock" || strings.HasPrefix(target, "mock:") {
		if src, ok := strings.CutPrefix(target, "mock:"); ok {
			if src == "" {
				return nil, fmt.Errorf("target %q: want mock:SPEC_SRC", target)
			}
			specSrc = src
		}
		spec, err := loadMockSpec(ctx, specSrc)
		if err != nil {
			return nil, err
		}
		if parallel == 0 {
			parallel = runtime.GOMAXPROCS(0)
		}
		return &replayTarget{
			name:     "mock on " + spec.Source,
			targets:  scenario.PooledTargets(parallel, mockBuilder(spec)),
			spec:     spec,
			parallel: parallel,
			isMock:   true,
		}, nil
	}
	if !strings.HasPrefix(target, "http://") && !strings.HasPrefix(target, "https://") {
		return nil, fmt.Errorf("target %q: want an http(s) URL, mock or mock:SPEC_SRC", target)
	}
	spec, err := loadMockSpec(ctx, specSrc)
	if err != nil {
		return nil, err
	}
	// A redirect is an answer a step checks (status 302, its Location),
	// not something to follow.
	client := &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	shared := scenario.HTTPTarget(target, client)
	isMock := probeMock(ctx, target)
	switch {
	case isMock && parallel > 1:
		// One mock over HTTP is reset before each scenario: two scenarios
		// at once would wipe each other's state.
		return nil, fmt.Errorf("--parallel %d: %s is a mock, which is reset before each scenario; it takes --parallel 1", parallel, shared.Name())
	case isMock:
		parallel = 1
	case parallel == 0:
		parallel = 4
	}
	return &replayTarget{
		name:     shared.Name(),
		targets:  func() (scenario.Target, error) { return shared, nil },
		spec:     spec,
		parallel: parallel,
		isMock:   isMock,
	}, nil
}

// runner replays on the target, checking responses against its spec when
// validate is set.
func (t *replayTarget) runner(validate bool) *scenario.Runner {
	r := &scenario.Runner{Target: t.targets, Parallel: t.parallel}
	if validate {
		r.Validator = scenario.NewSpecValidator(t.spec.Doc)
	}
	if t.isMock {
		// A mock's bootstrap values come from its health route; the
		// environment is for real services.
		r.Env = map[string]string{}
	}
	return r
}

func loadMockSpec(ctx context.Context, src string) (*specload.Spec, error) {
	spec, err := specload.Load(ctx, src, specload.Options{Embedded: specs.DefaultJSON, EmbeddedName: specs.DefaultName, Decoded: specs.DefaultDoc})
	if err != nil {
		if src == "" {
			src = "embedded"
		}
		return nil, fmt.Errorf("spec %s: %w", src, err)
	}
	return spec, nil
}

// mockBuilder makes strict in-process mocks on one loaded spec, sharing
// its compiled routes. Their RSA keys come round-robin from the embedded
// reserve: a replay is CPU-bound, and generating keys (inline, or by a
// pool refilling in the background) would take a CPU from it.
func mockBuilder(spec *specload.Spec) func() (scenario.Target, error) {
	recycled := keys.RecyclingPool()
	return func() (scenario.Target, error) {
		srv, err := server.New(server.Config{Spec: spec, Domain: true, Strict: true, ValidateRequests: true, Seed: 1, KeyPool: recycled})
		if err != nil {
			return nil, err
		}
		return scenario.HandlerTarget(srv), nil
	}
}

// probeMock reports whether baseURL serves a heimdall-mock control plane.
func probeMock(ctx context.Context, baseURL string) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(baseURL, "/")+"/__mock/health", nil)
	if err != nil {
		return false
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer res.Body.Close()
	var health struct {
		Status string `json:"status"`
	}
	return res.StatusCode == http.StatusOK && json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&health) == nil && health.Status != ""
}
