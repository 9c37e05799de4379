package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/scenario"
	"github.com/heimdall-mock/heimdall-mock/internal/server"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
	"github.com/heimdall-mock/heimdall-mock/specs"
)

const scenarioDir = "../../testdata/scenarios"

// replayJSON decodes the json report of a replay.
type replayJSON struct {
	Target    string `json:"target"`
	Passed    int    `json:"passed"`
	Failed    int    `json:"failed"`
	Skipped   int    `json:"skipped"`
	Steps     int    `json:"steps"`
	Scenarios []struct {
		Name  string `json:"name"`
		Steps []struct {
			Duration int64 `json:"duration_ns"`
		} `json:"steps"`
	} `json:"scenarios"`
}

func decodeReplay(t *testing.T, out string) replayJSON {
	t.Helper()
	var rep replayJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("json report: %v\n%s", err, out)
	}
	return rep
}

// The scenario folder on the in-process mock, on the embedded spec and on
// the newest published one: what CI replays.
func TestReplayScenarioFolderOnMock(t *testing.T) {
	all, err := scenario.LoadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	for name, args := range map[string]func(t *testing.T) []string{
		"embedded spec": func(*testing.T) []string { return []string{"replay", "--mock", "--format", "json", scenarioDir} },
		"newest spec": func(t *testing.T) []string {
			return []string{"replay", "--mock", "--spec", testspecs.Newest(t), "--format", "json", scenarioDir}
		},
	} {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := runCLI(args(t)...)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			rep := decodeReplay(t, out)
			if rep.Passed+rep.Skipped != len(all) || rep.Failed != 0 || rep.Passed == 0 {
				t.Fatalf("passed %d, skipped %d, failed %d of %d", rep.Passed, rep.Skipped, rep.Failed, len(all))
			}
			timed := 0
			for _, s := range rep.Scenarios {
				for _, st := range s.Steps {
					if st.Duration > 0 {
						timed++
					}
				}
			}
			if timed != rep.Steps {
				t.Errorf("%d of %d steps carry a duration", timed, rep.Steps)
			}
			if !strings.Contains(rep.Target, "mock on") {
				t.Errorf("target %q should name the mock and its spec", rep.Target)
			}
			t.Logf("%d scenarios, %d steps against %s", len(rep.Scenarios), rep.Steps, rep.Target)
		})
	}
}

const passing = `name: passing
description: the health route answers
tags: [smoke]
steps:
  - request: {method: GET, path: "/{{bootstrap.app_slug}}/v1/.well-known/jwks.json"}
    expect: {status: 200}
`

const failing = `name: failing
description: expects a status the mock never answers
steps:
  - request: {method: GET, path: "/{{bootstrap.app_slug}}/v1/.well-known/jwks.json"}
    expect: {status: 418}
`

func TestReplayExitCodesAndFormats(t *testing.T) {
	dir := t.TempDir()
	pass := write(t, dir, "passing.yaml", passing)
	failDir := t.TempDir()
	fail := write(t, failDir, "failing.yaml", failing)
	broken := write(t, t.TempDir(), "broken.yaml", "name: x\nsteps: []\n")

	cases := []struct {
		name string
		args []string
		want int
	}{
		{"passes", []string{"replay", "--mock", pass}, 0},
		{"mock is the default", []string{"replay", pass}, 0},
		{"fails", []string{"replay", "--mock", fail}, 1},
		{"folder and file together", []string{"replay", pass, failDir}, 1},
		{"tag filter leaves the passing one", []string{"replay", "--tags", "smoke", pass, fail}, 0},
		{"tag filter leaves none", []string{"replay", "--tags", "nothing", pass}, 2},
		{"same file twice", []string{"replay", pass, pass}, 2},
		{"no scenarios", []string{"replay", "--mock"}, 2},
		{"broken scenario", []string{"replay", broken}, 2},
		{"missing file", []string{"replay", filepath.Join(dir, "nope.yaml")}, 2},
		{"target and mock", []string{"replay", "--mock", "--target", "http://127.0.0.1:1", pass}, 2},
		{"bad target", []string{"replay", "--target", "ftp://x", pass}, 2},
		{"bad format", []string{"replay", "--format", "xml", pass}, 2},
		{"bad spec", []string{"replay", "--spec", pass, pass}, 2},
		{"negative parallel", []string{"replay", "--parallel", "-1", pass}, 2},
		{"help", []string{"replay", "--help"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if code, out, errOut := runCLI(tc.args...); code != tc.want {
				t.Errorf("exit %d, want %d\n%s\n%s", code, tc.want, out, errOut)
			}
		})
	}

	_, out, _ := runCLI("replay", "--format", "junit", pass, fail)
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal([]byte(out), &suites); err != nil || suites.Tests != 2 || suites.Failures != 1 {
		t.Errorf("junit: %+v %v\n%s", suites, err, out)
	}
	_, out, _ = runCLI("replay", "--format", "markdown", pass, fail)
	if !strings.Contains(out, "| passing | ✅ pass") || !strings.Contains(out, "### failing") {
		t.Errorf("markdown:\n%s", out)
	}
	_, out, _ = runCLI("replay", pass, fail)
	if !strings.Contains(out, "FAIL failing") || !strings.Contains(out, "status 200, want 418") {
		t.Errorf("text:\n%s", out)
	}
	report := filepath.Join(t.TempDir(), "report.json")
	code, out, errOut := runCLI("replay", "--format", "json", "--out", report, pass)
	if data, err := os.ReadFile(report); code != 0 || out != "" || err != nil || decodeReplay(t, string(data)).Passed != 1 {
		t.Errorf("--out: exit %d, stdout %q, stderr %q, file err %v", code, out, errOut, err)
	}
}

// A mock over HTTP is reset before each scenario, so it replays one
// scenario at a time; a real service takes its credentials from the
// environment and they never reach the report.
func TestReplayAgainstTargets(t *testing.T) {
	srv, err := server.New(server.Config{Spec: loadTestSpec(t), Domain: true, Strict: true, ValidateRequests: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	mock := httptest.NewServer(srv)
	defer mock.Close()
	if code, out, errOut := runCLI("replay", "--target", mock.URL, scenarioDir); code != 0 {
		t.Fatalf("replay over HTTP: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := runCLI("replay", "--target", mock.URL, "--parallel", "2", scenarioDir); code != 2 || !strings.Contains(errOut, "--parallel 1") {
		t.Errorf("parallel replay on one mock: exit %d, %s", code, errOut)
	}

	const key = "sk_live_secret_value_42"
	var gotAuth string
	var mu sync.Mutex
	service := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/__mock") {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		gotAuth = r.Header.Get("Authorization")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"statusCode":401,"message":"nope","error":"Unauthorized"}`)
	}))
	defer service.Close()
	t.Setenv("HEIMDALL_API_KEY", key)
	t.Setenv("HEIMDALL_APP_SLUG", "acme")
	dir := t.TempDir()
	sc := write(t, dir, "key.yaml", `name: key
description: a call with the API key
steps:
  - request: {method: GET, path: "/v1/apps/x", bearer: "{{bootstrap.api_key}}"}
    expect: {status: 200}
`)
	for _, format := range []string{"text", "json", "junit", "markdown"} {
		code, out, _ := runCLI("replay", "--target", service.URL, "--format", format, sc, filepath.Join(scenarioDir, "faults.yaml"))
		if code != 1 {
			t.Errorf("%s: exit %d, want 1 (401 where 200 was expected)", format, code)
		}
		if strings.Contains(out, key) {
			t.Errorf("%s report holds the API key:\n%s", format, out)
		}
		if format == "json" && decodeReplay(t, out).Skipped != 1 {
			t.Errorf("the mock-only scenario should be skipped on a service:\n%s", out)
		}
	}
	if gotAuth != "Bearer "+key {
		t.Errorf("the service got Authorization %q", gotAuth)
	}
}

func TestDriftBetweenMocks(t *testing.T) {
	code, out, errOut := runCLI("drift", "--a", "mock", "--b", "mock", "--format", "json", scenarioDir)
	if code != 0 {
		t.Fatalf("same spec twice: exit %d\n%s\n%s", code, out, errOut)
	}
	var same struct {
		Differences []any `json:"differences"`
		Compared    int   `json:"steps_compared"`
	}
	if err := json.Unmarshal([]byte(out), &same); err != nil || len(same.Differences) != 0 || same.Compared == 0 {
		t.Fatalf("same spec twice: %v %+v\n%s", err, same, out)
	}

	versions := testspecs.AuthVersions(t)
	var older string
	for _, v := range versions {
		if strings.Contains(filepath.Base(v), "2026-05-22") {
			older = v
		}
	}
	if older == "" {
		older = versions[0]
	}
	newest := versions[len(versions)-1]
	code, out, errOut = runCLI("drift", "--a", "mock:"+older, "--b", "mock:"+newest, "--format", "json", scenarioDir)
	if code != 1 {
		t.Fatalf("two versions: exit %d, want 1\n%s", code, errOut)
	}
	var rep struct {
		Differences []struct {
			Scenario, Kind, A, B string
		} `json:"differences"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || len(rep.Differences) == 0 {
		t.Fatalf("two versions: %v, %d differences", err, len(rep.Differences))
	}
	kinds := map[string]int{}
	for _, d := range rep.Differences {
		kinds[d.Kind]++
	}
	// The older spec lacks routes the newer one serves: the older mock
	// answers 404 where the newer one answers.
	if kinds["status"] == 0 {
		t.Errorf("no status difference between %s and %s: %v", older, newest, kinds)
	}
	t.Logf("%s vs %s: %v", filepath.Base(older), filepath.Base(newest), kinds)

	for _, f := range []string{"text", "markdown"} {
		code, out, _ := runCLI("drift", "--a", "mock:"+older, "--b", "mock", "--format", f, filepath.Join(scenarioDir, "refresh-reuse.yaml"))
		if code != 1 || !strings.Contains(out, "refresh-reuse") {
			t.Errorf("%s: exit %d\n%s", f, code, out)
		}
	}
	for _, args := range [][]string{
		{"drift", "--a", "mock", scenarioDir},
		{"drift", "--a", "mock", "--b", "mock"},
		{"drift", "--a", "mock", "--b", "mock:", scenarioDir},
		{"drift", "--a", "mock", "--b", "tcp://x", scenarioDir},
		{"drift", "--a", "mock", "--b", "mock", "--format", "junit", scenarioDir},
	} {
		if code, _, _ := runCLI(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

const signinSpec = `openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /{app_slug}/v1/auth/signin:
    post:
      parameters: [{name: app_slug, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
  /v1/apps/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
  /v1/apps/stats:
    get:
      responses: {'200': {description: ok}}
`

// Neither the sign-in nor GET /v1/apps/{id} survives; stats does.
const signinRemoved = `openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /v1/apps/stats:
    get:
      responses: {'200': {description: ok}}
`

func TestDiffNamesScenarios(t *testing.T) {
	dir := t.TempDir()
	oldSpec := write(t, dir, "old.yaml", signinSpec)
	newSpec := write(t, dir, "new.yaml", signinRemoved)
	scs := t.TempDir()
	write(t, scs, "a.yaml", `name: signs-in
description: d
steps:
  - request: {method: POST, path: "/{{bootstrap.app_slug}}/v1/auth/signin?x=1", json: {identifier: a}}
`)
	write(t, scs, "b.yaml", `name: reads-stats
description: d
steps:
  - request: {method: GET, path: /v1/apps/stats}
`)
	write(t, scs, "c.yaml", `name: reads-an-app
description: d
steps:
  - request: {method: HEAD, path: "/v1/apps/{{app_id}}"}
`)
	code, out, errOut := runCLI("diff", "--format", "json", "--scenarios", scs, oldSpec, newSpec)
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	var rep struct {
		Findings []struct {
			Operation string   `json:"operation"`
			Scenarios []string `json:"scenarios"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, f := range rep.Findings {
		got[f.Operation] = strings.Join(f.Scenarios, ",")
	}
	want := map[string]string{"POST /{app_slug}/v1/auth/signin": "signs-in", "GET /v1/apps/{id}": "reads-an-app"}
	for op, names := range want {
		if got[op] != names {
			t.Errorf("%s: scenarios %q, want %q (all: %v)", op, got[op], names, got)
		}
	}
	_, out, _ = runCLI("diff", "--scenarios", scs, oldSpec, newSpec)
	if !strings.Contains(out, "[scenarios: signs-in]") {
		t.Errorf("text output does not name the scenario:\n%s", out)
	}
	if code, _, _ := runCLI("diff", "--scenarios", filepath.Join(dir, "none"), oldSpec, newSpec); code != 2 {
		t.Errorf("missing scenario folder: exit %d, want 2", code)
	}
}

func TestRefresh(t *testing.T) {
	var mu sync.Mutex
	body := `{"paths":{"/v1/things":{"get":{"responses":{"200":{"description":"<ok> & fine"}}}}},"openapi":"3.0.0","info":{"version":"1","title":"t"}}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		io.WriteString(w, body)
	}))
	defer srv.Close()
	to := filepath.Join(t.TempDir(), "sub", "live.json")

	code, out, errOut := runCLI("refresh", "--from", srv.URL, "--to", to)
	if code != 0 {
		t.Fatalf("first refresh: exit %d\n%s%s", code, out, errOut)
	}
	got, err := os.ReadFile(to)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "info": {
    "title": "t",
    "version": "1"
  },
  "openapi": "3.0.0",
  "paths": {
    "/v1/things": {
      "get": {
        "responses": {
          "200": {
            "description": "<ok> & fine"
          }
        }
      }
    }
  }
}
`
	if string(got) != want {
		t.Errorf("normalised:\n%s\nwant:\n%s", got, want)
	}
	if code, _, errOut := runCLI("refresh", "--from", srv.URL, "--to", to); code != 0 || !strings.Contains(errOut, "unchanged") {
		t.Errorf("same spec again: exit %d, %s", code, errOut)
	}

	mu.Lock()
	body = "openapi: 3.0.0\ninfo: {title: t, version: '2'}\npaths: {}\n"
	mu.Unlock()
	code, out, _ = runCLI("refresh", "--from", srv.URL, "--to", to, "--format", "json")
	if code != 1 || !strings.Contains(out, "operation-removed") {
		t.Errorf("a removed operation: exit %d\n%s", code, out)
	}
	if got, _ := os.ReadFile(to); !strings.Contains(string(got), `"version": "2"`) {
		t.Errorf("the YAML spec was not written as JSON:\n%s", got)
	}

	mu.Lock()
	body = "<html>maintenance</html>"
	mu.Unlock()
	before, _ := os.ReadFile(to)
	if code, _, _ := runCLI("refresh", "--from", srv.URL, "--to", to); code != 2 {
		t.Errorf("an HTML page: exit %d, want 2", code)
	}
	if after, _ := os.ReadFile(to); !bytes.Equal(before, after) {
		t.Error("a failed refresh replaced the last good spec")
	}
	entries, _ := os.ReadDir(filepath.Dir(to))
	if len(entries) != 1 {
		t.Errorf("temporary files left behind: %v", entries)
	}
	for _, args := range [][]string{
		{"refresh", "--to", to},
		{"refresh", "--from", srv.URL},
		{"refresh", "--from", srv.URL + "/x", "--to", to, "--format", "xml"},
		{"refresh", "--from", filepath.Join(t.TempDir(), "missing.json"), "--to", to},
	} {
		if code, _, _ := runCLI(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// syncBuffer is written by the record command's goroutines and read by
// the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var listening = regexp.MustCompile(`proxying (http://\S+) to`)

// contract record runs until SIGINT, then writes the last session; the
// file replays on a fresh mock.
func TestRecordUntilInterrupted(t *testing.T) {
	srv, err := server.New(server.Config{Spec: loadTestSpec(t), Domain: true, Strict: true, ValidateRequests: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	upstream := httptest.NewServer(srv)
	defer upstream.Close()
	out := t.TempDir()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"record", "--upstream", upstream.URL, "--listen", "127.0.0.1:0", "--out", out}, &stdout, &stderr)
	}()
	var proxyURL string
	for deadline := time.Now().Add(10 * time.Second); proxyURL == "" && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if m := listening.FindStringSubmatch(stderr.String()); m != nil {
			proxyURL = m[1]
		}
	}
	if proxyURL == "" {
		t.Fatalf("the proxy did not start: %s", stderr.String())
	}
	res, err := http.Get(proxyURL + "/demo/v1/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d\n%s", code, stderr.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("record did not stop on SIGINT")
	}
	if !strings.Contains(stdout.String(), "1 scenario files written") {
		t.Errorf("stdout: %s", stdout.String())
	}
	code, rout, rerr := runCLI("replay", "--mock", out)
	if code != 0 {
		t.Errorf("replay of the recording: exit %d\n%s%s", code, rout, rerr)
	}

	for _, args := range [][]string{
		{"record", "--out", out},
		{"record", "--upstream", upstream.URL},
		{"record", "--upstream", "ftp://x", "--out", out, "--listen", "127.0.0.1:0"},
		{"record", "--upstream", upstream.URL, "--out", out, "--listen", "256.0.0.1:99999"},
		{"record", "--upstream", upstream.URL, "--out", out, "--idle", "0s"},
	} {
		if code, _, _ := runCLI(args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

// BenchmarkReplayMock measures contract replay --mock as the command runs
// it (a pool of reset strict mocks, every response validated), in steps
// per second:
//
//   - folder: every scenario of testdata/scenarios. Seven of its steps
//     create apps, each taking an RSA-2048 key. One run of the command
//     takes them from the keys package's embedded reserve (128 keys per
//     process), but a benchmark loop uses that up within a few iterations,
//     and from then on every app generates its key inline: a third of the
//     CPU time. This figure is bound by key generation, not by the replay;
//     a single `contract replay --mock` run prints its own steps/s (see
//     bench/replay/run.sh).
//   - no-new-apps: the scenarios that create no app: the replay's own
//     throughput (signing tokens included).
func BenchmarkReplayMock(b *testing.B) {
	all, err := scenario.LoadDir(scenarioDir)
	if err != nil {
		b.Fatal(err)
	}
	var noNewApps []*scenario.Scenario
	for _, sc := range all {
		creates := false
		for _, st := range sc.Steps {
			creates = creates || st.Request.Method == "POST" && st.Request.Path == "/v1/apps"
		}
		if !creates {
			noNewApps = append(noNewApps, sc)
		}
	}
	tgt, err := openTarget(context.Background(), "mock", "", 0)
	if err != nil {
		b.Fatal(err)
	}
	r := tgt.runner(true)
	for name, scs := range map[string][]*scenario.Scenario{"folder": all, "no-new-apps": noNewApps} {
		b.Run(name, func(b *testing.B) {
			steps := 0
			for b.Loop() {
				rep := r.Run(context.Background(), scs)
				if rep.Failed > 0 {
					b.Fatalf("replay failed: %v", rep.Failures())
				}
				steps += rep.Steps
			}
			b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
			b.ReportMetric(float64(steps)/float64(b.N), "steps/op")
		})
	}
}

var (
	testSpecOnce sync.Once
	testSpec     *specload.Spec
	testSpecErr  error
)

func loadTestSpec(tb testing.TB) *specload.Spec {
	tb.Helper()
	testSpecOnce.Do(func() { testSpec, testSpecErr = specload.LoadData(specs.Default, specs.DefaultName) })
	if testSpecErr != nil {
		tb.Fatal(testSpecErr)
	}
	return testSpec
}
