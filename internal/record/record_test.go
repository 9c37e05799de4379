package record

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/scenario"
	"github.com/heimdall-mock/heimdall-mock/internal/server"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/specs"
)

var (
	specOnce sync.Once
	spec     *specload.Spec
	specErr  error
)

func loadSpec(t *testing.T) *specload.Spec {
	t.Helper()
	specOnce.Do(func() { spec, specErr = specload.LoadData(specs.Default, specs.DefaultName) })
	if specErr != nil {
		t.Fatal(specErr)
	}
	return spec
}

func newMock(t *testing.T) *server.Server {
	t.Helper()
	srv, err := server.New(server.Config{Spec: loadSpec(t), Domain: true, Strict: true, ValidateRequests: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// client talks to the recording proxy the way an application would.
type client struct {
	t    *testing.T
	base string
}

func (c client) do(method, path, bearer string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Cookie", "session=browser-cookie-value")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

func str(t *testing.T, m map[string]any, key string) string {
	t.Helper()
	s, ok := m[key].(string)
	if !ok || s == "" {
		t.Fatalf("no %s in %v", key, m)
	}
	return s
}

// Record a flow through the proxy in front of one mock, then replay the
// written file on a fresh mock: it must pass, and hold none of the
// secrets that passed through.
func TestRecordThenReplay(t *testing.T) {
	upstream := httptest.NewServer(newMock(t))
	defer upstream.Close()
	var logMu sync.Mutex
	var logs []string
	p, err := New(context.Background(), Options{
		Upstream:  upstream.URL,
		Out:       t.TempDir(),
		Validator: scenario.NewSpecValidator(loadSpec(t).Doc),
		Idle:      time.Hour,
		Logf: func(format string, args ...any) {
			logMu.Lock()
			logs = append(logs, format)
			logMu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(p)
	defer front.Close()
	c := client{t, front.URL}

	_, health := c.do("GET", "/__mock/health", "", nil)
	boot, _ := health["bootstrap"].(map[string]any)
	slug, apiKey, appID := boot["app_slug"].(string), boot["api_key"].(string), boot["app_id"].(string)
	const password = "my own secret passphrase"
	const email = "recorded.user@example.com"

	status, signup := c.do("POST", "/"+slug+"/v1/auth/signup", apiKey, map[string]any{"email": email, "username": "recorded_user", "password": password})
	if status != 200 {
		t.Fatalf("signup: %d %v", status, signup)
	}
	status, signin := c.do("POST", "/"+slug+"/v1/auth/signin", "", map[string]any{"identifier": "recorded_user", "password": password})
	if status != 200 {
		t.Fatalf("signin: %d %v", status, signin)
	}
	access, refresh := str(t, signin, "access_token"), str(t, signin, "refresh_token")
	status, me := c.do("GET", "/"+slug+"/v1/me", access, nil)
	if status != 200 {
		t.Fatalf("me: %d", status)
	}
	userID := str(t, me, "id")
	if status, _ := c.do("GET", "/v1/apps/"+appID+"/end-users/"+userID, apiKey, nil); status != 200 {
		t.Fatalf("end user by id: %d", status)
	}
	status, rotated := c.do("POST", "/"+slug+"/v1/auth/refresh", "", map[string]any{"refresh_token": refresh})
	if status != 200 {
		t.Fatalf("refresh: %d", status)
	}
	if status, _ := c.do("GET", "/"+slug+"/v1/me", str(t, rotated, "access_token"), nil); status != 200 {
		t.Fatalf("me after refresh: %d", status)
	}
	if status, _ := c.do("POST", "/"+slug+"/v1/auth/refresh", "", map[string]any{"refresh_token": refresh}); status != 401 {
		t.Fatalf("reused refresh token: %d, want 401", status)
	}

	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	files := p.Files()
	if len(files) != 1 {
		t.Fatalf("files %v, want one session", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for what, secret := range map[string]string{"password": password, "api key": apiKey, "access token": access, "refresh token": refresh, "cookie": "browser-cookie-value", "user id": userID, "app id": appID, "email": email} {
		if strings.Contains(text, secret) {
			t.Errorf("the recording holds the %s:\n%s", what, text)
		}
	}
	for _, want := range []string{"{{bootstrap.api_key}}", "{{bootstrap.app_slug}}", "{{bootstrap.app_id}}", "{{access_token_3}}", "{{refresh_token_3}}", "{{id_4}}", "{{random_username.r1}}@example.com", "mock-only"} {
		if !strings.Contains(text, want) {
			t.Errorf("the recording lacks %s:\n%s", want, text)
		}
	}
	if v := p.Violations(); len(v) > 0 {
		t.Errorf("violations of a valid flow: %+v", v)
	}

	t.Logf("recording:\n%s", text)
	sc, err := scenario.Parse(data, "recorded.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // twice: the sign-up makes a new user each run
		fresh := scenario.HandlerTarget(newMock(t))
		r := &scenario.Runner{Target: func() (scenario.Target, error) { return fresh, nil }, Validator: scenario.NewSpecValidator(loadSpec(t).Doc), Env: map[string]string{}}
		rep := r.Run(context.Background(), []*scenario.Scenario{sc})
		if rep.Failed > 0 || rep.Steps != len(sc.Steps) {
			t.Fatalf("replay of the recording: %v\n%s", rep.Failures(), text)
		}
	}
}

func TestSessionsSplitByCountAndIdleGap(t *testing.T) {
	upstream := httptest.NewServer(newMock(t))
	defer upstream.Close()
	p, err := New(context.Background(), Options{Upstream: upstream.URL, Out: t.TempDir(), MaxExchanges: 2, Idle: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(p)
	defer front.Close()
	c := client{t, front.URL}
	for range 3 {
		c.do("GET", "/__mock/health", "", nil)
	}
	if got := len(p.Files()); got != 1 {
		t.Fatalf("after 3 exchanges with MaxExchanges 2: %d files, want 1", got)
	}
	deadline := time.Now().Add(5 * time.Second)
	for len(p.Files()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := len(p.Files()); got != 2 {
		t.Fatalf("after the idle gap: %d files, want 2", got)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if got := len(p.Files()); got != 2 {
		t.Errorf("closing with an empty session wrote a file: %d files", got)
	}
	scs, err := scenario.LoadDir(p.opts.Out)
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) != 2 || len(scs[0].Steps) != 2 || len(scs[1].Steps) != 1 {
		t.Errorf("sessions: %d files", len(scs))
	}
}

func TestViolationsAreReported(t *testing.T) {
	// An upstream that answers sign-in with a number where the spec wants
	// a string token.
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token": 5, "token_type": "Bearer"}`)
	}))
	defer upstream.Close()
	p, err := New(context.Background(), Options{Upstream: upstream.URL, Out: t.TempDir(), Validator: scenario.NewSpecValidator(loadSpec(t).Doc), Bootstrap: map[string]string{}})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(p)
	defer front.Close()
	client{t, front.URL}.do("POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "a@example.com", "password": "x"})
	v := p.Violations()
	if len(v) != 1 || v[0].Status != 200 || !strings.Contains(strings.Join(v[0].Response, "\n"), "access_token") {
		t.Errorf("violations: %+v", v)
	}
	if len(v) == 1 && len(v[0].Request) != 0 {
		t.Errorf("a valid sign-in request was reported: %q", v[0].Request)
	}
	client{t, front.URL}.do("POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "a@example.com"})
	if v := p.Violations(); len(v) != 2 || !strings.Contains(strings.Join(v[1].Request, "\n"), "password") {
		t.Errorf("a sign-in without password: %+v", v)
	}
	p.Close()
}

func TestRenderRedactsWhatItCannotCapture(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl"
	h := func(kv ...string) http.Header {
		out := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			out.Set(kv[i], kv[i+1])
		}
		return out
	}
	exs := []Exchange{
		{Method: "GET", Path: "/demo/v1/me", ReqHeader: h("Authorization", "Bearer "+jwt), Status: 200, RespHeader: http.Header{}},
		{Method: "POST", Path: "/demo/v1/oauth/token", ReqHeader: h("Authorization", "Basic Y2xpZW50OnNlY3JldA==", "Content-Type", "application/x-www-form-urlencoded"),
			ReqBody: []byte("grant_type=client_credentials&client_secret=s3cr3t-value"), Status: 200, RespHeader: http.Header{}},
		{Method: "POST", Path: "/demo/v1/auth/logout", ReqHeader: h("Content-Type", "application/json", "X-Api-Key", "hk_live_123456"),
			ReqBody: []byte(`{"refresh_token":"rt-from-elsewhere-1","new_password":"hunter2hunter2"}`), Status: 204, RespHeader: http.Header{}},
		{Method: "POST", Path: "/demo/v1/auth/signin", ReqHeader: h("Content-Type", "application/json"),
			ReqBody: []byte(`{"identifier":"a@example.com","password":"hunter2hunter2"}`), Status: 200, RespHeader: http.Header{}},
	}
	pw := NewPasswords()
	data, err := Render("redaction", "test", exs, map[string]string{"app_slug": "demo"}, pw)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, secret := range []string{jwt, "Y2xpZW50OnNlY3JldA", "s3cr3t-value", "hk_live_123456", "rt-from-elsewhere-1", "hunter2hunter2"} {
		if strings.Contains(text, secret) {
			t.Errorf("rendered file holds %q:\n%s", secret, text)
		}
	}
	stand := pw.standIn("hunter2hunter2")
	if strings.Count(text, stand) != 2 {
		t.Errorf("the same password should become the same stand-in twice:\n%s", text)
	}
	if again, _ := Render("again", "test", exs[3:], nil, pw); !strings.Contains(string(again), stand) {
		t.Error("a second session of the recording must reuse the stand-in")
	}
	if !strings.Contains(text, "/{{bootstrap.app_slug}}/v1/me") || !strings.Contains(text, "grant_type=client_credentials") {
		t.Errorf("rendered file:\n%s", text)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for _, opts := range []Options{
		{Upstream: "ftp://example.com", Out: t.TempDir()},
		{Upstream: "not a url", Out: t.TempDir()},
		{Upstream: "http://example.com"},
	} {
		if _, err := New(context.Background(), opts); err == nil {
			t.Errorf("New(%+v) accepted", opts)
		}
	}
}

// Every scenario of testdata/scenarios, replayed through the proxy in front
// of a mock (one session each), must replay again from its recording on a
// fresh mock: the recorder's captures and stand-ins carry 30 varied flows.
func TestRecordTheScenarioFolder(t *testing.T) {
	scs, err := scenario.LoadDir("../../testdata/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	upstream := httptest.NewServer(newMock(t))
	defer upstream.Close()
	validator := scenario.NewSpecValidator(loadSpec(t).Doc)
	p, err := New(context.Background(), Options{Upstream: upstream.URL, Out: t.TempDir(), Validator: validator, Idle: time.Hour, MaxExchanges: 1000})
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewServer(p)
	defer front.Close()
	noRedirects := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	through := &scenario.Runner{Target: func() (scenario.Target, error) { return scenario.HTTPTarget(front.URL, noRedirects), nil }, Validator: validator, Parallel: 1, Env: map[string]string{}}
	for _, sc := range scs {
		if rep := through.Run(context.Background(), []*scenario.Scenario{sc}); rep.Failed > 0 {
			t.Fatalf("%s through the proxy: %v", sc.Name, rep.Failures())
		}
		if err := p.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	for _, v := range p.Violations() {
		if len(v.Response) > 0 {
			t.Errorf("the mock broke its own spec: %+v", v)
		}
		if len(v.Request) > 0 {
			t.Logf("a scenario sends a request the spec refuses: %+v", v)
		}
	}
	files := p.Files()
	if len(files) != len(scs) {
		t.Fatalf("%d files for %d scenarios", len(files), len(scs))
	}
	// Scenarios that send a made-up value in a credential field: the
	// recorder cannot tell it from a real secret, redacts it, and the
	// target then answers the redaction, not the made-up value.
	sendsMadeUpCredentials := map[string]bool{"federated-invalid-signature": true}
	for i, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := scenario.Parse(data, f)
		if err != nil {
			t.Fatal(err)
		}
		fresh := scenario.HandlerTarget(newMock(t))
		r := &scenario.Runner{Target: func() (scenario.Target, error) { return fresh, nil }, Validator: validator, Env: map[string]string{}}
		rep := r.Run(context.Background(), []*scenario.Scenario{rec})
		switch {
		case sendsMadeUpCredentials[scs[i].Name]:
			if rep.Failed == 0 || !strings.Contains(string(data), Redacted) {
				t.Errorf("%s was expected to fail on a redacted made-up credential; drop it from the list", scs[i].Name)
			}
		case rep.Failed > 0:
			t.Errorf("the recording of %s does not replay: %v\n%s", scs[i].Name, rep.Failures(), data)
		}
	}
}

// A one-time code is random: now and then it has no digit at all. It must
// still become a capture, or the replay sends the recorded, dead code.
func TestRenderCapturesCodesWithoutDigits(t *testing.T) {
	const code = "qgegRBZqt-aGAOeoYPAaXrWP"
	json := http.Header{"Content-Type": {"application/json"}}
	exs := []Exchange{
		{Method: "POST", Path: "/v1/apps/a1/end-users/invites", ReqHeader: json, ReqBody: []byte(`{"email":"x@example.com"}`),
			Status: 201, RespHeader: json, RespBody: []byte(`{"id":"inv_1","code":"` + code + `","status":"pending"}`)},
		{Method: "POST", Path: "/demo/v1/auth/accept-invite", ReqHeader: json, ReqBody: []byte(`{"code":"` + code + `","role":"pending"}`),
			Status: 410, RespHeader: http.Header{}},
	}
	data, err := Render("invite", "test", exs, nil, NewPasswords())
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if strings.Contains(text, code) || !strings.Contains(text, "code: '{{code_1}}'") {
		t.Errorf("the invite code should be captured from step 1:\n%s", text)
	}
	if !strings.Contains(text, "role: pending") {
		t.Errorf("a short word is no generated value and stays as sent:\n%s", text)
	}
}
