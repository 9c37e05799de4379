package heimdall

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/idp"
)

// mintIDToken asks the fake provider for an ID token through the control plane.
func (h *harness) mintIDToken(provider string, req map[string]any) string {
	h.t.Helper()
	r := h.must(200, "POST", "/__mock/idp/"+provider+"/id-token", "", req)
	tok := r.str("id_token")
	if tok == "" {
		h.t.Fatalf("no id_token: %s", r.raw)
	}
	return tok
}

// nonce returns a distinct raw nonce of the length clients use.
func testNonce(tag string) string { return (tag + strings.Repeat("n", 43))[:43] }

// verifiedUser signs name up and verifies its email, so its address is a
// verified primary email a federated sign-in can collide with.
func (h *harness) verifiedUser(name string) {
	h.t.Helper()
	h.signup(name)
	code := h.outboxCode(name+"@example.com", "verification")
	h.must(200, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": code})
}

func (h *harness) setAuthConfig(fields map[string]any) {
	h.t.Helper()
	h.must(200, "PATCH", "/v1/apps/"+BootstrapAppID+"/auth-config", h.apiKey, fields)
}

func TestFederatedNativeFirstAndRepeatSignIn(t *testing.T) {
	h := newHarness(t)
	n1 := testNonce("first")
	tok := h.mintIDToken("apple", map[string]any{"sub": "000123.abc.0420", "email": "ann@example.com", "nonce": n1})
	first := h.must(200, "POST", "/demo/v1/auth/oauth/apple", "", map[string]any{
		"id_token": tok, "nonce": n1, "user": map[string]any{"name": "Ann Apple", "email": "ann@example.com"},
	})
	claims := claimsOf(t, first.str("access_token"))
	if !reflect.DeepEqual(claims["amr"], []any{"oauth", "apple"}) {
		t.Fatalf("amr = %v", claims["amr"])
	}
	me := h.must(200, "GET", "/demo/v1/me", first.str("access_token"), nil)
	if me.str("display_name") != "Ann Apple" || me.str("email") != "ann@example.com" || me.body["email_verified_at"] == nil {
		t.Fatalf("first sign-in profile = %s", me.raw)
	}

	// Later sign-ins: no user hint, another name offered by nobody; the
	// same account and the first name stay.
	n2 := testNonce("second")
	tok2 := h.mintIDToken("apple", map[string]any{"sub": "000123.abc.0420", "email": "ann@example.com", "nonce": n2})
	again := h.must(200, "POST", "/demo/v1/auth/oauth/apple", "", map[string]any{"id_token": tok2, "nonce": n2})
	if sub := claimsOf(t, again.str("access_token"))["sub"]; sub != claims["sub"] {
		t.Fatalf("repeat sign-in sub %v, first %v", sub, claims["sub"])
	}
	me2 := h.must(200, "GET", "/demo/v1/me", again.str("access_token"), nil)
	if me2.str("display_name") != "Ann Apple" {
		t.Fatalf("display name after repeat = %s", me2.raw)
	}

	// Google: the name claim becomes the display name; an unverified email
	// stays unverified.
	n3 := testNonce("google")
	gtok := h.mintIDToken("google", map[string]any{"email": "gus@example.com", "name": "Gus Google", "email_verified": false, "nonce": n3})
	g := h.must(200, "POST", "/demo/v1/auth/oauth/google", "", map[string]any{"id_token": gtok, "nonce": n3})
	gme := h.must(200, "GET", "/demo/v1/me", g.str("access_token"), nil)
	if gme.str("display_name") != "Gus Google" || gme.body["email_verified_at"] != nil {
		t.Fatalf("google profile = %s", gme.raw)
	}
	if amr := claimsOf(t, g.str("access_token"))["amr"]; !reflect.DeepEqual(amr, []any{"oauth", "google"}) {
		t.Fatalf("google amr = %v", amr)
	}
}

func TestFederatedNativeRefusals(t *testing.T) {
	h := newHarness(t)
	signin := func(provider, tok, nonce string) resp {
		return h.call("POST", "/demo/v1/auth/oauth/"+provider, "", map[string]any{"id_token": tok, "nonce": nonce})
	}
	expect := func(name string, r resp, status int, code string) {
		t.Helper()
		if r.status != status || r.str("code") != code {
			t.Errorf("%s: %d %s, want %d code %s", name, r.status, r.raw, status, code)
		}
		if msg, _ := r.body["message"].(string); status == 401 && !strings.Contains(msg, code) {
			t.Errorf("%s: message %q does not name %s", name, msg, code)
		}
	}
	base := map[string]any{"sub": "000123.ref.0420", "email": "ref@example.com"}
	with := func(extra map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range base {
			out[k] = v
		}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}

	n := testNonce("mismatch")
	tok := h.mintIDToken("apple", with(map[string]any{"nonce": n}))
	expect("wrong nonce", signin("apple", tok, testNonce("other")), 401, "nonce_mismatch")

	n = testNonce("replay")
	tok = h.mintIDToken("apple", with(map[string]any{"nonce": n}))
	expect("first use", signin("apple", tok, n), 200, "")
	expect("replayed nonce", signin("apple", tok, n), 401, "nonce_replayed")
	tok = h.mintIDToken("apple", with(map[string]any{"nonce": n})) // a fresh token cannot reuse it either
	expect("replayed nonce, new token", signin("apple", tok, n), 401, "nonce_replayed")

	n = testNonce("wrongkey")
	tok = h.mintIDToken("apple", with(map[string]any{"nonce": n, "signing": "wrong-key"}))
	expect("wrong key", signin("apple", tok, n), 401, "invalid_signature")

	n = testNonce("expired")
	tok = h.mintIDToken("apple", with(map[string]any{"nonce": n, "expires_in": -10}))
	expect("expired", signin("apple", tok, n), 401, "expired")

	// Expiry follows the mock clock, not the wall clock.
	n = testNonce("clock")
	tok = h.mintIDToken("apple", with(map[string]any{"nonce": n, "expires_in": 60}))
	h.clk.Advance(2 * time.Minute)
	expect("expired by the mock clock", signin("apple", tok, n), 401, "expired")

	n = testNonce("aud")
	tok = h.mintIDToken("apple", with(map[string]any{"nonce": n, "aud": "com.example.other"}))
	expect("wrong audience", signin("apple", tok, n), 401, "wrong_audience")

	n = testNonce("issuer")
	tok = h.mintIDToken("google", map[string]any{"email": "ref@example.com", "nonce": idp.HashNonce(n)})
	expect("google token on the apple route", signin("apple", tok, n), 401, "wrong_issuer")

	forged := tok[:strings.LastIndexByte(tok, '.')+1] + strings.Repeat("A", 342)
	expect("forged signature", signin("google", forged, n), 401, "invalid_signature")

	expect("github is web only", signin("github", tok, n), 400, "web_only_provider")

	h.must(200, "PATCH", "/v1/apps/"+BootstrapAppID+"/auth-config/providers/google", h.apiKey, map[string]any{"enabled": false})
	n = testNonce("disabled")
	tok = h.mintIDToken("google", map[string]any{"email": "dis@example.com", "nonce": n, "aud": BootstrapGoogleClientID})
	expect("disabled provider", signin("google", tok, n), 400, "provider_disabled")
}

func TestFederatedLinkPolicies(t *testing.T) {
	h := newHarness(t)
	h.verifiedUser("lena")
	h.signup("uma") // uma@example.com stays unverified
	email := "lena@example.com"
	try := func(tag, provider string, req map[string]any) resp {
		n := testNonce(tag)
		req["nonce"] = n
		return h.call("POST", "/demo/v1/auth/oauth/"+provider, "", map[string]any{"id_token": h.mintIDToken(provider, req), "nonce": n})
	}

	// Default policy: confirm.
	r := try("confirm", "google", map[string]any{"email": email})
	if r.status != 409 || r.str("code") != "link_required" {
		t.Fatalf("confirm: %d %s", r.status, r.raw)
	}
	h.setAuthConfig(map[string]any{"oauth_link_policy": "reject"})
	r = try("reject", "google", map[string]any{"email": email})
	if r.status != 409 || r.str("code") != "account_exists_with_different_provider" {
		t.Fatalf("reject: %d %s", r.status, r.raw)
	}

	h.setAuthConfig(map[string]any{"oauth_link_policy": "auto"})
	// auto, but the provider does not vouch for the email: behaves as confirm.
	r = try("auto-unverified", "google", map[string]any{"email": email, "email_verified": false})
	if r.status != 409 || r.str("code") != "link_required" {
		t.Fatalf("auto with unverified email: %d %s", r.status, r.raw)
	}
	// auto with a private-relay flag: never links.
	r = try("auto-relay", "apple", map[string]any{"email": email, "is_private_email": true})
	if r.status != 409 || r.str("code") != "link_required" {
		t.Fatalf("auto with a private relay: %d %s", r.status, r.raw)
	}
	r = try("auto", "google", map[string]any{"email": email})
	if r.status != 200 {
		t.Fatalf("auto: %d %s", r.status, r.raw)
	}
	me := h.must(200, "GET", "/demo/v1/me", r.str("access_token"), nil)
	if me.str("username") != "lena" {
		t.Fatalf("auto linked to %s", me.raw)
	}

	// A relay address of its own is simply a new account, kept as is.
	relay := "x7q2@" + idp.PrivateRelayDomain
	r = try("relay-new", "apple", map[string]any{"email": relay})
	if r.status != 200 {
		t.Fatalf("relay sign-up: %d %s", r.status, r.raw)
	}
	if got := h.must(200, "GET", "/demo/v1/me", r.str("access_token"), nil).str("email"); got != relay {
		t.Fatalf("relay email stored as %q", got)
	}

	// An unverified holder of the address proves nothing: a separate
	// account is made, without the address.
	r = try("unverified-holder", "google", map[string]any{"email": "uma@example.com"})
	if r.status != 200 {
		t.Fatalf("unverified holder: %d %s", r.status, r.raw)
	}
	if me := h.must(200, "GET", "/demo/v1/me", r.str("access_token"), nil); me.str("username") == "uma" || me.body["email"] != nil {
		t.Fatalf("unverified holder profile = %s", me.raw)
	}
}

// noFollow sends a form (nil: no body) and shows redirects instead of
// following them.
func (h *harness) noFollow(method, target string, form url.Values) *http.Response {
	h.t.Helper()
	if form == nil {
		return h.noFollowBody(method, target, "", nil)
	}
	return h.noFollowBody(method, target, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

func (h *harness) noFollowBody(method, target, contentType string, body io.Reader) *http.Response {
	h.t.Helper()
	if !strings.HasPrefix(target, "http") {
		target = h.srv.URL + target
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		h.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	c := *h.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { res.Body.Close() })
	return res
}

// webSignIn runs authorize → sign-in page → form → callback and returns the
// callback's response (not followed).
func (h *harness) webSignIn(provider, returnTo string, form url.Values) *http.Response {
	h.t.Helper()
	auth := h.noFollow("GET", "/demo/v1/auth/oauth/"+provider+"/authorize?return_to="+url.QueryEscape(returnTo), nil)
	if auth.StatusCode != 302 {
		b, _ := io.ReadAll(auth.Body)
		h.t.Fatalf("authorize: %d %s", auth.StatusCode, b)
	}
	page := h.noFollow("GET", auth.Header.Get("Location"), nil)
	html, _ := io.ReadAll(page.Body)
	if page.StatusCode != 200 || !strings.Contains(string(html), `<label for="email">`) {
		h.t.Fatalf("sign-in page: %d %s", page.StatusCode, html)
	}
	loc, _ := url.Parse(auth.Header.Get("Location"))
	for _, k := range []string{"client_id", "redirect_uri", "state", "nonce"} {
		form.Set(k, loc.Query().Get(k))
	}
	submit := h.noFollow("POST", "/__mock/idp/"+provider+"/authorize", form)
	if submit.StatusCode != 303 {
		b, _ := io.ReadAll(submit.Body)
		h.t.Fatalf("sign-in submit: %d %s", submit.StatusCode, b)
	}
	return h.noFollow("GET", submit.Header.Get("Location"), nil)
}

func TestFederatedWebFlow(t *testing.T) {
	h := newHarness(t)
	h.setAuthConfig(map[string]any{"allowed_redirect_origins": []string{"https://app.example.com"}})
	returnTo := "https://app.example.com/done?x=1#top"
	cb := h.webSignIn("google", returnTo, url.Values{"email": {"web@example.com"}, "name": {"Web User"}, "email_verified": {"true"}})
	if cb.StatusCode != 303 {
		b, _ := io.ReadAll(cb.Body)
		t.Fatalf("callback: %d %s", cb.StatusCode, b)
	}
	dest, err := url.Parse(cb.Header.Get("Location"))
	if err != nil || dest.Host != "app.example.com" || dest.Path != "/done" || dest.Fragment != "top" || dest.Query().Get("x") != "1" {
		t.Fatalf("callback redirect = %q", cb.Header.Get("Location"))
	}
	code := dest.Query().Get("heimdall_code")
	tokens := h.must(200, "POST", "/demo/v1/auth/oauth/exchange", "", map[string]any{"code": code})
	if amr := claimsOf(t, tokens.str("access_token"))["amr"]; !reflect.DeepEqual(amr, []any{"oauth", "google"}) {
		t.Fatalf("web amr = %v", amr)
	}
	me := h.must(200, "GET", "/demo/v1/me", tokens.str("access_token"), nil)
	if me.str("email") != "web@example.com" || me.str("display_name") != "Web User" {
		t.Fatalf("web profile = %s", me.raw)
	}
	if r := h.call("POST", "/demo/v1/auth/oauth/exchange", "", map[string]any{"code": code}); r.status != 401 || r.str("code") != "code_already_used" {
		t.Fatalf("exchange reuse: %d %s", r.status, r.raw)
	}

	// The same person again through the web: the same account.
	cb = h.webSignIn("google", returnTo, url.Values{"email": {"web@example.com"}, "email_verified": {"true"}})
	loc, _ := url.Parse(cb.Header.Get("Location"))
	again := h.must(200, "POST", "/demo/v1/auth/oauth/exchange", "", map[string]any{"code": loc.Query().Get("heimdall_code")})
	if claimsOf(t, again.str("access_token"))["sub"] != claimsOf(t, tokens.str("access_token"))["sub"] {
		t.Fatal("a repeat web sign-in made another account")
	}

	// A code left past 60 s of mock time is refused.
	cb = h.webSignIn("github", returnTo, url.Values{"email": {"hub@example.com"}})
	loc, _ = url.Parse(cb.Header.Get("Location"))
	h.clk.Advance(61 * time.Second)
	if r := h.call("POST", "/demo/v1/auth/oauth/exchange", "", map[string]any{"code": loc.Query().Get("heimdall_code")}); r.status != 401 || r.str("code") != "code_expired" {
		t.Fatalf("expired exchange: %d %s", r.status, r.raw)
	}
	if r := h.call("POST", "/demo/v1/auth/oauth/exchange", "", map[string]any{"code": strings.Repeat("z", 43)}); r.status != 401 {
		t.Fatalf("unknown code: %d %s", r.status, r.raw)
	}

	// Apple's callback through the form_post-style POST with a user field,
	// and a link conflict reported through the redirect.
	h.verifiedUser("vera")
	cb = h.webSignIn("apple", returnTo, url.Values{"email": {"vera@example.com"}, "email_verified": {"true"}})
	loc, _ = url.Parse(cb.Header.Get("Location"))
	if cb.StatusCode != 303 || loc.Host != "app.example.com" || loc.Query().Get("heimdall_error") != "link_required" || loc.Query().Get("heimdall_code") != "" {
		t.Fatalf("link conflict redirect: %d %q", cb.StatusCode, cb.Header.Get("Location"))
	}

	// Cancelling on the provider page comes back as heimdall_error.
	cb = h.webSignIn("google", returnTo, url.Values{"action": {"cancel"}})
	loc, _ = url.Parse(cb.Header.Get("Location"))
	if loc.Query().Get("heimdall_error") != "access_denied" {
		t.Fatalf("cancel redirect = %q", cb.Header.Get("Location"))
	}
}

func TestFederatedWebCallbackPost(t *testing.T) {
	h := newHarness(t)
	h.setAuthConfig(map[string]any{"allowed_redirect_origins": []string{"https://app.example.com"}})
	auth := h.noFollow("GET", "/demo/v1/auth/oauth/apple/authorize?return_to="+url.QueryEscape("https://app.example.com/cb"), nil)
	loc, _ := url.Parse(auth.Header.Get("Location"))
	q := loc.Query()
	if q.Get("client_id") != BootstrapAppleClientID || q.Get("nonce") == "" {
		t.Fatalf("provider redirect = %q", loc)
	}
	tok := h.mintIDToken("apple", map[string]any{"email": "pia@example.com", "nonce": q.Get("nonce"), "aud": q.Get("client_id")})
	post := func(body map[string]any) *http.Response {
		b, _ := json.Marshal(body)
		return h.noFollowBody("POST", "/demo/v1/auth/oauth/apple/callback", "application/json", bytes.NewReader(b))
	}
	cb := post(map[string]any{
		"state": q.Get("state"), "id_token": tok,
		"user": map[string]any{"name": map[string]any{"firstName": "Pia", "lastName": "Post"}},
	})
	dest, _ := url.Parse(cb.Header.Get("Location"))
	if cb.StatusCode != 303 || dest.Host != "app.example.com" {
		t.Fatalf("POST callback: %d %q", cb.StatusCode, cb.Header.Get("Location"))
	}
	tokens := h.must(200, "POST", "/demo/v1/auth/oauth/exchange", "", map[string]any{"code": dest.Query().Get("heimdall_code")})
	if me := h.must(200, "GET", "/demo/v1/me", tokens.str("access_token"), nil); me.str("display_name") != "Pia Post" {
		t.Fatalf("form_post name not kept: %s", me.raw)
	}
	// The state is single use.
	if r := post(map[string]any{"state": q.Get("state"), "id_token": tok}); r.StatusCode != 400 {
		t.Fatalf("state reuse: %d", r.StatusCode)
	}
}

func TestFederatedWebRefusesOpenRedirect(t *testing.T) {
	h := newHarness(t)
	authorize := func(returnTo string) resp {
		return h.call("GET", "/demo/v1/auth/oauth/google/authorize?return_to="+url.QueryEscape(returnTo), "", nil)
	}
	if r := authorize("https://app.example.com/"); r.status != 400 || r.str("code") != "web_flow_disabled" {
		t.Fatalf("no allowed origins: %d %s", r.status, r.raw)
	}
	h.setAuthConfig(map[string]any{"allowed_redirect_origins": []string{"https://app.example.com"}})
	for _, bad := range []string{
		"https://evil.example.com/", "https://app.example.com.evil.com/", "http://app.example.com/",
		"https://app.example.com:8443/", "//evil.example.com/", "/relative", "javascript:alert(1)",
		"https://user@app.example.com/",
	} {
		if r := authorize(bad); r.status != 400 {
			t.Errorf("return_to %q: %d %s", bad, r.status, r.raw)
		}
	}
	// A state started while the origin was allowed is refused once the
	// origin is removed: the callback re-checks before redirecting.
	auth := h.noFollow("GET", "/demo/v1/auth/oauth/github/authorize?return_to="+url.QueryEscape("https://app.example.com/x"), nil)
	loc, _ := url.Parse(auth.Header.Get("Location"))
	h.setAuthConfig(map[string]any{"allowed_redirect_origins": []string{"https://other.example.com"}})
	form := url.Values{"email": {"late@example.com"}}
	for _, k := range []string{"client_id", "redirect_uri", "state", "nonce"} {
		form.Set(k, loc.Query().Get(k))
	}
	submit := h.noFollow("POST", "/__mock/idp/github/authorize", form)
	cb := h.noFollow("GET", submit.Header.Get("Location"), nil)
	if cb.StatusCode != 400 || cb.Header.Get("Location") != "" {
		t.Fatalf("callback to a removed origin: %d %q", cb.StatusCode, cb.Header.Get("Location"))
	}
	// The sign-in page only ever sends the browser to a callback of the mock.
	form.Set("redirect_uri", "https://evil.example.com/demo/v1/auth/oauth/github/callback?x=1")
	if r := h.noFollow("POST", "/__mock/idp/github/authorize", form); r.StatusCode != 400 {
		t.Fatalf("page redirect_uri elsewhere: %d", r.StatusCode)
	}
}

func TestFederatedControlRoutes(t *testing.T) {
	h := newHarness(t)
	jwks := h.must(200, "GET", "/__mock/idp/apple/jwks", "", nil)
	if keys, _ := jwks.body["keys"].([]any); len(keys) != 1 {
		t.Fatalf("apple jwks = %s", jwks.raw)
	}
	h.must(404, "GET", "/__mock/idp/myspace/jwks", "", nil)
	h.must(404, "GET", "/__mock/idp/github/jwks", "", nil)
	h.must(404, "POST", "/__mock/idp/myspace/id-token", "", map[string]any{"email": "a@example.com"})
	for field, body := range map[string]map[string]any{
		"expires_in": {"email": "a@example.com", "expires_in": "soon"},
		"signing":    {"email": "a@example.com", "signing": "none"},
		"app_slug":   {"email": "a@example.com", "app_slug": "nope"},
		"email":      {"email": "not-an-email"},
		"sub":        {},
		"name":       {"email": "a@example.com", "name": "Nul\x00Name"},
		"bogus":      {"email": "a@example.com", "bogus": 1},
	} {
		r := h.call("POST", "/__mock/idp/apple/id-token", "", body)
		if r.status != 400 || !strings.Contains(string(r.raw), field) {
			t.Errorf("bad %s: %d %s", field, r.status, r.raw)
		}
	}
	r := h.must(200, "POST", "/__mock/idp/apple/id-token", "", map[string]any{"email": "a@example.com", "nonce": "raw"})
	c := r.body["claims"].(map[string]any)
	if c["iss"] != idp.AppleIssuer || c["aud"] != BootstrapAppleClientID || c["nonce"] != idp.HashNonce("raw") ||
		c["email_verified"] != true || c["is_private_email"] != false || c["sub"] != idp.SubFor("apple", "a@example.com") {
		t.Fatalf("apple claims = %v", c)
	}
	if r.body["user"] != nil {
		t.Fatalf("no name, no user: %s", r.raw)
	}
	g := h.must(200, "POST", "/__mock/idp/google/id-token", "", map[string]any{"email": "a@example.com", "nonce": "raw", "name": "A"}).body["claims"].(map[string]any)
	if g["iss"] != idp.GoogleIssuer || g["aud"] != BootstrapGoogleClientID || g["nonce"] != "raw" || g["name"] != "A" {
		t.Fatalf("google claims = %v", g)
	}
}

// The fake providers' keys are state: an import or a reset keeps accepting
// tokens they signed before, and spent nonces stay spent across an export.
func TestFederatedStateSurvivesExportImportReset(t *testing.T) {
	h := newHarness(t)
	n1, n2 := testNonce("before"), testNonce("after")
	spent := h.mintIDToken("apple", map[string]any{"email": "kim@example.com", "nonce": n1})
	first := h.must(200, "POST", "/demo/v1/auth/oauth/apple", "", map[string]any{"id_token": spent, "nonce": n1})
	pending := h.mintIDToken("apple", map[string]any{"email": "kim@example.com", "nonce": n2})

	snap, err := h.d.Export()
	if err != nil {
		t.Fatal(err)
	}
	h2 := newHarness(t)
	if err := h2.d.Import(snap); err != nil {
		t.Fatal(err)
	}
	h2.clk.Set(h.clk.Now())
	again := h2.must(200, "POST", "/demo/v1/auth/oauth/apple", "", map[string]any{"id_token": pending, "nonce": n2})
	if claimsOf(t, again.str("access_token"))["sub"] != claimsOf(t, first.str("access_token"))["sub"] {
		t.Fatal("the imported state lost the federated identity")
	}
	if r := h2.call("POST", "/demo/v1/auth/oauth/apple", "", map[string]any{"id_token": spent, "nonce": n1}); r.str("code") != "nonce_replayed" {
		t.Fatalf("spent nonce after import: %d %s", r.status, r.raw)
	}

	// Reset: the baseline holds the same provider keys, so a token minted
	// before the reset still verifies (and signs a fresh account up).
	n3 := testNonce("reset")
	pre := h.mintIDToken("google", map[string]any{"email": "rae@example.com", "nonce": n3})
	h.d.Reset()
	h.must(200, "POST", "/demo/v1/auth/oauth/google", "", map[string]any{"id_token": pre, "nonce": n3})
}

// BenchmarkFederatedNativeSignIn is one repeat Apple sign-in through the
// strict router: ID-token verification, nonce bookkeeping and signing the
// session's access token. Token minting happens outside the timer.
func BenchmarkFederatedNativeSignIn(b *testing.B) {
	h := newHarness(b)
	const batch = 256
	toks, nonces := make([]string, 0, batch), make([]string, 0, batch)
	refill := func() {
		toks, nonces = toks[:0], nonces[:0]
		for range batch {
			n := randomToken(32)
			toks = append(toks, h.mintIDToken("apple", map[string]any{"sub": "000123.bench.0420", "email": "bench@example.com", "nonce": n}))
			nonces = append(nonces, n)
		}
	}
	refill()
	i := 0
	for b.Loop() {
		if i == batch {
			b.StopTimer()
			refill()
			i = 0
			b.StartTimer()
		}
		h.must(200, "POST", "/demo/v1/auth/oauth/apple", "", map[string]any{"id_token": toks[i], "nonce": nonces[i]})
		i++
	}
}

// TestAppleNameTravelsBesideTheToken: the id-token helper takes a name for
// Apple as documented, keeps it out of the token (Apple's carry none) and
// hands back the user object a first sign-in sends, which sets the display
// name; a later sign-in without it keeps the name.
func TestAppleNameTravelsBesideTheToken(t *testing.T) {
	h := newHarness(t)
	nonce := strings.Repeat("n", 43)
	r := h.must(200, "POST", "/__mock/idp/apple/id-token", "", map[string]any{"email": "ann@example.com", "nonce": nonce, "name": "Ann Apple"})
	if _, inToken := r.body["claims"].(map[string]any)["name"]; inToken {
		t.Fatalf("the Apple token carries a name: %s", r.raw)
	}
	user, _ := r.body["user"].(map[string]any)
	if user["name"] != "Ann Apple" || user["email"] != "ann@example.com" {
		t.Fatalf("user = %s", r.raw)
	}
	in := h.must(200, "POST", "/demo/v1/auth/oauth/apple", "", map[string]any{"id_token": r.str("id_token"), "nonce": nonce, "user": user})
	me := h.must(200, "GET", "/demo/v1/me", in.str("access_token"), nil)
	if me.str("display_name") != "Ann Apple" {
		t.Fatalf("me = %s", me.raw)
	}
	nonce2 := strings.Repeat("m", 43)
	again := h.must(200, "POST", "/__mock/idp/apple/id-token", "", map[string]any{"email": "ann@example.com", "nonce": nonce2})
	in = h.must(200, "POST", "/demo/v1/auth/oauth/apple", "", map[string]any{"id_token": again.str("id_token"), "nonce": nonce2})
	if me := h.must(200, "GET", "/demo/v1/me", in.str("access_token"), nil); me.str("display_name") != "Ann Apple" {
		t.Fatalf("after a second sign-in: %s", me.raw)
	}
}
