package mockcli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe to read while the mock writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the mock command with args on a free port until the test ends
// (or stop is called) and returns its base URL.
func start(t *testing.T, args ...string) (base string, stop func() int, stdout *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout = &syncBuffer{}
	stderr := &syncBuffer{}
	ready := make(chan string, 1)
	done := make(chan int, 1)
	go func() { done <- Run(ctx, append([]string{"--port", "0"}, args...), stdout, stderr, ready) }()
	select {
	case addr := <-ready:
		base = "http://" + addr
	case code := <-done:
		t.Fatalf("mock exited %d: %s", code, stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("mock did not start")
	}
	var once sync.Once
	code := 0
	stop = func() int {
		once.Do(func() { cancel(); code = <-done })
		return code
	}
	t.Cleanup(func() { stop() })
	return base, stop, stdout
}

func getJSON(t *testing.T, url string, out any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
	}
	return resp.StatusCode
}

func TestStartsOnTheEmbeddedSpecAndPrintsBootstrap(t *testing.T) {
	base, _, stdout := start(t)
	var health struct {
		Status    string            `json:"status"`
		Bootstrap map[string]string `json:"bootstrap"`
	}
	if code := getJSON(t, base+"/__mock/health", &health); code != 200 || health.Status != "ok" {
		t.Fatalf("health = %d %+v", code, health)
	}
	out := stdout.String()
	for _, want := range []string{"listening on " + base, "embedded:heimdall.yaml", health.Bootstrap["api_key"], "app_slug:"} {
		if !strings.Contains(out, want) {
			t.Errorf("start-up output lacks %q:\n%s", want, out)
		}
	}
}

func TestBadFlagsAndInputsExitTwo(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.json")
	os.WriteFile(broken, []byte(`{"openapi": "3.0.3", "paths": {`), 0o644)
	for _, args := range [][]string{
		{"--log-format", "xml"},
		{"--port", "70000"},
		{"--spec", filepath.Join(dir, "missing.yaml")},
		{"--spec", broken},
		{"--watch"},
		{"stray"},
		{"--fixtures", filepath.Join(dir, "missing.yaml")},
	} {
		var stderr bytes.Buffer
		if code := Run(context.Background(), args, &bytes.Buffer{}, &stderr, nil); code != 2 || stderr.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q; want 2 and a message", args, code, stderr.String())
		}
	}
	var stderr bytes.Buffer
	Run(context.Background(), []string{"--spec", broken}, &bytes.Buffer{}, &stderr, nil)
	if !strings.Contains(stderr.String(), "broken.json") || !strings.Contains(stderr.String(), "line") {
		t.Errorf("a spec that does not parse should name the file and line: %q", stderr.String())
	}
}

func TestHelpShowsExamples(t *testing.T) {
	var stderr bytes.Buffer
	if code := Run(context.Background(), []string{"--help"}, &bytes.Buffer{}, &stderr, nil); code != 0 {
		t.Fatalf("--help exit %d", code)
	}
	if !strings.Contains(stderr.String(), "Examples:") || !strings.Contains(stderr.String(), "--state-file") {
		t.Errorf("help lacks examples or flags:\n%s", stderr.String())
	}
}

func TestCoverageTable(t *testing.T) {
	var stdout bytes.Buffer
	if code := Run(context.Background(), []string{"--coverage"}, &stdout, &bytes.Buffer{}, nil); code != 0 {
		t.Fatalf("--coverage exit %d", code)
	}
	out := stdout.String()
	found := false
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[1] == "POST" && f[2] == "/{app_slug}/v1/auth/signin" {
			found = f[0] == "stateful"
		}
	}
	if !found || !strings.Contains(out, "153 operations") {
		t.Errorf("coverage table lacks a stateful sign-in or the total:\n%s", out)
	}
}

func TestStateFileSurvivesARestart(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	base, stop, out := start(t, "--state-file", state)
	if want := "state:      " + state + " (none yet; written as state changes)"; !strings.Contains(out.String(), want) {
		t.Errorf("banner lacks %q:\n%s", want, out)
	}
	body := `{"email":"dora@example.com","password":"correct horse battery","username":"dora"}`
	var health struct {
		Bootstrap map[string]string `json:"bootstrap"`
	}
	getJSON(t, base+"/__mock/health", &health)
	req, _ := http.NewRequest("POST", base+"/demo/v1/auth/signup", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+health.Bootstrap["api_key"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("signup: %v %v", err, resp)
	}
	resp.Body.Close()
	if code := stop(); code != 0 {
		t.Fatalf("shutdown exit %d", code)
	}
	data, err := os.ReadFile(state)
	if err != nil || !json.Valid(data) {
		t.Fatalf("state file: %v %q", err, data)
	}
	if bytes.Contains(data, []byte("correct horse battery")) {
		t.Error("the state file holds a password in clear")
	}

	base, _, out = start(t, "--state-file", state)
	if want := "state:      loaded from " + state; !strings.Contains(out.String(), want) {
		t.Errorf("banner lacks %q:\n%s", want, out)
	}
	req, _ = http.NewRequest("POST", base+"/demo/v1/auth/signin", strings.NewReader(`{"identifier":"dora","password":"correct horse battery"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+health.Bootstrap["api_key"])
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("sign-in after restart: %d, want 200 (the user came back from the state file)", resp.StatusCode)
	}
}

func TestWatchReloadsTheSpecAndKeepsState(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "pets.yaml")
	write := func(paths ...string) {
		doc := "openapi: 3.0.3\ninfo: {title: pets, version: \"1\"}\npaths:\n"
		for _, p := range paths {
			doc += "  " + p + ":\n    get:\n      responses:\n        \"200\":\n          description: ok\n          content:\n            application/json:\n              schema: {type: object, properties: {ok: {type: boolean}}}\n"
		}
		if err := os.WriteFile(spec, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("/pets")
	base, _, _ := start(t, "--spec", spec, "--watch", "--no-domain")
	if code := getJSON(t, base+"/pets", nil); code != 200 {
		t.Fatalf("GET /pets = %d", code)
	}
	resp, err := http.Post(base+"/__mock/faults", "application/json", strings.NewReader(`{"method":"GET","path":"/pets","status":503}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("adding the fault: %v %v", err, resp)
	}
	resp.Body.Close()
	time.Sleep(10 * time.Millisecond) // a new mtime even on coarse file systems
	write("/pets", "/cats")
	os.Chtimes(spec, time.Now().Add(time.Second), time.Now().Add(time.Second))
	deadline := time.Now().Add(5 * time.Second)
	for getJSON(t, base+"/cats", nil) == 404 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if code := getJSON(t, base+"/cats", nil); code != 200 {
		t.Fatalf("GET /cats after the reload = %d, want 200 from the new spec", code)
	}
	if code := getJSON(t, base+"/pets", nil); code != 503 {
		t.Fatalf("GET /pets after the reload = %d, want 503 from the fault kept across it", code)
	}
}

func TestVersionNamesTheBinary(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := Run(context.Background(), []string{"--version"}, &stdout, &stderr, nil); code != 0 {
		t.Fatalf("--version exit %d: %s", code, stderr.String())
	}
	if !strings.HasPrefix(stdout.String(), "heimdall-mock ") || strings.Count(stdout.String(), "\n") != 1 {
		t.Fatalf("--version = %q", stdout.String())
	}
}

func TestBannerOmitsBootstrapWithoutTheDomain(t *testing.T) {
	base, _, stdout := start(t, "--no-domain")
	if code := getJSON(t, base+"/__mock/ready", nil); code != 200 {
		t.Fatalf("ready = %d", code)
	}
	out := stdout.String()
	for _, absent := range []string{"api_key:", "app_slug:", "issuer:"} {
		if strings.Contains(out, absent) {
			t.Errorf("banner of a mock without the domain shows %q:\n%s", absent, out)
		}
	}
	if !strings.Contains(out, "/__mock/ready") {
		t.Errorf("banner does not name the readiness path:\n%s", out)
	}
}

func TestHealthCheckProbesTheRunningMock(t *testing.T) {
	base, stop, _ := start(t, "--host", "0.0.0.0")
	port := base[strings.LastIndex(base, ":")+1:]
	var stderr bytes.Buffer
	if code := Run(context.Background(), []string{"--healthcheck", "--host", "0.0.0.0", "--port", port}, &bytes.Buffer{}, &stderr, nil); code != 0 {
		t.Fatalf("--healthcheck against a serving mock: exit %d: %s", code, stderr.String())
	}
	stop()
	stderr.Reset()
	if code := Run(context.Background(), []string{"--healthcheck", "--port", port}, &bytes.Buffer{}, &stderr, nil); code != 1 || stderr.Len() == 0 {
		t.Fatalf("--healthcheck after stop: exit %d, stderr %q; want 1 and a reason", code, stderr.String())
	}
}
