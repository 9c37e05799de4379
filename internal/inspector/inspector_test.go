package inspector_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/heimdall"
	"github.com/heimdall-mock/heimdall-mock/internal/server"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/specs"
)

// newMock serves the whole mock (router, domain, control plane and the
// inspector) on the embedded default spec, in strict mode.
func newMock(t *testing.T, domain bool) *httptest.Server {
	t.Helper()
	spec, err := specload.LoadData(specs.Default, specs.DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.New(server.Config{Spec: spec, Domain: domain, Strict: true, ValidateRequests: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return srv
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, r.body)
	}
}

func do(t *testing.T, srv *httptest.Server, method, path, auth, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: res.StatusCode, header: res.Header, body: data}
}

func TestThePageIsServedWithItsAssets(t *testing.T) {
	srv := newMock(t, true)
	for _, path := range []string{"/__mock/ui", "/__mock/ui/"} {
		page := do(t, srv, "GET", path, "", "")
		if page.status != 200 || !strings.HasPrefix(page.header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %s", path, page.status, page.header.Get("Content-Type"))
		}
		if !strings.Contains(page.header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("%s: no CSP keeping scripts to the page's own files", path)
		}
		if !strings.Contains(string(page.body), `<main id="main"`) {
			t.Errorf("%s: not the inspector page: %.200s", path, page.body)
		}
	}
	page := do(t, srv, "GET", "/__mock/ui", "", "")
	assets := regexp.MustCompile(`(?:src|href)="(/__mock/ui/[^"]+)"`).FindAllStringSubmatch(string(page.body), -1)
	if len(assets) < 2 {
		t.Fatalf("the page references %d assets, want the script and the stylesheet", len(assets))
	}
	wantType := map[string]string{".js": "javascript", ".css": "text/css"}
	for _, m := range assets {
		a := do(t, srv, "GET", m[1], "", "")
		ext := m[1][strings.LastIndex(m[1], "."):]
		if a.status != 200 || len(a.body) == 0 || !strings.Contains(a.header.Get("Content-Type"), wantType[ext]) {
			t.Errorf("%s: %d %q, %d bytes", m[1], a.status, a.header.Get("Content-Type"), len(a.body))
		}
	}
	if r := do(t, srv, "GET", "/__mock/ui/missing.js", "", ""); r.status != 404 {
		t.Errorf("missing asset: %d", r.status)
	}
}

func TestInspectRoutesFollowASignedUpUser(t *testing.T) {
	srv := newMock(t, true)
	key := heimdall.BootstrapAPIKey
	signup := do(t, srv, "POST", "/demo/v1/auth/signup", key,
		`{"email":"nina@example.com","password":"correct horse battery","username":"nina"}`)
	if signup.status != 200 {
		t.Fatalf("signup: %d %s", signup.status, signup.body)
	}
	var tokens struct {
		AccessToken string `json:"access_token"`
	}
	signup.json(t, &tokens)

	var apps []heimdall.AppView
	do(t, srv, "GET", "/__mock/inspect/apps", "", "").json(t, &apps)
	if len(apps) != 1 || apps[0].Slug != "demo" || apps[0].Users != 1 || apps[0].LiveSessions != 1 || len(apps[0].Keys) != 1 {
		t.Fatalf("apps: %+v", apps)
	}

	var list heimdall.UserList
	do(t, srv, "GET", "/__mock/inspect/apps/demo/users?q=NIN", "", "").json(t, &list)
	if list.Total != 1 || list.Users[0].Username != "nina" {
		t.Fatalf("search: %+v", list)
	}

	// The user's session carries the access token the journal saw issued,
	// its claims readable and its signature masked, so it cannot be replayed.
	var user struct {
		Username string `json:"username"`
		Sessions []struct {
			ID          string `json:"id"`
			AccessToken string `json:"access_token"`
			RequestID   string `json:"token_request_id"`
		} `json:"sessions"`
	}
	do(t, srv, "GET", "/__mock/inspect/apps/demo/users/"+list.Users[0].ID, "", "").json(t, &user)
	if user.Username != "nina" || len(user.Sessions) != 1 || user.Sessions[0].AccessToken != tokens.AccessToken[:strings.LastIndex(tokens.AccessToken, ".")]+".[redacted]" || user.Sessions[0].RequestID == "" {
		t.Fatalf("user detail: %+v", user)
	}

	check := func() heimdall.TokenReport {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"token": tokens.AccessToken})
		r := do(t, srv, "POST", "/__mock/inspect/token", "", string(body))
		if r.status != 200 {
			t.Fatalf("token check: %d %s", r.status, r.body)
		}
		var rep heimdall.TokenReport
		r.json(t, &rep)
		return rep
	}
	if rep := check(); !rep.Verifies || rep.Session == nil || rep.Session.ID != user.Sessions[0].ID {
		t.Fatalf("fresh token: %+v", rep)
	}
	if r := do(t, srv, "POST", "/__mock/clock", "", `{"advance":"2h"}`); r.status != 200 {
		t.Fatalf("advance: %d %s", r.status, r.body)
	}
	if rep := check(); rep.Verifies || rep.Reason != "expired" {
		t.Fatalf("after 2h: %+v", rep)
	}
}

func TestInspectRoutesRefuseBadInput(t *testing.T) {
	srv := newMock(t, true)
	cases := []struct {
		method, path, body string
		status             int
		code               string
	}{
		{"GET", "/__mock/inspect/apps/nope/users", "", 404, "not_found"},
		{"GET", "/__mock/inspect/apps/demo/users/nobody", "", 404, "not_found"},
		{"GET", "/__mock/inspect/apps/demo/users?limit=many", "", 400, "invalid_query"},
		{"POST", "/__mock/inspect/token", `{"tokn":"x"}`, 400, "invalid_json"},
		{"POST", "/__mock/inspect/token", `{"token":"` + strings.Repeat("a", 70<<10) + `"}`, 400, "invalid_body"},
		{"DELETE", "/__mock/inspect/apps", "", 405, "method_not_allowed"},
	}
	for _, c := range cases {
		r := do(t, srv, c.method, c.path, "", c.body)
		var body struct{ Error, Detail string }
		r.json(t, &body)
		if r.status != c.status || body.Error != c.code || body.Detail == "" {
			t.Errorf("%s %s: %d %s, want %d %s", c.method, c.path, r.status, r.body, c.status, c.code)
		}
	}
	// A bad token is a report, not an error.
	r := do(t, srv, "POST", "/__mock/inspect/token", "", `{"token":"not-a-jwt"}`)
	var rep heimdall.TokenReport
	r.json(t, &rep)
	if r.status != 200 || rep.Verifies || rep.Reason != "malformed" {
		t.Errorf("malformed token: %d %s", r.status, r.body)
	}
}

func TestWithoutTheDomainThePageStillServes(t *testing.T) {
	srv := newMock(t, false)
	if r := do(t, srv, "GET", "/__mock/ui", "", ""); r.status != 200 {
		t.Errorf("page without the domain: %d", r.status)
	}
	r := do(t, srv, "GET", "/__mock/inspect/apps", "", "")
	var body struct{ Error string }
	r.json(t, &body)
	if r.status != 501 || body.Error != "not_available" {
		t.Errorf("inspect without the domain: %d %s", r.status, r.body)
	}
}
