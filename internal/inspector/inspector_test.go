package inspector_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/heimdall"
	"github.com/heimdall-mock/heimdall-mock/internal/inspector"
	"github.com/heimdall-mock/heimdall-mock/internal/keys"
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

	var apps []inspector.AppView
	do(t, srv, "GET", "/__mock/inspect/apps", "", "").json(t, &apps)
	if len(apps) != 1 || apps[0].Slug != "demo" || apps[0].Users != 1 || apps[0].LiveSessions != 1 || len(apps[0].Keys) != 1 {
		t.Fatalf("apps: %+v", apps)
	}

	var list inspector.UserList
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

	check := func() inspector.TokenReport {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"token": tokens.AccessToken})
		r := do(t, srv, "POST", "/__mock/inspect/token", "", string(body))
		if r.status != 200 {
			t.Fatalf("token check: %d %s", r.status, r.body)
		}
		var rep inspector.TokenReport
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
	var rep inspector.TokenReport
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

// Every refusal comes with a sentence, whichever layer refused: the
// keystore (its own words), the domain (worded here from its facts), or
// the inspector itself (nothing to check).
func TestTokenReportsExplainEveryRefusal(t *testing.T) {
	srv := newMock(t, true)
	signup := do(t, srv, "POST", "/demo/v1/auth/signup", heimdall.BootstrapAPIKey,
		`{"email":"tess@example.com","password":"correct horse battery","username":"tess"}`)
	var tokens struct {
		AccessToken string `json:"access_token"`
	}
	signup.json(t, &tokens)
	mint := func(body string) string {
		t.Helper()
		r := do(t, srv, "POST", "/__mock/tokens", "", body)
		var out struct {
			AccessToken string `json:"access_token"`
		}
		r.json(t, &out)
		if r.status != 200 || out.AccessToken == "" {
			t.Fatalf("mint %s: %d %s", body, r.status, r.body)
		}
		return out.AccessToken
	}
	check := func(token string) inspector.TokenReport {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"token": token})
		var rep inspector.TokenReport
		do(t, srv, "POST", "/__mock/inspect/token", "", string(body)).json(t, &rep)
		return rep
	}
	stranger := keys.NewKeystore(keys.SharedPool(), time.Now())
	foreign, err := stranger.Sign(map[string]any{"aid": heimdall.BootstrapAppID, "aud": "demo", "sub": "x", "exp": time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := stranger.Sign(map[string]any{"aud": "nowhere", "sub": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if rep := check("  bearer " + tokens.AccessToken + " "); !rep.Verifies || rep.Reason != "" || rep.Detail != "" || rep.AppSlug != "demo" || rep.IssuedAt == nil || rep.ExpiresAt == nil {
		t.Fatalf("a pasted Authorization header: %+v", rep)
	}
	cases := []struct {
		name, token, reason, detail string
	}{
		{"empty", "  ", "missing_token", "no token given"},
		{"not a JWT", "abc.def", "malformed", ""},
		{"wrong audience", mint(`{"sub":"tess","claims":{"aud":"elsewhere"}}`), "wrong_audience", `aud elsewhere is not the app slug "demo"`},
		{"wrong app id", mint(`{"sub":"tess","claims":{"aid":"app_x"}}`), "wrong_app", `aid app_x is not the id of app "demo"`},
		{"session gone", mint(`{"sub":"tess","session":false,"claims":{"sid":"s_gone"}}`), "session_revoked", "session s_gone is not live"},
		{"no session", mint(`{"sub":"tess","session":false}`), "session_revoked", "the token carries no session id"},
		{"unknown client", mint(`{"sub":"nobody","type":"m2m"}`), "client_inactive", "M2M client nobody is unknown or inactive"},
		{"unknown type", mint(`{"sub":"tess","claims":{"type":"weird"}}`), "malformed", "type weird is neither end_user nor m2m"},
		{"unknown kid", foreign, "unknown_kid", "is not in the key set"},
		{"no app at all", orphan, "unknown_app", "no app matches the token's aid or aud, and no app publishes its kid"},
	}
	for _, c := range cases {
		rep := check(c.token)
		if rep.Verifies || rep.Reason != c.reason || rep.Detail == "" || !strings.Contains(rep.Detail, c.detail) {
			t.Errorf("%s: verifies=%v reason=%q detail=%q, want %q saying %q", c.name, rep.Verifies, rep.Reason, rep.Detail, c.reason, c.detail)
		}
	}
	if r := do(t, srv, "POST", "/__mock/clock", "", `{"advance":"2h"}`); r.status != 200 {
		t.Fatalf("advance: %d %s", r.status, r.body)
	}
	if rep := check(tokens.AccessToken); rep.Reason != "expired" || !strings.Contains(rep.Detail, "before the mock clock's") || rep.Session == nil {
		t.Errorf("after 2h: %+v", rep)
	}
}

// The search box's blanks are not part of the search, and no listing is
// longer than the page can show.
func TestUserSearchTrimsAndCaps(t *testing.T) {
	srv := newMock(t, true)
	for _, name := range []string{"ursula", "umberto", "vera"} {
		r := do(t, srv, "POST", "/demo/v1/auth/signup", heimdall.BootstrapAPIKey,
			`{"email":"`+name+`@example.com","password":"correct horse battery","username":"`+name+`"}`)
		if r.status != 200 {
			t.Fatalf("signup %s: %d %s", name, r.status, r.body)
		}
	}
	var list inspector.UserList
	do(t, srv, "GET", "/__mock/inspect/apps/demo/users?q=%20%20U%20", "", "").json(t, &list)
	if list.Total != 2 || len(list.Users) != 2 || list.Users[0].Username != "ursula" || list.Users[1].Username != "umberto" {
		t.Errorf("search ' U ': %+v", list)
	}
	do(t, srv, "GET", "/__mock/inspect/apps/demo/users?limit=1", "", "").json(t, &list)
	if list.Total != 3 || len(list.Users) != 1 {
		t.Errorf("limit 1: %+v", list)
	}
	do(t, srv, "GET", "/__mock/inspect/apps/demo/users?q=nobody", "", "").json(t, &list)
	if list.Total != 0 || list.Users == nil {
		t.Errorf("no match must list [] for the page: %+v", list)
	}
}

// The page's script reads these names; the views are typed apart from the
// domain's snapshots, so this pins what each endpoint's objects carry.
func TestInspectJSONKeepsTheNamesThePageReads(t *testing.T) {
	srv := newMock(t, true)
	signup := do(t, srv, "POST", "/demo/v1/auth/signup", heimdall.BootstrapAPIKey,
		`{"email":"kim@example.com","password":"correct horse battery","username":"kim"}`)
	var tokens struct {
		AccessToken string `json:"access_token"`
	}
	signup.json(t, &tokens)
	keysOf := func(v any) string {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("not an object: %v", v)
		}
		names := make([]string, 0, len(m))
		for k := range m {
			names = append(names, k)
		}
		slices.Sort(names)
		return strings.Join(names, " ")
	}
	want := func(what string, v any, names string) {
		t.Helper()
		sorted := strings.Fields(names)
		slices.Sort(sorted)
		if got := keysOf(v); got != strings.Join(sorted, " ") {
			t.Errorf("%s:\n got %s\nwant %s", what, got, names)
		}
	}
	session := "amr created_at expires_at id ip last_used_at mfa_at role rotated_refresh_tokens user_agent user_id"
	summary := "created_at display_name email email_verified id last_used_at live_sessions mfa_factors phone role status username"

	var apps []map[string]any
	do(t, srv, "GET", "/__mock/inspect/apps", "", "").json(t, &apps)
	want("app", apps[0], "auth_config created_at display_name id issuer live_sessions notification_settings providers roles signing_keys slug status users")
	want("provider", apps[0]["providers"].([]any)[0], "enabled provider")
	want("signing key", apps[0]["signing_keys"].([]any)[0], "created_at kid retired_at signing")

	var list map[string]any
	do(t, srv, "GET", "/__mock/inspect/apps/demo/users", "", "").json(t, &list)
	want("user list", list, "total users")
	want("user row", list["users"].([]any)[0], summary)

	var user map[string]any
	do(t, srv, "GET", "/__mock/inspect/apps/demo/users/kim", "", "").json(t, &user)
	want("user", user, "app_slug contacts factors failed_logins locked_until metadata permissions recovery_codes_left sessions "+summary)
	want("contact", user["contacts"].([]any)[0], "created_at id is_primary type value verified_at")
	want("user session", user["sessions"].([]any)[0], "access_token "+session+" token_request_id")

	var rep map[string]any
	body, _ := json.Marshal(map[string]string{"token": tokens.AccessToken})
	do(t, srv, "POST", "/__mock/inspect/token", "", string(body)).json(t, &rep)
	want("token report", rep, "app_slug claims detail expires_at header issued_at now reason session verifies")
	want("token session", rep["session"], session)
}
