package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeService is a tiny stateful API with a mock-like control plane: what
// the runner needs to prove captures, isolation, resets and redaction.
type fakeService struct {
	mu     sync.Mutex
	users  map[string]string // id -> name
	seq    int
	resets atomic.Int32
	mock   bool
	seen   []http.Header
}

func newFake(mock bool) *fakeService { return &fakeService{users: map[string]string{}, mock: mock} }

func (f *fakeService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = append(f.seen, r.Header.Clone())
	writeJSON := func(status int, v any) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	switch {
	case f.mock && r.Method == "GET" && r.URL.Path == "/__mock/health":
		writeJSON(200, map[string]any{"status": "ok", "bootstrap": map[string]any{"app_slug": "demo", "api_key": "boot-key"}})
	case f.mock && r.Method == "POST" && r.URL.Path == "/__mock/reset":
		f.resets.Add(1)
		f.users = map[string]string{}
		w.WriteHeader(204)
	case r.Method == "POST" && r.URL.Path == "/demo/users":
		if r.Header.Get("Authorization") == "" {
			writeJSON(401, map[string]any{"statusCode": 401, "message": "no key", "error": "Unauthorized"})
			return
		}
		var in struct{ Name string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			writeJSON(400, map[string]any{"statusCode": 400, "message": err.Error(), "error": "Bad Request"})
			return
		}
		for _, n := range f.users {
			if n == in.Name {
				writeJSON(409, map[string]any{"statusCode": 409, "message": "taken", "error": "Conflict"})
				return
			}
		}
		f.seq++
		id := fmt.Sprintf("u%d", f.seq)
		f.users[id] = in.Name
		w.Header().Set("Location", "/demo/users/"+id)
		writeJSON(201, map[string]any{"id": id, "name": in.Name, "query": r.URL.RawQuery})
	case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/demo/users/"):
		id := strings.TrimPrefix(r.URL.Path, "/demo/users/")
		name, ok := f.users[id]
		if !ok {
			writeJSON(404, map[string]any{"statusCode": 404, "message": "no user", "error": "Not Found"})
			return
		}
		writeJSON(200, map[string]any{"id": id, "name": name, "count": len(f.users)})
	case r.URL.Path == "/drop":
		panic(http.ErrAbortHandler)
	default:
		http.NotFound(w, r)
	}
}

const flowYAML = `
name: create-and-read
description: creates a user and reads it back
steps:
  - name: create
    request:
      method: POST
      path: /{{bootstrap.app_slug}}/users
      bearer: "{{bootstrap.api_key}}"
      query: {trace: "${TRACE_ID}"}
      json: {name: "{{random_username}}"}
    capture:
      id: /id
      location: header:Location
    expect:
      status: 201
      headers: {Content-Type: application/json, Location: "/users/"}
      body: {name: "{{random_username}}"}
  - name: read
    request: {method: GET, path: "{{location}}"}
    expect:
      status: 200
      match: exact
      body: {id: "{{id}}", name: "{{random_username}}", count: 1}
  - name: duplicate
    request:
      method: POST
      path: /demo/users
      headers: {Authorization: "Bearer ${API_TOKEN}"}
      json: {name: "{{random_username}}"}
    expect: {status: 409, body: {statusCode: 409}}
`

func mustParse(t *testing.T, doc, name string) *Scenario {
	t.Helper()
	sc, err := Parse([]byte(doc), name)
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

func TestRunnerCapturesIsolatesAndResets(t *testing.T) {
	var made []*fakeService
	var mu sync.Mutex
	r := &Runner{
		Target: func() (Target, error) {
			f := newFake(true)
			mu.Lock()
			made = append(made, f)
			mu.Unlock()
			return HandlerTarget(f), nil
		},
		Env:      map[string]string{"TRACE_ID": "trace-77", "API_TOKEN": "tok-secret-123"},
		Parallel: 4,
	}
	var scs []*Scenario
	for i := range 8 {
		sc := mustParse(t, flowYAML, "flow.yaml")
		sc.Name = fmt.Sprintf("run-%d", i)
		scs = append(scs, sc)
	}
	rep := r.Run(context.Background(), scs)
	if rep.Failed != 0 || rep.Passed != 8 || rep.Steps != 24 {
		var buf bytes.Buffer
		_ = rep.WriteText(&buf, false)
		t.Fatalf("passed %d failed %d steps %d:\n%s", rep.Passed, rep.Failed, rep.Steps, buf.String())
	}
	if len(made) != 8 {
		t.Fatalf("%d targets for 8 scenarios", len(made))
	}
	for _, f := range made {
		if f.resets.Load() != 1 {
			t.Errorf("a mock target was reset %d times", f.resets.Load())
		}
	}
	st := rep.Scenarios[0].Steps[0]
	if st.Headers["Authorization"] != redacted || !strings.Contains(st.Path, "trace="+redacted) || strings.Contains(st.Path, "trace-77") {
		t.Errorf("step not redacted: %+v", st)
	}
	if rep.Scenarios[3].Name != "run-3" || st.Duration <= 0 || rep.Duration <= 0 {
		t.Errorf("order or timing lost: %+v", rep.Scenarios[3])
	}
	// The env credential went out on the wire but never into the report.
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(js.String(), "tok-secret-123") || strings.Contains(js.String(), "boot-key") || strings.Contains(js.String(), "trace-77") {
		t.Errorf("report leaks a credential:\n%s", js.String())
	}
	if got := made[0].seen[len(made[0].seen)-1].Get("Authorization"); got != "Bearer tok-secret-123" {
		t.Errorf("the env value was not sent: %q", got)
	}
}

func TestRunnerStopsAtTheFirstFailureAndReportsIt(t *testing.T) {
	sc := mustParse(t, `
name: broken
description: the second step expects the wrong name
steps:
  - name: create
    request: {method: POST, path: /demo/users, bearer: k, json: {name: ada}}
    capture: {id: /id}
    expect: {status: 201}
  - name: read
    request: {method: GET, path: "/demo/users/{{id}}"}
    expect: {status: 200, body: {name: grace}}
  - name: never
    request: {method: GET, path: /demo/users/u1}
  - name: skipped
    skip: documents a known bug
    request: {method: GET, path: /demo/users/u1}
`, "broken.yaml")
	skipped := mustParse(t, "name: later\nskip: not served yet\nsteps: [{request: {method: GET, path: /}}]\n", "later.yaml")
	missing := mustParse(t, "name: needs-var\nsteps: [{request: {method: GET, path: '/demo/users/{{nope}}'}}]\n", "v.yaml")
	r := &Runner{Target: func() (Target, error) { return HandlerTarget(newFake(false)), nil }, Env: map[string]string{}}
	rep := r.Run(context.Background(), []*Scenario{sc, skipped, missing})
	if rep.Passed != 0 || rep.Failed != 2 || rep.Skipped != 1 {
		t.Fatalf("passed %d failed %d skipped %d", rep.Passed, rep.Failed, rep.Skipped)
	}
	steps := rep.Scenarios[0].Steps
	outcomes := []string{steps[0].Outcome, steps[1].Outcome, steps[2].Outcome, steps[3].Outcome}
	if strings.Join(outcomes, ",") != "passed,failed,not run,not run" {
		t.Errorf("outcomes %v", outcomes)
	}
	if f := steps[1].Failures; len(f) != 1 || !strings.Contains(f[0], `"grace"`) || !strings.Contains(steps[1].Response, `"ada"`) {
		t.Errorf("failure %v, response %q", f, steps[1].Response)
	}
	if rep.Scenarios[1].Skipped != "not served yet" || len(rep.Scenarios[1].Steps) != 0 {
		t.Errorf("skip = %+v", rep.Scenarios[1])
	}
	if f := rep.Scenarios[2].Steps[0].Failures; len(f) != 1 || !strings.Contains(f[0], "{{nope}}") {
		t.Errorf("unknown variable: %v", f)
	}
	// A bootstrap variable on a target that is no mock names the env var.
	boot := mustParse(t, "name: b\nsteps: [{request: {method: GET, path: '/{{bootstrap.app_slug}}'}}]\n", "b.yaml")
	rep = r.Run(context.Background(), []*Scenario{boot})
	if f := rep.Failures(); len(f) != 1 || !strings.Contains(f[0], "$HEIMDALL_APP_SLUG") {
		t.Errorf("failures %v", f)
	}
	r.Env = map[string]string{"HEIMDALL_APP_SLUG": "demo"}
	rep = r.Run(context.Background(), []*Scenario{boot})
	if f := rep.Failures(); len(f) != 1 || !strings.Contains(f[0], "status 404") || !strings.Contains(f[0], "GET /[redacted]") {
		t.Errorf("with the env slug: %v", f)
	}
}

func TestRunnerTargetErrorsAndDroppedConnections(t *testing.T) {
	one := mustParse(t, "name: drop\nsteps: [{request: {method: GET, path: /drop}}]\n", "d.yaml")
	r := &Runner{Target: func() (Target, error) { return nil, errors.New("no port free") }}
	rep := r.Run(context.Background(), []*Scenario{one})
	if rep.Failed != 1 || !strings.Contains(rep.Scenarios[0].Error, "no port free") {
		t.Fatalf("target error: %+v", rep.Scenarios[0])
	}
	r.Target = func() (Target, error) { return HandlerTarget(newFake(false)), nil }
	rep = r.Run(context.Background(), []*Scenario{one})
	if f := rep.Failures(); len(f) != 1 || !strings.Contains(f[0], "connection dropped") {
		t.Fatalf("dropped connection: %v", f)
	}
}

func TestValidatorRunsOnlyWhereAsked(t *testing.T) {
	sc := mustParse(t, `
name: v
steps:
  - request: {method: POST, path: /demo/users, bearer: k, json: {name: a}}
    expect: {status: 201}
  - request: {method: GET, path: /demo/users/u1}
    expect: {status: 200, validate: false}
  - request: {method: GET, path: /__mock/health}
    expect: {status: 200}
`, "v.yaml")
	var calls []string
	var mu sync.Mutex
	val := validatorFunc(func(req *http.Request, status int, _ http.Header, body []byte) []string {
		mu.Lock()
		defer mu.Unlock()
		calls = append(calls, fmt.Sprintf("%s %s %d", req.Method, req.URL.Path, status))
		return []string{"body.name: must be longer"}
	})
	r := &Runner{Target: func() (Target, error) { return HandlerTarget(newFake(true)), nil }, Validator: val}
	rep := r.Run(context.Background(), []*Scenario{sc})
	if len(calls) != 1 || calls[0] != "POST /demo/users 201" {
		t.Fatalf("validator calls %v", calls)
	}
	if f := rep.Failures(); len(f) != 1 || !strings.Contains(f[0], "spec: body.name: must be longer") {
		t.Fatalf("failures %v", f)
	}
}

type validatorFunc func(*http.Request, int, http.Header, []byte) []string

func (f validatorFunc) ValidateResponse(req *http.Request, status int, h http.Header, body []byte) []string {
	return f(req, status, h, body)
}

func TestHTTPTargetPrefixesAndResetsOnlyMocks(t *testing.T) {
	real := newFake(false)
	mux := http.NewServeMux()
	mux.Handle("/base/", http.StripPrefix("/base", real))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	tgt := HTTPTarget(srv.URL+"/base/", srv.Client())
	if err := tgt.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	if real.resets.Load() != 0 {
		t.Fatal("a service that is no mock was reset")
	}
	sc := mustParse(t, flowYAML, "flow.yaml")
	r := &Runner{
		Target: func() (Target, error) { return tgt, nil },
		Env:    map[string]string{"TRACE_ID": "t", "API_TOKEN": "x", "HEIMDALL_APP_SLUG": "demo", "HEIMDALL_API_KEY": "real-key"},
	}
	rep := r.Run(context.Background(), []*Scenario{sc})
	if rep.Failed != 0 || rep.Target != srv.URL+"/base" {
		t.Fatalf("over HTTP: %v (target %q)", rep.Failures(), rep.Target)
	}

	mock := newFake(true)
	msrv := httptest.NewServer(mock)
	defer msrv.Close()
	mt := HTTPTarget(msrv.URL, nil)
	if err := mt.Reset(context.Background()); err != nil || mock.resets.Load() != 1 {
		t.Fatalf("mock reset: %v, %d resets", err, mock.resets.Load())
	}
	// Scenarios that drive the control plane are skipped on a real service.
	ctl := mustParse(t, "name: clock\nsteps: [{request: {method: POST, path: /__mock/clock, json: {advance: 1h}}}]\n", "c.yaml")
	rep = r.Run(context.Background(), []*Scenario{ctl})
	if rep.Skipped != 1 || !strings.Contains(rep.Scenarios[0].Skipped, "control plane") {
		t.Fatalf("control-plane scenario on a real service: %+v", rep.Scenarios[0])
	}
	if name := HTTPTarget("https://ci:hunter2@staging.example.test/api", nil).Name(); strings.Contains(name, "hunter2") {
		t.Errorf("target name shows the URL password: %s", name)
	}
	bad := HTTPTarget("ftp://nowhere", nil)
	req, _ := http.NewRequest("GET", "/x", nil)
	if _, err := bad.Do(context.Background(), req); err == nil || !strings.Contains(err.Error(), "want an http(s) URL") {
		t.Fatalf("bad base URL: %v", err)
	}
}

func sampleReport(t *testing.T) *Report {
	t.Helper()
	pass := mustParse(t, flowYAML, "flow.yaml")
	fail := mustParse(t, `
name: fails <here> & there
description: d
steps:
  - name: wrong status
    request: {method: GET, path: /demo/users/none}
    expect: {status: 200}
  - name: after
    request: {method: GET, path: /}
`, "fail.yaml")
	skip := mustParse(t, "name: skipped\nskip: mock bug\nsteps: [{request: {method: GET, path: /}}]\n", "s.yaml")
	r := &Runner{Target: func() (Target, error) { return HandlerTarget(newFake(true)), nil }, Env: map[string]string{"TRACE_ID": "t", "API_TOKEN": "x"}}
	return r.Run(context.Background(), []*Scenario{pass, fail, skip})
}

func TestJUnitParsesBack(t *testing.T) {
	rep := sampleReport(t)
	var buf bytes.Buffer
	if err := rep.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var back junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("JUnit does not parse: %v\n%s", err, buf.String())
	}
	if len(back.Suites) != 3 || back.Tests != 3+2+1 || back.Failures != 1 || back.Skipped != 2 {
		t.Fatalf("suites %d tests %d failures %d skipped %d", len(back.Suites), back.Tests, back.Failures, back.Skipped)
	}
	f := back.Suites[1]
	if f.Name != "fails <here> & there" || f.Cases[0].Failure == nil || !strings.Contains(f.Cases[0].Failure.Text, "status 404, want 200") {
		t.Errorf("failing suite = %+v", f)
	}
	if f.Cases[1].Skipped == nil || back.Suites[2].Cases[0].Skipped.Message != "mock bug" {
		t.Errorf("skips lost: %+v", back.Suites[2])
	}
}

func TestTextMarkdownAndJSONWriters(t *testing.T) {
	rep := sampleReport(t)
	var plain, color, md, js bytes.Buffer
	for _, err := range []error{rep.WriteText(&plain, false), rep.WriteText(&color, true), rep.WriteMarkdown(&md), rep.WriteJSON(&js)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"PASS create-and-read", "FAIL fails <here> & there", "status 404, want 200", "SKIP skipped", "1 passed, 1 failed, 1 skipped"} {
		if !strings.Contains(plain.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, plain.String())
		}
	}
	if strings.Contains(plain.String(), "\x1b[") || !strings.Contains(color.String(), ansiRed+"FAIL"+ansiReset) {
		t.Error("colour must appear only when asked for")
	}
	for _, want := range []string{"| scenario | result | steps | time |", "| fails &lt;here&gt; & there | ❌ fail |", "⏭️ skip: mock bug", "status 404, want 200"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md.String())
		}
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Passed != 1 || back.Failed != 1 || len(back.Scenarios[1].Steps) != 2 {
		t.Errorf("JSON round trip: %v %+v", err, back)
	}
	if err := rep.WriteText(failingWriter{}, false); err == nil {
		t.Error("a write error must surface")
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestPresentAndAbsent(t *testing.T) {
	sc := mustParse(t, `
name: checks
steps:
  - request: {method: POST, path: /demo/users, bearer: k, json: {name: ada}}
    expect:
      status: 201
      present: [/id, "$.name", "header:Location"]
      absent: [/password, "header:Set-Cookie"]
  - request: {method: POST, path: /demo/users, bearer: k, json: {name: bob}}
    expect:
      status: 201
      present: [/query, /missing]
      absent: [/id, header:Location]
`, "checks.yaml")
	r := &Runner{Target: func() (Target, error) { return HandlerTarget(newFake(false)), nil }}
	rep := r.Run(context.Background(), []*Scenario{sc})
	steps := rep.Scenarios[0].Steps
	if steps[0].Outcome != StepPassed {
		t.Fatalf("first step: %v", steps[0].Failures)
	}
	got := strings.Join(steps[1].Failures, "\n")
	for _, want := range []string{"/missing must be present", "/id must be absent", "header Location must be absent"} {
		if !strings.Contains(got, want) {
			t.Errorf("failures lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "/query") {
		t.Errorf("an empty string is a value, not null:\n%s", got)
	}
}

// A probe that gets no answer is not remembered: the next scenario on the
// same target probes again and runs.
func TestProbeRetriesAfterATransportError(t *testing.T) {
	fake := newFake(true)
	var calls atomic.Int32
	flaky := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/__mock/health" && calls.Add(1) == 1 {
			panic(http.ErrAbortHandler)
		}
		fake.ServeHTTP(w, r)
	})
	tgt := HandlerTarget(flaky)
	sc := mustParse(t, "name: one\nsteps: [{request: {method: GET, path: '/{{bootstrap.app_slug}}/users/u9'}, expect: {status: 404}}]\n", "one.yaml")
	r := &Runner{Target: func() (Target, error) { return tgt, nil }, Parallel: 1}
	rep := r.Run(context.Background(), []*Scenario{sc, sc})
	if rep.Failed != 1 || rep.Passed != 1 || !strings.Contains(rep.Scenarios[0].Error, "connection dropped") {
		t.Fatalf("first %+v, second %+v", rep.Scenarios[0], rep.Scenarios[1])
	}
	if fake.resets.Load() != 1 {
		t.Errorf("resets = %d", fake.resets.Load())
	}
}
