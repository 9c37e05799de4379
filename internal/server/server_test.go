package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/specs"
)

func newServer(t *testing.T, mutate func(*Config)) *Server {
	t.Helper()
	spec, err := specload.LoadData(specs.Default, specs.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Spec: spec, Domain: true, Strict: true, ValidateRequests: true, Seed: 1}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func serve(s http.Handler, method, path, body string, header map[string]string) *httptest.ResponseRecorder {
	h := map[string]string{"Content-Type": "application/json"}
	for k, v := range header {
		h[k] = v
	}
	return request(s, method, "http://localhost"+path, body, h)
}

func TestControlPlaneAndAPIShareOnePort(t *testing.T) {
	s := newServer(t, nil)
	if rec := serve(s, "GET", "/__mock/health", "", nil); rec.Code != 200 {
		t.Fatalf("health: %d %s", rec.Code, rec.Body)
	}
	rec := serve(s, "GET", "/demo/v1/.well-known/openid-configuration", "", nil)
	var disco map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &disco); err != nil || rec.Code != 200 {
		t.Fatalf("discovery: %d %s", rec.Code, rec.Body)
	}
	if disco["issuer"] != "http://localhost/demo" {
		t.Errorf("issuer = %v, want the request's host", disco["issuer"])
	}
}

func TestPublicURLSetsTheIssuer(t *testing.T) {
	s := newServer(t, func(c *Config) { c.PublicURL = "https://auth.example.test/" })
	rec := serve(s, "GET", "/demo/v1/.well-known/openid-configuration", "", nil)
	if !strings.Contains(rec.Body.String(), `"issuer":"https://auth.example.test/demo"`) {
		t.Errorf("discovery with --public-url: %s", rec.Body)
	}
	if got := s.Bootstrap("https://auth.example.test")["issuer"]; got != "https://auth.example.test/demo" {
		t.Errorf("bootstrap issuer = %v", got)
	}
}

func TestReloadKeepsState(t *testing.T) {
	s := newServer(t, nil)
	key := s.Bootstrap("")["api_key"].(string)
	auth := map[string]string{"Authorization": "Bearer " + key}
	if rec := serve(s, "POST", "/demo/v1/auth/signup", `{"email":"erin@example.com","password":"correct horse battery","username":"erin"}`, auth); rec.Code != 200 {
		t.Fatalf("signup: %d %s", rec.Code, rec.Body)
	}
	if err := s.Reload(s.Spec()); err != nil {
		t.Fatal(err)
	}
	if rec := serve(s, "POST", "/demo/v1/auth/signin", `{"identifier":"erin","password":"correct horse battery"}`, auth); rec.Code != 200 {
		t.Fatalf("sign-in after reload: %d %s", rec.Code, rec.Body)
	}
}

func TestFixturesNeedTheDomainAndMustParse(t *testing.T) {
	spec, _ := specload.LoadData(specs.Default, specs.DefaultName)
	if _, err := New(Config{Spec: spec, Fixtures: []byte("apps: []")}); err == nil {
		t.Error("fixtures without the domain were accepted")
	}
	if _, err := New(Config{Spec: spec, Domain: true, Fixtures: []byte("apps: [{slug: 5")}); err == nil || !strings.HasPrefix(err.Error(), "fixtures: ") || strings.Count(err.Error(), "fixtures:") != 1 {
		t.Errorf("broken fixtures: %v, want one fixtures: prefix", err)
	}
	if _, err := New(Config{}); err == nil {
		t.Error("a server without a spec was built")
	}
}

// A fault that no operation of the spec can match is a typo in a test: it
// is refused with the reason instead of being stored and never firing.
func TestFaultsMustNameAnOperationOfTheSpec(t *testing.T) {
	s := newServer(t, nil)
	for _, tc := range []struct{ body, want string }{
		{`{"operation_id":"ConsumerAuthController_signn","status":503}`, "no operation ConsumerAuthController_signn"},
		{`{"method":"GET","path":"/demo/v1/nowhere","status":503}`, "no operation answers GET /demo/v1/nowhere"},
		{`{"method":"DELETE","path":"/demo/v1/auth/signin","status":503}`, "allowed: OPTIONS, POST"},
		{`{"method":"POST","path":"/{slug}/v1/auth/signin","status":503}`, "/{app_slug}/v1/auth/signin"},
	} {
		rec := serve(s, "POST", "/__mock/faults", tc.body, nil)
		if rec.Code != http.StatusBadRequest || !strings.Contains(rec.Body.String(), tc.want) {
			t.Errorf("%s: %d %s, want 400 naming %q", tc.body, rec.Code, rec.Body, tc.want)
		}
	}
	for _, body := range []string{
		`{"operation_id":"ConsumerAuthController_signin","status":503}`,
		`{"method":"post","path":"/demo/v1/auth/signin","status":503}`,
		`{"method":"POST","path":"/{app_slug}/v1/auth/signin/","status":503}`,
		`{"method":"HEAD","path":"/demo/v1/me","status":503}`,
	} {
		if rec := serve(s, "POST", "/__mock/faults", body, nil); rec.Code != http.StatusCreated {
			t.Errorf("%s: %d %s, want 201", body, rec.Code, rec.Body)
		}
	}
}

// A warning about the spec as a whole (the live copy was unreachable) has
// no JSON pointer and must not be listed behind an empty one.
func TestHealthListsWarningsWithoutEmptyPointers(t *testing.T) {
	s := newServer(t, func(c *Config) {
		spec := *c.Spec
		spec.Warnings = []specload.Warning{{Message: "live spec unavailable: offline"}, {Pointer: "/paths/~1a", Message: "bad example"}}
		c.Spec = &spec
	})
	rec := serve(s, "GET", "/__mock/health", "", nil)
	var health struct {
		Spec struct{ Warnings []string } `json:"spec"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &health); err != nil {
		t.Fatal(err)
	}
	want := []string{"live spec unavailable: offline", "/paths/~1a: bad example"}
	if strings.Join(health.Spec.Warnings, "|") != strings.Join(want, "|") {
		t.Errorf("warnings = %q, want %q", health.Spec.Warnings, want)
	}
}

// A server given LoadSpec serves what it loads; a spec that does not load
// is the error New returns, ahead of the domain's (bad fixtures here).
func TestLoadSpecRunsBesideTheDomain(t *testing.T) {
	s, err := New(Config{Domain: true, LoadSpec: func() (*specload.Spec, error) {
		return specload.LoadData(specs.Default, specs.DefaultName)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if s.Spec() == nil || s.Spec().Source != specs.DefaultName {
		t.Fatalf("served spec %v, want the one loaded", s.Spec())
	}
	if rec := serve(s, "GET", "/demo/v1/.well-known/jwks.json", "", nil); rec.Code != 200 {
		t.Fatalf("jwks: %d %s", rec.Code, rec.Body)
	}
	_, err = New(Config{Domain: true, Fixtures: []byte("{not yaml: ["), LoadSpec: func() (*specload.Spec, error) {
		return specload.LoadData([]byte("{}"), "empty.json")
	}})
	if err == nil || !strings.Contains(err.Error(), "empty.json") {
		t.Fatalf("err = %v, want the spec's", err)
	}
}
