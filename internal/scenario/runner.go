package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/redact"
)

// Validator checks a response against a contract and lists what breaks it.
type Validator interface {
	ValidateResponse(req *http.Request, status int, header http.Header, body []byte) []string
}

// Runner replays scenarios.
type Runner struct {
	// Target makes the target of one scenario; it is called once per
	// scenario so each can get its own isolated server. A Target that is
	// an io.Closer is closed when its scenario ends.
	Target func() (Target, error)
	// Validator, when set, checks every response of a step whose
	// expect.validate is not false (control-plane calls excepted).
	Validator Validator
	// Parallel is how many scenarios run at once; 0 means GOMAXPROCS.
	Parallel int
	// Env resolves ${NAME}; nil means the process environment. Values
	// taken from it never appear in reports.
	Env map[string]string
	// StepTimeout bounds one request; 0 means 30 seconds.
	StepTimeout time.Duration
	// Observe, when set, sees every response a step got, before the
	// step's checks: what a drift report compares between two targets.
	// It is called from the scenario's goroutine, so concurrently for
	// scenarios running in parallel. body is the whole response body.
	Observe func(sc *Scenario, step int, req *http.Request, status int, header http.Header, body []byte)
}

// Outcomes of a step.
const (
	StepPassed  = "passed"
	StepFailed  = "failed"
	StepSkipped = "skipped"
	StepNotRun  = "not run" // an earlier step failed
)

// Report is the result of a run.
type Report struct {
	Target    string           `json:"target"`
	Scenarios []ScenarioResult `json:"scenarios"`
	Passed    int              `json:"passed"`
	Failed    int              `json:"failed"`
	Skipped   int              `json:"skipped"`
	Steps     int              `json:"steps"` // requests sent
	Duration  time.Duration    `json:"duration_ns"`
}

// ScenarioResult is one scenario's outcome.
type ScenarioResult struct {
	Name        string `json:"name"`
	File        string `json:"file,omitempty"`
	Description string `json:"description,omitempty"`
	// Skipped is the scenario's skip reason when it was not run.
	Skipped string `json:"skipped,omitempty"`
	// Error is a failure outside any step (the target could not be made,
	// reset or probed).
	Error    string        `json:"error,omitempty"`
	Passed   bool          `json:"passed"`
	Steps    []StepResult  `json:"steps"`
	Duration time.Duration `json:"duration_ns"`
}

// StepResult is one step's outcome. Everything in it is redacted:
// credential headers and values taken from the environment are replaced.
type StepResult struct {
	Name     string            `json:"name"`
	Outcome  string            `json:"outcome"`
	Skipped  string            `json:"skipped,omitempty"`
	Method   string            `json:"method"`
	Path     string            `json:"path"` // as sent, with the query
	Headers  map[string]string `json:"request_headers,omitempty"`
	Status   int               `json:"status,omitempty"`
	Duration time.Duration     `json:"duration_ns"`
	Failures []string          `json:"failures,omitempty"`
	// Response is the start of the response body of a failed step.
	Response string `json:"response,omitempty"`
}

const (
	redacted        = redact.Mask
	maxBody         = 16 << 20
	maxReportedBody = 2048
)

// bootstrapEnvKeys are the bootstrap values a real target takes from the
// environment: {{bootstrap.api_key}} is $HEIMDALL_API_KEY and so on.
var bootstrapEnvKeys = []string{"api_key", "app_slug", "app_id", "workspace_id", "issuer"}

func bootstrapEnv(key string) string { return "HEIMDALL_" + strings.ToUpper(key) }

// Run replays the scenarios, each on its own target, Parallel at a time,
// and returns their results in the given order.
func (r *Runner) Run(ctx context.Context, scenarios []*Scenario) *Report {
	start := time.Now()
	rep := &Report{Scenarios: make([]ScenarioResult, len(scenarios))}
	workers := r.Parallel
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var (
		wg         sync.WaitGroup
		sem        = make(chan struct{}, workers)
		nameOnce   sync.Once
		targetName string
	)
	for i, sc := range scenarios {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			res, name := r.runScenario(ctx, sc)
			rep.Scenarios[i] = res
			if name != "" {
				nameOnce.Do(func() { targetName = name })
			}
		}()
	}
	wg.Wait()
	rep.Target = targetName
	for _, s := range rep.Scenarios {
		switch {
		case s.Skipped != "":
			rep.Skipped++
		case s.Passed:
			rep.Passed++
		default:
			rep.Failed++
		}
		for _, st := range s.Steps {
			if st.Outcome == StepPassed || st.Outcome == StepFailed {
				rep.Steps++
			}
		}
	}
	rep.Duration = time.Since(start)
	return rep
}

func (r *Runner) env() func(string) (string, bool) {
	if r.Env == nil {
		return os.LookupEnv
	}
	return func(k string) (string, bool) { v, ok := r.Env[k]; return v, ok }
}

func (r *Runner) runScenario(ctx context.Context, sc *Scenario) (res ScenarioResult, targetName string) {
	start := time.Now()
	res = ScenarioResult{Name: sc.Name, File: sc.File, Description: sc.Description}
	defer func() { res.Duration = time.Since(start) }()
	if sc.Skip != "" {
		res.Skipped = sc.Skip
		return res, ""
	}
	if err := ctx.Err(); err != nil {
		res.Error = "not started: " + err.Error()
		return res, ""
	}
	if r.Target == nil {
		res.Error = "runner has no Target"
		return res, ""
	}
	t, err := r.Target()
	if err != nil {
		res.Error = "target: " + err.Error()
		return res, ""
	}
	if c, ok := t.(io.Closer); ok {
		defer c.Close()
	}
	v := newVars(r.env())
	if err := t.Reset(ctx); err != nil {
		res.Error = err.Error()
		return res, t.Name()
	}
	isMock, boot, err := probeTarget(ctx, t)
	if err != nil {
		res.Error = err.Error()
		return res, t.Name()
	}
	if !isMock && usesControlPlane(sc) {
		res.Skipped = "drives the mock's control plane (" + controlPrefix + "/...), which " + t.Name() + " does not serve"
		return res, t.Name()
	}
	for k, val := range boot {
		v.values["bootstrap."+k] = val
	}
	if len(boot) == 0 {
		// Not a mock: a real deployment's app and key come from the
		// environment, so the same scenario files run against it.
		for _, k := range bootstrapEnvKeys {
			if val, err := v.lookupEnv(bootstrapEnv(k)); err == nil {
				v.values["bootstrap."+k] = val
			}
		}
	}
	failed := false
	for i := range sc.Steps {
		st := &sc.Steps[i]
		switch {
		case failed:
			res.Steps = append(res.Steps, StepResult{Name: st.Name, Outcome: StepNotRun, Method: st.Request.Method, Path: st.Request.Path})
		case st.Skip != "":
			res.Steps = append(res.Steps, StepResult{Name: st.Name, Outcome: StepSkipped, Skipped: st.Skip, Method: st.Request.Method, Path: st.Request.Path})
		default:
			sr := r.runStep(ctx, t, sc, i, v)
			failed = sr.Outcome == StepFailed
			res.Steps = append(res.Steps, sr)
		}
	}
	redactResult(&res, v.secretList())
	res.Passed = !failed
	return res, t.Name()
}

// buildRequest expands the step's request. Its URL holds path and query
// only; the target adds the rest.
func buildRequest(ctx context.Context, rq *Request, v *vars) (*http.Request, error) {
	path, err := v.expand(rq.Path)
	if err != nil {
		return nil, fmt.Errorf("request.path: %w", err)
	}
	u, err := url.Parse(path)
	if err != nil {
		return nil, fmt.Errorf("request.path: %w", err)
	}
	// A captured absolute URL (a Location header) is followed on the
	// target: only its path and query are kept.
	u.Scheme, u.Host, u.User = "", "", nil
	if !strings.HasPrefix(u.Path, "/") {
		return nil, fmt.Errorf("request.path: %q does not start with /", path)
	}
	q := u.Query()
	for _, k := range slices.Sorted(maps.Keys(rq.Query)) {
		val, err := v.expand(rq.Query[k])
		if err != nil {
			return nil, fmt.Errorf("request.query.%s: %w", k, err)
		}
		q.Set(k, val)
	}
	u.RawQuery = q.Encode()
	var body io.Reader
	var contentType string
	switch {
	case rq.JSON != nil:
		doc, err := v.expandJSON(rq.JSON)
		if err != nil {
			return nil, fmt.Errorf("request.json: %w", err)
		}
		raw, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("request.json: %w", err)
		}
		body, contentType = bytes.NewReader(raw), "application/json"
	case rq.Body != "":
		text, err := v.expand(rq.Body)
		if err != nil {
			return nil, fmt.Errorf("request.body: %w", err)
		}
		body = strings.NewReader(text)
	}
	req, err := http.NewRequestWithContext(ctx, rq.Method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if rq.Bearer != "" {
		tok, err := v.expand(rq.Bearer)
		if err != nil {
			return nil, fmt.Errorf("request.bearer: %w", err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for _, k := range slices.Sorted(maps.Keys(rq.Headers)) {
		val, err := v.expand(rq.Headers[k])
		if err != nil {
			return nil, fmt.Errorf("request.headers.%s: %w", k, err)
		}
		req.Header.Set(k, val)
	}
	return req, nil
}

// runStep sends one step and checks its response. sr is a named result
// because the deferred functions fill in its outcome and response excerpt.
func (r *Runner) runStep(ctx context.Context, t Target, sc *Scenario, index int, v *vars) (sr StepResult) {
	st := &sc.Steps[index]
	sr = StepResult{Name: st.Name, Method: st.Request.Method, Path: st.Request.Path}
	fail := func(format string, args ...any) {
		sr.Failures = append(sr.Failures, fmt.Sprintf(format, args...))
	}
	defer func() {
		sr.Outcome = StepPassed
		if len(sr.Failures) > 0 {
			sr.Outcome = StepFailed
		}
	}()
	req, err := buildRequest(ctx, &st.Request, v)
	if err != nil {
		fail("%v", err)
		return sr
	}
	sr.Path = req.URL.RequestURI()
	sr.Headers = make(map[string]string, len(req.Header))
	for k := range req.Header {
		if redact.SecretHeader(k) {
			sr.Headers[k] = redacted
		} else {
			sr.Headers[k] = req.Header.Get(k)
		}
	}
	timeout := r.StepTimeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	stepCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	began := time.Now()
	res, err := t.Do(stepCtx, req.WithContext(stepCtx))
	if err != nil {
		sr.Duration = time.Since(began)
		fail("request: %v", err)
		return sr
	}
	raw, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	res.Body.Close()
	sr.Duration = time.Since(began)
	if err != nil {
		fail("reading the response: %v", err)
		return sr
	}
	sr.Status = res.StatusCode
	if r.Observe != nil {
		r.Observe(sc, index, req, res.StatusCode, res.Header, raw)
	}
	defer func() {
		if len(sr.Failures) > 0 {
			sr.Response = excerpt(raw)
		}
	}()
	exp := &st.Expect
	if !exp.Status.Accepts(res.StatusCode) {
		fail("status %d, want %s", res.StatusCode, exp.Status)
	}
	for _, k := range slices.Sorted(maps.Keys(exp.Headers)) {
		want, err := v.expand(exp.Headers[k])
		if err != nil {
			fail("expect.headers.%s: %v", k, err)
			continue
		}
		if got := res.Header.Values(k); !headerContains(got, want) {
			fail("header %s = %q, want it to contain %q", k, strings.Join(got, ", "), want)
		}
	}
	body, isJSON := decodeJSON(raw)
	if exp.Body != nil {
		want, err := v.expandJSON(exp.Body)
		switch {
		case err != nil:
			fail("expect.body: %v", err)
		case !isJSON:
			fail("body is not JSON, want %s match of %s", exp.Match, compact(want))
		default:
			if d := compareBody(want, body, exp.Match, exp.Ignore); d != "" {
				fail("body (%s match, -want +got):\n%s", exp.Match, strings.TrimRight(d, "\n"))
			}
		}
	}
	for _, a := range exp.Absent {
		if h, ok := strings.CutPrefix(a, "header:"); ok {
			if vals := res.Header.Values(strings.TrimSpace(h)); len(vals) > 0 {
				fail("header %s must be absent, got %q", h, vals[0])
			}
			continue
		}
		if _, err := capture(a, res.Header, body, isJSON); err == nil {
			fail("%s must be absent from the body", a)
		}
	}
	for _, p := range exp.Present {
		val, err := capture(p, res.Header, body, isJSON)
		switch {
		case err != nil:
			fail("%s must be present: %v", p, err)
		case val == nil:
			fail("%s must not be null", p)
		}
	}
	if r.Validator != nil && exp.validateOn() && !isControl(req.URL.Path) {
		for _, msg := range r.Validator.ValidateResponse(req, res.StatusCode, res.Header, raw) {
			fail("spec: %s", msg)
		}
	}
	if len(sr.Failures) > 0 {
		return sr // captures of a failed step would only mislead
	}
	for _, name := range slices.Sorted(maps.Keys(st.Capture)) {
		val, err := capture(st.Capture[name], res.Header, body, isJSON)
		if err != nil {
			fail("capture %s: %v", name, err)
			continue
		}
		v.values[name] = val
	}
	return sr
}

func usesControlPlane(sc *Scenario) bool {
	for _, st := range sc.Steps {
		if isControl(st.Request.Path) {
			return true
		}
	}
	return false
}

func isControl(path string) bool {
	return path == controlPrefix || strings.HasPrefix(path, controlPrefix+"/")
}

func decodeJSON(raw []byte) (any, bool) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return nil, false
	}
	var v any
	if err := json.Unmarshal(trimmed, &v); err != nil {
		return nil, false
	}
	return v, true
}

func compact(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(raw)
}

// excerpt is the start of a body for a report, its secrets masked before
// the cut so none is left half in view.
func excerpt(raw []byte) string {
	text := redact.Text(string(raw))
	if len(text) <= maxReportedBody {
		return text
	}
	return text[:maxReportedBody] + fmt.Sprintf("... (%d bytes)", len(raw))
}

// redactResult replaces every environment value in the result's text, and
// every credential the redact package recognises (passwords, tokens, codes,
// keys in bodies, paths and failure messages).
func redactResult(res *ScenarioResult, secrets []string) {
	red := func(s string) string {
		for _, sec := range secrets {
			s = strings.ReplaceAll(s, sec, redacted)
		}
		return redact.Text(s)
	}
	res.Error = red(res.Error)
	for i := range res.Steps {
		st := &res.Steps[i]
		st.Path, st.Response = red(st.Path), red(st.Response)
		for j := range st.Failures {
			st.Failures[j] = red(st.Failures[j])
		}
		for k, val := range st.Headers {
			st.Headers[k] = red(val)
		}
	}
}

// StepsPerSecond is the replay throughput of the report.
func (rep *Report) StepsPerSecond() float64 {
	if rep.Duration <= 0 {
		return 0
	}
	return float64(rep.Steps) / rep.Duration.Seconds()
}

// Failures lists "scenario / step: failure" lines, for a test to print.
func (rep *Report) Failures() []string {
	var out []string
	for _, s := range rep.Scenarios {
		if s.Error != "" {
			out = append(out, s.Name+": "+s.Error)
		}
		for _, st := range s.Steps {
			for _, f := range st.Failures {
				out = append(out, fmt.Sprintf("%s / %s (%s %s): %s", s.Name, st.Name, st.Method, st.Path, f))
			}
		}
	}
	return out
}
