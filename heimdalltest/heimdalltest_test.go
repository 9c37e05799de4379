package heimdalltest_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/heimdalltest"
)

func post(t *testing.T, srv *heimdalltest.Server, path, bearer string, body any) (int, map[string]any) {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestSignUpSignInAndExpiryByTheMockClock(t *testing.T) {
	srv := heimdalltest.NewServer(t)
	if srv.Bootstrap.AppSlug != "demo" || !strings.HasPrefix(srv.Bootstrap.APIKey, "pcft_test_") {
		t.Fatalf("bootstrap = %+v", srv.Bootstrap)
	}
	up := srv.SignUp(t, "alice@example.com", "correct horse battery")
	if up.AccessToken == "" || up.RefreshToken == "" {
		t.Fatalf("sign-up tokens = %+v", up)
	}
	in := srv.SignIn(t, "alice", "correct horse battery")

	status, body := post(t, srv, "/demo/v1/verify", in.AccessToken, map[string]any{})
	if status != 200 || body["valid"] != true {
		t.Fatalf("verify a fresh token: %d %v", status, body)
	}
	srv.Advance(time.Duration(in.ExpiresIn+1) * time.Second)
	status, body = post(t, srv, "/demo/v1/verify", in.AccessToken, map[string]any{})
	if status != 200 || body["valid"] != false {
		t.Fatalf("verify after the clock passed exp: %d %v", status, body)
	}
	if errs := srv.Requests(t, 10); len(errs) == 0 || len(errs[0].ResponseErrors) != 0 {
		t.Errorf("journal = %+v", errs)
	}
}

func TestForgotPasswordThroughTheOutbox(t *testing.T) {
	srv := heimdalltest.NewServer(t)
	key := srv.Bootstrap.APIKey
	srv.SignUp(t, "bob@example.com", "correct horse battery")

	// Reset codes go to verified addresses only, so verify first.
	if status, body := post(t, srv, "/demo/v1/auth/send-verification-email", key, map[string]any{"email": "bob@example.com"}); status != 201 {
		t.Fatalf("send verification: %d %v", status, body)
	}
	// Sign-up already mailed a code; the newest one (first) is the live one.
	verification := srv.Outbox(t, "bob@example.com", "verification")
	if len(verification) != 2 || verification[0].Code == "" {
		t.Fatalf("verification mail = %+v", verification)
	}
	if status, body := post(t, srv, "/demo/v1/auth/verify", key, map[string]any{"code": verification[0].Code}); status != 200 {
		t.Fatalf("verify: %d %v", status, body)
	}

	if status, body := post(t, srv, "/demo/v1/auth/send-password-reset-email", key, map[string]any{"email": "bob@example.com"}); status != 201 || body["expires_at"] == nil {
		t.Fatalf("send reset: %d %v", status, body)
	}
	reset := srv.Outbox(t, "bob@example.com", "password_reset")
	if len(reset) != 1 || reset[0].Code == "" {
		t.Fatalf("reset mail = %+v", reset)
	}
	if status, body := post(t, srv, "/demo/v1/auth/reset-password", key, map[string]any{"code": reset[0].Code, "new_password": "a brand new passphrase"}); status != 204 {
		t.Fatalf("reset: %d %v", status, body)
	}
	srv.SignIn(t, "bob@example.com", "a brand new passphrase")
	if status, _ := post(t, srv, "/demo/v1/auth/reset-password", key, map[string]any{"code": reset[0].Code, "new_password": "another one entirely"}); status != 410 {
		t.Fatalf("reusing the reset code: %d, want 410", status)
	}
}

func TestFaultsAndReset(t *testing.T) {
	srv := heimdalltest.NewServer(t)
	srv.AddFault(t, heimdalltest.Fault{Method: "POST", Path: "/{app_slug}/v1/auth/signin", Status: 503, Times: 1})
	status, _ := post(t, srv, "/demo/v1/auth/signin", srv.Bootstrap.APIKey, map[string]any{"identifier": "x", "password": "y"})
	if status != 503 {
		t.Fatalf("faulted sign-in: %d, want 503", status)
	}
	status, _ = post(t, srv, "/demo/v1/auth/signin", srv.Bootstrap.APIKey, map[string]any{"identifier": "x", "password": "y"})
	if status != 401 {
		t.Fatalf("sign-in after the one-shot fault: %d, want 401", status)
	}
	srv.SignUp(t, "carol@example.com", "correct horse battery")
	srv.Reset(t)
	status, _ = post(t, srv, "/demo/v1/auth/signin", srv.Bootstrap.APIKey, map[string]any{"identifier": "carol", "password": "correct horse battery"})
	if status != 401 {
		t.Fatalf("sign-in after reset: %d, want 401 (the user is gone)", status)
	}
}

func TestRequestsSayWhetherAFaultOrPreferAnswered(t *testing.T) {
	srv := heimdalltest.NewServer(t)
	id := srv.AddFault(t, heimdalltest.Fault{Method: "POST", Path: "/{app_slug}/v1/auth/signin", Status: 503, Times: 1})
	signin := map[string]any{"identifier": "x", "password": "y"}
	post(t, srv, "/demo/v1/auth/signin", srv.Bootstrap.APIKey, signin)
	post(t, srv, "/demo/v1/auth/signin", srv.Bootstrap.APIKey, signin)
	req, _ := http.NewRequest("GET", srv.URL+"/demo/v1/.well-known/jwks.json", nil)
	req.Header.Set("Prefer", "code=200")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	reqs := srv.Requests(t, 3) // newest first
	if len(reqs) != 3 {
		t.Fatalf("journal has %d requests, want 3", len(reqs))
	}
	if r := reqs[2]; r.Status != 503 || r.AnsweredBy != "fault" || r.FaultID != id {
		t.Errorf("faulted sign-in: %+v, want answered_by fault and fault_id %s", r, id)
	}
	if r := reqs[1]; r.Status != 401 || r.AnsweredBy != "" || r.FaultID != "" {
		t.Errorf("sign-in after the one-shot fault: %+v, want the domain's own answer", r)
	}
	if r := reqs[0]; r.AnsweredBy != "prefer" || r.FaultID != "" {
		t.Errorf("JWKS with Prefer: %+v, want answered_by prefer", r)
	}
}

func TestWithoutDomainServesAnySpec(t *testing.T) {
	spec := []byte(`openapi: 3.0.3
info: {title: pets, version: "1"}
paths:
  /pets/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        "200":
          description: a pet
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties: {id: {type: integer}, name: {type: string}}
`)
	srv := heimdalltest.NewServer(t, heimdalltest.WithSpec(spec), heimdalltest.WithoutDomain())
	resp, err := srv.Client().Get(srv.URL + "/pets/7")
	if err != nil {
		t.Fatal(err)
	}
	var pet map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&pet)
	resp.Body.Close()
	if resp.StatusCode != 200 || pet["name"] == nil {
		t.Fatalf("GET /pets/7 = %d %v", resp.StatusCode, pet)
	}
	resp, err = srv.Client().Get(srv.URL + "/pets/seven")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("GET /pets/seven = %d, want 400", resp.StatusCode)
	}
}

func TestFixturesSurviveResetAndMintedTokensFollowTheClock(t *testing.T) {
	fixtures := []byte(`apps:
  - slug: demo
    users:
      - {email: dora@example.com, username: dora, password: correct horse battery}
`)
	srv := heimdalltest.NewServer(t, heimdalltest.WithFixtures(fixtures))
	srv.SignIn(t, "dora", "correct horse battery")
	srv.AddFault(t, heimdalltest.Fault{OperationID: "ConsumerAuthController_signin", Status: 503})
	srv.ClearFaults(t)
	srv.Reset(t)
	srv.SignIn(t, "dora", "correct horse battery") // the fixture user is back; no fault left

	at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	if got := srv.SetTime(at); got.Sub(at) > time.Second || got.Before(at) {
		t.Fatalf("SetTime = %v, want about %v", got, at)
	}
	token := srv.MintToken(t, map[string]any{"app_slug": "demo", "sub": "user-1", "type": "end_user", "ttl": "1h", "session": false})
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("minted token %q is no JWT", token)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct{ Iat, Exp int64 }
	if err := json.Unmarshal(payload, &claims); err != nil {
		t.Fatal(err)
	}
	if claims.Iat < at.Unix() || claims.Iat > at.Unix()+5 || claims.Exp != claims.Iat+3600 {
		t.Errorf("iat %d exp %d, want iat at the mock clock (%d) and exp an hour later", claims.Iat, claims.Exp, at.Unix())
	}
}

func TestSpecFileSeedAndLenientResponses(t *testing.T) {
	// The example breaks its schema, and only a named example is served
	// as written: strict answers 500, lenient passes it on and journals it.
	spec := []byte(`openapi: 3.0.3
info: {title: things, version: "1"}
paths:
  /things:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, required: [n], properties: {n: {type: integer}, word: {type: string}}}
              examples:
                bad: {value: {n: many}}
  /words:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, required: [word], properties: {word: {type: string}}}
`)
	path := filepath.Join(t.TempDir(), "things.yaml")
	if err := os.WriteFile(path, spec, 0o644); err != nil {
		t.Fatal(err)
	}
	get := func(srv *heimdalltest.Server, p, prefer string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+p, nil)
		if prefer != "" {
			req.Header.Set("Prefer", prefer)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	strict := heimdalltest.NewServer(t, heimdalltest.WithSpecFile(path), heimdalltest.WithoutDomain(), heimdalltest.WithSeed(3))
	if code, _ := get(strict, "/things", "example=bad"); code != 500 {
		t.Errorf("strict: %d, want 500 for an answer that breaks the spec", code)
	}
	lenient := heimdalltest.NewServer(t, heimdalltest.WithSpecFile(path), heimdalltest.WithoutDomain(), heimdalltest.WithSeed(3), heimdalltest.WithLenientResponses())
	if code, body := get(lenient, "/things", "example=bad"); code != 200 || !strings.Contains(body, "many") {
		t.Errorf("lenient: %d %s, want the example as written", code, body)
	}
	if reqs := lenient.Requests(t, 1); len(reqs) != 1 || len(reqs[0].ResponseErrors) == 0 {
		t.Errorf("the violation should be journaled: %+v", reqs)
	}
	_, a := get(strict, "/words", "")
	_, b := get(lenient, "/words", "")
	other := heimdalltest.NewServer(t, heimdalltest.WithSpecFile(path), heimdalltest.WithoutDomain(), heimdalltest.WithSeed(4))
	_, c := get(other, "/words", "")
	if a != b || a == c {
		t.Errorf("seed 3 twice gave %s and %s; seed 4 gave %s: want the same, then different", a, b, c)
	}
}

// Servers on one spec share what was compiled from it, never their state:
// users, clock, faults and journal stay each server's own.
func TestServersOnOneSpecAreIsolated(t *testing.T) {
	a := heimdalltest.NewServer(t)
	b := heimdalltest.NewServer(t)
	a.SignUp(t, "alice@example.com", "correct horse battery")
	a.AddFault(t, heimdalltest.Fault{Method: "GET", Path: "/{app_slug}/v1/me", Status: 503})
	a.Advance(time.Hour)

	if code, _ := post(t, b, "/"+b.Bootstrap.AppSlug+"/v1/auth/signin", b.Bootstrap.APIKey,
		map[string]any{"identifier": "alice@example.com", "password": "correct horse battery"}); code != http.StatusUnauthorized {
		t.Errorf("sign-in on the other server: %d, want 401 (alice exists only on the first)", code)
	}
	tokens := b.SignUp(t, "alice@example.com", "correct horse battery")
	req, _ := http.NewRequest(http.MethodGet, b.URL+"/"+b.Bootstrap.AppSlug+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+tokens.AccessToken)
	resp, err := b.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/me on the other server: %d, want 200 (the fault was injected on the first)", resp.StatusCode)
	}
	if d := a.Now().Sub(b.Now()); d < 59*time.Minute {
		t.Errorf("clocks differ by %v, want an hour: the first one was advanced", d)
	}
	if n := len(b.Requests(t, 100)); n != 3 {
		t.Errorf("the second server journaled %d requests, want its own 3", n)
	}
}

// BenchmarkNewServer is what a test that starts its own mock pays once the
// process has served the spec before: a fresh domain, clock, journal and
// listener on the shared compiled spec.
func BenchmarkNewServer(b *testing.B) {
	heimdalltest.NewServer(b).Close()
	for b.Loop() {
		heimdalltest.NewServer(b).Close()
	}
}

func TestOutboxLinksOpenAPageThatAppliesTheCode(t *testing.T) {
	srv := heimdalltest.NewServer(t)
	srv.SignUp(t, "lin@example.com", "correct horse battery")
	slug := srv.Bootstrap.AppSlug
	if code, body := post(t, srv, "/"+slug+"/v1/auth/send-verification-email", srv.Bootstrap.APIKey, map[string]string{"email": "lin@example.com"}); code/100 != 2 {
		t.Fatalf("send verification: %d %v", code, body)
	}
	mail := srv.Outbox(t, "lin@example.com", "verification")[0]
	want := srv.URL + "/__mock/links/" + slug + "/verify?code=" + mail.Code
	if mail.Link != want {
		t.Fatalf("link = %s, want %s", mail.Link, want)
	}
	resp, err := srv.Client().Get(mail.Link)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("link page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, part := range []string{"Verify an email address", mail.Code, "/" + slug + "/v1/auth/verify", "<button"} {
		if !strings.Contains(string(page), part) {
			t.Errorf("the page lacks %q", part)
		}
	}
	// What the page's button sends.
	if code, body := post(t, srv, "/"+slug+"/v1/auth/verify", "", map[string]string{"code": mail.Code}); code != 200 {
		t.Fatalf("applying the code as the page does: %d %v", code, body)
	}
	srv.SignIn(t, "lin@example.com", "correct horse battery") // verified: the address signs in

	for _, bad := range []string{"/__mock/links/" + slug + "/unknown?code=1", "/__mock/links/" + slug + "/verify"} {
		resp, err := srv.Client().Get(srv.URL + bad)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("GET %s = %d, want 404", bad, resp.StatusCode)
		}
	}
}
