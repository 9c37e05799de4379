package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const baseSpec = `openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /v1/things:
    get:
      parameters: [{name: q, in: query, schema: {type: string}}]
      responses: {'200': {description: ok}}
`

// removedParam only drops a query parameter: a warning, not a break.
const removedParam = `openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /v1/things:
    get:
      responses: {'200': {description: ok}}
`

const noPaths = "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n"

func write(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	base := write(t, dir, "base.yaml", baseSpec)
	warn := write(t, dir, "warn.yaml", removedParam)
	breaking := write(t, dir, "break.yaml", noPaths)
	acceptFile := write(t, dir, "accept.yaml", "- rule: operation-removed\n  operation: GET /v1/things\n  reason: replaced by search\n")
	expiredFile := write(t, dir, "expired.yaml", "- rule: operation-removed\n  operation: GET /v1/things\n  reason: replaced by search\n  expires: 2000-01-01\n")

	cases := []struct {
		name string
		args []string
		want int
	}{
		{"no changes", []string{"diff", base, base}, 0},
		{"breaking change", []string{"diff", base, breaking}, 1},
		{"warning under default fail-on", []string{"diff", base, warn}, 0},
		{"warning with fail-on warning", []string{"diff", "--fail-on", "warning", base, warn}, 1},
		{"flags after the specs", []string{"diff", base, warn, "--fail-on", "warning"}, 1},
		{"accepted break", []string{"diff", "--accept", acceptFile, base, breaking}, 0},
		{"expired acceptance", []string{"diff", "--accept", expiredFile, base, breaking}, 1},
		{"missing spec", []string{"diff", base, filepath.Join(dir, "nope.yaml")}, 2},
		{"not a spec", []string{"diff", base, acceptFile}, 2},
		{"one spec only", []string{"diff", base}, 2},
		{"bad fail-on", []string{"diff", "--fail-on", "info", base, base}, 2},
		{"bad format", []string{"diff", "--format", "xml", base, base}, 2},
		{"bad date", []string{"diff", "--old-date", "yesterday", base, base}, 2},
		{"missing accept file", []string{"diff", "--accept", filepath.Join(dir, "none.yaml"), base, base}, 2},
		{"unknown command", []string{"frobnicate"}, 2},
		{"no command", nil, 2},
		{"help", []string{"--help"}, 0},
		{"changelog", []string{"changelog", base, breaking}, 0},
		{"rules", []string{"rules"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(tc.args...)
			if code != tc.want {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.want, out, errOut)
			}
		})
	}
}

func TestHistoryAgesDeprecation(t *testing.T) {
	deprecated := strings.Replace(baseSpec, "    get:\n", "    get:\n      deprecated: true\n", 1)
	hist := t.TempDir()
	write(t, hist, "2026-01-10T0000-a.yaml", deprecated)
	write(t, hist, "2026-01-01T0000-b.yaml", baseSpec) // before deprecation
	write(t, hist, "notes.txt", "not a spec")
	dir := t.TempDir()
	old := write(t, dir, "2026-02-01T0000-old.yaml", deprecated)
	removed := write(t, dir, "2026-03-01T0000-new.yaml", noPaths)

	code, out, errOut := runCLI("diff", "--history", hist, old, removed)
	if code != 0 || !strings.Contains(out, "at least 50 days") {
		t.Errorf("exit %d (a removal after deprecation is a warning), want the age from 2026-01-10:\n%s%s", code, out, errOut)
	}
	if code, _, _ := runCLI("diff", "--history", filepath.Join(dir, "missing"), old, removed); code != 2 {
		t.Errorf("missing history folder: exit %d, want 2", code)
	}
}

func TestDiffFormats(t *testing.T) {
	dir := t.TempDir()
	base := write(t, dir, "base.yaml", baseSpec)
	breaking := write(t, dir, "break.yaml", noPaths)

	_, out, _ := runCLI("diff", "--format", "json", base, breaking)
	var rep struct {
		Findings []struct{ Rule, Level, Operation string } `json:"findings"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("json output: %v\n%s", err, out)
	}
	if len(rep.Findings) != 1 || rep.Findings[0].Rule != "operation-removed" || rep.Findings[0].Level != "error" {
		t.Errorf("json findings: %+v", rep.Findings)
	}

	_, out, _ = runCLI("diff", base, breaking)
	if strings.Contains(out, "\x1b[") {
		t.Error("text written to a buffer must not be coloured")
	}
	if !strings.Contains(out, "GET /v1/things") {
		t.Errorf("text output: %s", out)
	}
	_, out, _ = runCLI("diff", "--color", "always", base, breaking)
	if !strings.Contains(out, "\x1b[") {
		t.Error("--color always should colour")
	}
	for _, f := range []string{"markdown", "junit", "githubactions"} {
		if code, out, errOut := runCLI("diff", "--format", f, base, breaking); code != 1 || out == "" {
			t.Errorf("%s: exit %d, out %q, err %q", f, code, out, errOut)
		}
	}
	_, out, _ = runCLI("changelog", base, breaking)
	if !strings.HasPrefix(out, "# API changelog") || !strings.Contains(out, "## Breaking changes") {
		t.Errorf("changelog: %s", out)
	}
}

func TestSourcesURLAndGit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/spec.yaml" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(noPaths))
	}))
	defer srv.Close()
	dir := t.TempDir()
	base := write(t, dir, "base.yaml", baseSpec)
	if code, out, errOut := runCLI("diff", base, srv.URL+"/spec.yaml"); code != 1 {
		t.Errorf("url source: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, _ := runCLI("diff", base, srv.URL+"/missing.yaml"); code != 2 {
		t.Errorf("404 url: exit %d, want 2", code)
	}

	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	repo := t.TempDir()
	gitRun := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = repo
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitRun("init", "-q")
	write(t, repo, "api.yaml", baseSpec)
	gitRun("add", "api.yaml")
	gitRun("commit", "-qm", "v1")
	write(t, repo, "api.yaml", noPaths)
	gitRun("commit", "-qam", "v2")

	t.Chdir(repo)
	if code, out, errOut := runCLI("diff", "git:HEAD~1:api.yaml", "git:HEAD:api.yaml"); code != 1 || !strings.Contains(out, "operation-removed") {
		t.Errorf("git sources: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI("diff", "git:HEAD~1:api.yaml", "git:nosuchrev:api.yaml"); code != 2 || !strings.Contains(errOut, "git show") {
		t.Errorf("bad revision: exit %d, stderr %q", code, errOut)
	}
}
