package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/guard"
)

func request(s http.Handler, method, url, body string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func TestCrossSiteTextPlainPostCannotDriveTheControlPlane(t *testing.T) {
	s := newServer(t, nil)
	before := s.Clock.Now()
	// What a web page can send without a preflight: a "simple" POST.
	for _, h := range []map[string]string{
		{"Content-Type": "text/plain;charset=UTF-8", "Origin": "http://evil.example"},
		{"Content-Type": "text/plain"},
		{"Content-Type": "application/x-www-form-urlencoded"},
		{"Content-Type": "multipart/form-data; boundary=x"},
		{"Origin": "http://localhost:3000"}, // a no-cors fetch without a body
	} {
		rec := request(s, "POST", "http://localhost:4010/__mock/clock", `{"advance":"24h"}`, h)
		if rec.Code != http.StatusUnsupportedMediaType && rec.Code != http.StatusForbidden {
			t.Errorf("%v: status %d, want 415 or 403: %s", h, rec.Code, rec.Body)
		}
		if rec.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%v: CORS granted on the control plane", h)
		}
	}
	if s.Clock.Now().Sub(before) > time.Hour {
		t.Fatal("a refused request advanced the clock")
	}
	rec := request(s, "POST", "http://localhost:4010/__mock/clock", `{"advance":"1h"}`, map[string]string{"Content-Type": "application/json", "Origin": "http://localhost:4010"})
	if rec.Code != 200 {
		t.Fatalf("same-origin JSON POST (the inspector): %d %s", rec.Code, rec.Body)
	}
	if rec := request(s, "POST", "http://localhost:4010/__mock/reset", "", nil); rec.Code != 204 {
		t.Fatalf("curl -X POST .../reset: %d %s", rec.Code, rec.Body)
	}
}

func TestForeignHostIsRefusedOnTheControlPlaneOnly(t *testing.T) {
	s := newServer(t, func(c *Config) {
		c.Control = guard.Control{AllowHosts: []string{"heimdall"}, PublicURL: "https://auth.example.test"}
	})
	for host, want := range map[string]int{
		"rebind.attacker.example:4010": 421,
		"localhost:4010":               200,
		"127.0.0.1:4010":               200,
		"[::1]:4010":                   200,
		"10.0.0.7:4010":                200, // an address: no rebinding page sends one
		"heimdall:4010":                200, // --allow-host, a container's service name
		"auth.example.test":            200, // --public-url
		"app.localhost:4010":           200,
	} {
		rec := request(s, "GET", "http://"+host+"/__mock/health", "", nil)
		if rec.Code != want {
			t.Errorf("Host %s: %d, want %d: %s", host, rec.Code, want, rec.Body)
		}
	}
	rec := request(s, "GET", "http://rebind.attacker.example:4010/demo/v1/.well-known/jwks.json", "", nil)
	if rec.Code != 200 {
		t.Errorf("the API answers any Host (it mocks a public service): %d", rec.Code)
	}
}

func TestControlTokenGuardsControlPlaneAndInspector(t *testing.T) {
	s := newServer(t, func(c *Config) { c.Control = guard.Control{Token: "s3cret", Open: []string{"/__mock/ready"}} })
	for _, path := range []string{"/__mock/health", "/__mock/state", "/__mock/ui", "/__mock/requests"} {
		rec := request(s, "GET", "http://localhost"+path, "", nil)
		if rec.Code != 401 || !strings.Contains(rec.Body.String(), "control_token_required") {
			t.Errorf("%s without token: %d %s", path, rec.Code, rec.Body)
		}
		if rec := request(s, "GET", "http://localhost"+path, "", map[string]string{"Authorization": "Bearer wrong"}); rec.Code != 401 {
			t.Errorf("%s with a wrong token: %d", path, rec.Code)
		}
		if rec := request(s, "GET", "http://localhost"+path, "", map[string]string{"Authorization": "Bearer s3cret"}); rec.Code != 200 {
			t.Errorf("%s with the token: %d %s", path, rec.Code, rec.Body)
		}
	}
	// The inspector page takes the token once and keeps it in a cookie.
	rec := request(s, "GET", "http://localhost/__mock/ui?control_token=s3cret", "", nil)
	cookie := rec.Header().Get("Set-Cookie")
	if rec.Code != 200 || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Fatalf("page with ?control_token: %d, cookie %q", rec.Code, cookie)
	}
	if rec := request(s, "GET", "http://localhost/__mock/requests", "", map[string]string{"Cookie": strings.Split(cookie, ";")[0]}); rec.Code != 200 {
		t.Errorf("inspector fetch with the cookie: %d", rec.Code)
	}
	if rec := request(s, "GET", "http://localhost/demo/v1/.well-known/jwks.json", "", nil); rec.Code != 200 {
		t.Errorf("the API needs no control token: %d", rec.Code)
	}
}

func TestCORSOnTheAPIAnswersTheSDKsPreflight(t *testing.T) {
	s := newServer(t, func(c *Config) { c.CORS = &guard.CORS{} })
	pre := request(s, "OPTIONS", "http://localhost:4010/demo/v1/auth/signin", "", map[string]string{
		"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "authorization,content-type",
	})
	h := pre.Header()
	if pre.Code != 204 || h.Get("Access-Control-Allow-Origin") != "http://localhost:3000" ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "authorization") ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "content-type") ||
		!strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") {
		t.Fatalf("preflight: %d %v", pre.Code, h)
	}
	rec := request(s, "GET", "http://localhost:4010/demo/v1/.well-known/jwks.json", "", map[string]string{"Origin": "http://localhost:3000"})
	if rec.Header().Get("Access-Control-Allow-Origin") != "http://localhost:3000" {
		t.Errorf("simple GET: no grant: %v", rec.Header())
	}
	for _, m := range []string{"OPTIONS", "GET"} {
		rec := request(s, m, "http://localhost:4010/__mock/health", "", map[string]string{"Origin": "http://localhost:3000", "Access-Control-Request-Method": "POST"})
		if rec.Header().Get("Access-Control-Allow-Origin") != "" || rec.Code != 403 {
			t.Errorf("%s /__mock from a foreign origin: %d %v", m, rec.Code, rec.Header())
		}
	}
}

func TestCORSOriginsCanBeListedOrTurnedOff(t *testing.T) {
	listed := newServer(t, func(c *Config) { c.CORS = &guard.CORS{Origins: []string{"http://localhost:3000"}} })
	for origin, granted := range map[string]bool{"http://localhost:3000": true, "http://localhost:5173": false} {
		rec := request(listed, "OPTIONS", "http://localhost/demo/v1/auth/signin", "", map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST"})
		if got := rec.Header().Get("Access-Control-Allow-Origin") != ""; got != granted {
			t.Errorf("%s: granted %v, want %v", origin, got, granted)
		}
	}
	off := newServer(t, nil) // what --cors=false builds
	rec := request(off, "GET", "http://localhost/demo/v1/.well-known/jwks.json", "", map[string]string{"Origin": "http://localhost:3000"})
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS off still grants: %v", rec.Header())
	}
}

func TestJournalHoldsNoSecretsFromRealTraffic(t *testing.T) {
	s := newServer(t, nil)
	key := s.Bootstrap("")["api_key"].(string)
	auth := map[string]string{"Authorization": "Bearer " + key}
	const pw = "correct-horse-battery-staple"
	serve(s, "POST", "/demo/v1/auth/signup", `{"email":"erin@example.com","password":"`+pw+`","username":"erin"}`, auth)
	signin := serve(s, "POST", "/demo/v1/auth/signin", `{"identifier":"erin","password":"`+pw+`"}`, auth)
	if signin.Code != 200 {
		t.Fatalf("signin: %d %s", signin.Code, signin.Body)
	}
	var tok struct {
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	_ = json.Unmarshal(signin.Body.Bytes(), &tok)
	// Over 16 KiB, malformed, and a form: each still carries the password.
	serve(s, "POST", "/demo/v1/auth/signin", `{"identifier":"erin","pad":"`+strings.Repeat("x", 20<<10)+`","password":"`+pw+`"}`, auth)
	serve(s, "POST", "/demo/v1/auth/signin", `{"identifier":"erin","password":"`+pw+`",`, auth)
	serve(s, "POST", "/demo/v1/auth/signin", "identifier=erin&password="+pw, map[string]string{"Authorization": "Bearer " + key, "Content-Type": "application/x-www-form-urlencoded"})
	dump, _ := json.Marshal(s.Journal.List(0))
	sig := tok.AccessToken[strings.LastIndex(tok.AccessToken, ".")+1:]
	for name, secret := range map[string]string{"password": pw, "refresh token": tok.RefreshToken, "access token signature": sig, "api key": key} {
		if secret == "" || strings.Contains(string(dump), secret) {
			t.Errorf("the journal holds the %s (%q) in clear", name, secret)
		}
	}
}

func TestTokensMintedUnderAnyOfTheMocksNamesAreItsOwn(t *testing.T) {
	s := newServer(t, nil)
	ts := httptest.NewServer(s)
	defer ts.Close()
	port := ts.URL[strings.LastIndex(ts.URL, ":")+1:]
	call := func(method, base, path, body, bearer string) (int, map[string]any) {
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+bearer)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	key := s.Bootstrap("")["api_key"].(string)
	viaLocalhost := "http://localhost:" + port
	call("POST", viaLocalhost, "/demo/v1/auth/signup", `{"email":"ivy@example.com","password":"correct horse battery","username":"ivy"}`, key)
	status, tok := call("POST", viaLocalhost, "/demo/v1/auth/signin", `{"identifier":"ivy","password":"correct horse battery"}`, key)
	if status != 200 {
		t.Fatalf("signin: %d %v", status, tok)
	}
	access := tok["access_token"].(string)
	for _, base := range []string{"http://127.0.0.1:" + port, viaLocalhost} {
		if status, body := call("GET", base, "/demo/v1/me", "", access); status != 200 {
			t.Errorf("token minted via localhost, used via %s: %d %v", base, status, body)
		}
	}
}

func TestPoisonedImportIsRefusedNamingPathAndRule(t *testing.T) {
	s := newServer(t, nil)
	key := s.Bootstrap("")["api_key"].(string)
	serve(s, "POST", "/demo/v1/auth/signup", `{"email":"erin@example.com","password":"correct horse battery","username":"erin"}`, map[string]string{"Authorization": "Bearer " + key})
	serve(s, "POST", "/demo/v1/auth/signup", `{"email":"frank@example.com","password":"correct horse battery","username":"frank"}`, map[string]string{"Authorization": "Bearer " + key})
	good := serve(s, "GET", "/__mock/state", "", nil).Body.Bytes()
	domainOf := func(raw []byte) map[string]any {
		var snap map[string]any
		if err := json.Unmarshal(raw, &snap); err != nil {
			t.Fatal(err)
		}
		return snap
	}
	poisonDomain := func(mutate func(dom map[string]any)) string {
		snap := domainOf(good)
		mutate(snap["domain"].(map[string]any))
		out, _ := json.Marshal(snap)
		return string(out)
	}
	poison := func(mutate func(app map[string]any)) string {
		return poisonDomain(func(dom map[string]any) { mutate(dom["apps"].([]any)[0].(map[string]any)) })
	}
	user := func(app map[string]any, i int) map[string]any { return app["users"].([]any)[i].(map[string]any) }
	for want, body := range map[string]string{
		`state.domain: import: apps[0].users[0].status: \"weird\" must be one of the following values: active, suspended, deactivated`: poison(func(app map[string]any) {
			app["users"].([]any)[0].(map[string]any)["status"] = "weird"
		}),
		`apps[0].auth_config: session_duration_minutes must not be less than 1`: poison(func(app map[string]any) {
			app["auth_config"].(map[string]any)["session_duration_minutes"] = 0
		}),
		`apps[0].status: \"gone\" must be one of`: poison(func(app map[string]any) { app["status"] = "gone" }),
		// References between records.
		`apps[0].roles[0].permissions[0]: unknown permission \"ghost.haunt\"`: poison(func(app map[string]any) {
			role := app["roles"].([]any)[0].(map[string]any)
			role["permissions"] = append([]any{"ghost.haunt"}, role["permissions"].([]any)...)
		}),
		`apps[0].sessions[0].user_id: unknown user \"00000000-0000-0000-0000-00000000dead\"`: poison(func(app map[string]any) {
			app["sessions"].([]any)[0].(map[string]any)["user_id"] = "00000000-0000-0000-0000-00000000dead"
		}),
		// Emails are unique as sign-in compares them: NFC, case-folded.
		`apps[0].users[1].contacts[0].value: \"ERIN@EXAMPLE.COM\" is already a contact`: poison(func(app map[string]any) {
			user(app, 1)["contacts"].([]any)[0].(map[string]any)["value"] = "ERIN@EXAMPLE.COM"
		}),
		`apps[0].users[0].contacts[0].value: \"erin\" must be an email address`: poison(func(app map[string]any) {
			user(app, 0)["contacts"].([]any)[0].(map[string]any)["value"] = "erin"
		}),
		// Timestamps.
		`apps[0].users[0].updated_at: 2000-01-01T00:00:00Z is before created_at`: poison(func(app map[string]any) {
			user(app, 0)["updated_at"] = "2000-01-01T00:00:00Z"
		}),
		`apps[0].sessions[0].expires_at: 2000-01-01T00:00:00Z must be after created_at`: poison(func(app map[string]any) {
			app["sessions"].([]any)[0].(map[string]any)["expires_at"] = "2000-01-01T00:00:00Z"
		}),
		// Key permissions format.
		`api_keys[0].permissions[0]: \"user read\" must be \"*\" or resource.action`: poisonDomain(func(dom map[string]any) {
			dom["api_keys"].([]any)[0].(map[string]any)["permissions"] = []any{"user read"}
		}),
	} {
		rec := serve(s, "PUT", "/__mock/state", body, nil)
		if rec.Code != 400 || !strings.Contains(rec.Body.String(), want) {
			t.Errorf("poisoned import: %d %s, want 400 naming %s", rec.Code, rec.Body, want)
		}
	}
	// Nothing of a refused import was applied.
	after := domainOf(serve(s, "GET", "/__mock/state", "", nil).Body.Bytes())
	if before := domainOf(good); !reflect.DeepEqual(after["domain"], before["domain"]) {
		t.Error("the state changed after refused imports")
	}
	if rec := serve(s, "GET", "/v1/apps/"+s.Bootstrap("")["app_id"].(string)+"/end-users", "", map[string]string{"Authorization": "Bearer " + key}); rec.Code != 200 {
		t.Errorf("list after refused imports: %d %s", rec.Code, rec.Body)
	}
}
