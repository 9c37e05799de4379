package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/heimdall"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

// flowClient drives a server through the flows of the SDK end-to-end suite,
// skipping the calls the served version has no operation for.
type flowClient struct {
	t *testing.T
	s *Server
}

type answer struct {
	status int
	body   map[string]any
	raw    string
}

func (a answer) str(key string) string { s, _ := a.body[key].(string); return s }

// call sends a request unless the served spec lacks the operation; ok is
// false then. Any 500 fails the test with the mock's reason.
func (c flowClient) call(method, path, bearer string, body any) (answer, bool) {
	c.t.Helper()
	route, _, _ := strings.Cut(path, "?")
	if op, _, _ := c.s.Router().Match(method, route); op == nil {
		return answer{}, false
	}
	raw := ""
	if body != nil {
		b, _ := json.Marshal(body)
		raw = string(b)
	}
	h := map[string]string{}
	if bearer != "" {
		h["Authorization"] = "Bearer " + bearer
	}
	rec := serve(c.s, method, path, raw, h)
	a := answer{status: rec.Code, raw: rec.Body.String()}
	_ = json.Unmarshal(rec.Body.Bytes(), &a.body)
	if rec.Code >= 500 {
		c.t.Errorf("%s %s → %d %s", method, path, rec.Code, rec.Body)
	}
	return a, true
}

// TestEveryPublishedVersionServesTheSDKFlowsWithoutA500 runs the consumer
// and admin flows of the SDK suite in strict mode against every published
// version of the spec: each version gets answers in its own dialect (the
// oldest names its request fields in camelCase, 2026-05-24 requires a role_id
// on every app), so nothing breaks the spec and nothing answers 500.
func TestEveryPublishedVersionServesTheSDKFlowsWithoutA500(t *testing.T) {
	for _, path := range testspecs.AuthVersions(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			s := serverOn(t, path)
			runSDKFlows(t, flowClient{t: t, s: s})
			for _, e := range s.Journal.List(0) {
				for _, msg := range e.ResponseErrors {
					t.Errorf("%s %s → %d breaks the spec: %s", e.Method, e.Path, e.Status, msg)
				}
			}
		})
	}
}

// serverOn is a strict server on the spec file at path.
func serverOn(t *testing.T, path string) *Server {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := specload.LoadData(data, path)
	if err != nil {
		t.Fatal(err)
	}
	s := newServer(t, func(c *Config) { c.Spec = spec })
	t.Cleanup(s.Close)
	return s
}

func runSDKFlows(t *testing.T, c flowClient) {
	t.Helper()
	key := heimdall.BootstrapAPIKey
	up, ok := c.call("POST", "/demo/v1/auth/signup", key, map[string]any{
		"username": "alice", "email": "alice@example.com", "password": "correct horse battery"})
	if !ok || up.status != 201 && up.status != 200 {
		t.Fatalf("signup: %d %s", up.status, up.raw)
	}
	in, _ := c.call("POST", "/demo/v1/auth/signin", key, map[string]any{"identifier": "alice", "password": "correct horse battery"})
	if in.status != 200 {
		t.Fatalf("signin: %d %s", in.status, in.raw)
	}
	access := firstOf(in, "access_token", "accessToken")
	refresh := firstOf(in, "refresh_token", "refreshToken")
	if access == "" {
		t.Fatalf("signin carries no access token: %s", in.raw)
	}
	if me, ok := c.call("GET", "/demo/v1/me", access, nil); ok && me.status != 200 {
		t.Errorf("/me: %d %s", me.status, me.raw)
	}
	c.call("GET", "/demo/v1/me/sessions", access, nil)
	if v, ok := c.call("POST", "/demo/v1/verify", access, map[string]any{"token": access}); ok && v.status != 200 {
		t.Errorf("verify: %d %s", v.status, v.raw)
	}
	c.call("POST", "/demo/v1/auth/send-verification-email", key, map[string]any{"email": "alice@example.com"})
	if refresh != "" {
		if r, ok := c.call("POST", "/demo/v1/auth/refresh", key, map[string]any{"refresh_token": refresh}); ok && r.status != 200 {
			t.Errorf("refresh: %d %s", r.status, r.raw)
		}
	}
	platform := mintPlatformToken(t, c.s)
	if apps, ok := c.call("GET", "/v1/apps?limit=20&cursor=&workspace_id="+heimdall.BootstrapWorkspaceID, platform, nil); ok && apps.status != 200 {
		t.Errorf("apps list: %d %s", apps.status, apps.raw)
	}
	app := "/v1/apps/" + heimdall.BootstrapAppID
	c.call("GET", app, key, nil)
	c.call("GET", app+"/end-users", key, nil)
	c.call("GET", app+"/roles", key, nil)
	c.call("GET", app+"/permissions", key, nil)
	c.call("GET", app+"/api-keys", key, nil)
	c.call("GET", app+"/auth-config", key, nil)
	c.call("GET", app+"/audit-logs", key, nil)
	c.call("GET", "/v1/stats/me", platform, nil)
	c.call("POST", "/demo/v1/auth/logout", key, map[string]any{"refresh_token": refresh})
}

func firstOf(a answer, names ...string) string {
	for _, n := range names {
		if s := a.str(n); s != "" {
			return s
		}
	}
	return ""
}

func mintPlatformToken(t *testing.T, s *Server) string {
	t.Helper()
	rec := serve(s, "POST", "/__mock/tokens", `{"type":"platform"}`, nil)
	var out map[string]any
	_ = json.Unmarshal(rec.Body.Bytes(), &out)
	tok, _ := out["access_token"].(string)
	if tok == "" {
		t.Fatalf("mint: %d %s", rec.Code, rec.Body)
	}
	return strings.TrimSpace(tok)
}

// TestOldestVersionsCamelCaseRequestFieldsReachTheDomain: the first
// published version names request fields in camelCase (displayName); the
// shaper renames them back, so the change is applied, not ignored.
func TestOldestVersionsCamelCaseRequestFieldsReachTheDomain(t *testing.T) {
	s := serverOn(t, testspecs.AuthVersions(t)[0])
	c := flowClient{t: t, s: s}
	app := "/v1/apps/" + heimdall.BootstrapAppID
	if r, ok := c.call("PATCH", app, heimdall.BootstrapAPIKey, map[string]any{"displayName": "Renamed Demo"}); !ok || r.status != 200 {
		t.Fatalf("patch: %d %s", r.status, r.raw)
	}
	entry := s.Journal.List(1)[0]
	if !slices.Contains(entry.Adaptations, "request body: displayName renamed to display_name") {
		t.Errorf("journal adaptations = %q", entry.Adaptations)
	}
	if got := s.Domain.Bootstrap(); got.AppSlug != "demo" {
		t.Fatalf("bootstrap = %+v", got)
	}
	st := serve(s, "GET", "/__mock/state", "", nil).Body.String()
	if !strings.Contains(st, "Renamed Demo") {
		t.Errorf("the domain never got the new display name")
	}
}
