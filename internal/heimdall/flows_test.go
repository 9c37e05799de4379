package heimdall

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func TestSessionLifecycle(t *testing.T) {
	h := newHarness(t)
	up := h.signup("ada")
	if up.str("token_type") != "Bearer" || up.str("refresh_token") == "" {
		t.Fatalf("signup tokens: %s", up.raw)
	}
	// The email is unverified after signup, so signin goes by username.
	in := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"})
	access := in.str("access_token")

	me := h.must(200, "GET", "/demo/v1/me", access, nil)
	if me.str("username") != "ada" || me.str("email") != "ada@example.com" || me.str("role") != "member" {
		t.Fatalf("me = %s", me.raw)
	}

	old := in.str("refresh_token")
	rot := h.must(200, "POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": old})
	if rot.str("refresh_token") == old {
		t.Fatal("refresh did not rotate the refresh token")
	}
	// The rotated access token still works; reusing the old refresh token
	// revokes the whole session, so both copies stop working.
	h.must(200, "GET", "/demo/v1/me", rot.str("access_token"), nil)
	reuse := h.must(401, "POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": old})
	if reuse.str("code") != "refresh_token_reused" {
		t.Errorf("reuse code = %q", reuse.str("code"))
	}
	h.must(401, "POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": rot.str("refresh_token")})
	v := h.must(200, "POST", "/demo/v1/verify", rot.str("access_token"), map[string]any{})
	if v.body["valid"] != false || v.str("error") != reasonSessionRevoked {
		t.Fatalf("verify after reuse = %s", v.raw)
	}
	h.must(401, "GET", "/demo/v1/me", rot.str("access_token"), nil)

	// The signup session is untouched by all this; logout ends it.
	h.must(200, "GET", "/demo/v1/me", up.str("access_token"), nil)
	h.must(204, "POST", "/demo/v1/auth/logout", "", map[string]any{"refresh_token": up.str("refresh_token")})
	h.must(401, "GET", "/demo/v1/me", up.str("access_token"), nil)
	h.must(401, "POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": up.str("refresh_token")})
}

// fetchJWKS reads the app's JWKS over HTTP, as an SDK does.
func fetchJWKS(t *testing.T, h *harness, slug string) jose.JSONWebKeySet {
	t.Helper()
	res, err := h.srv.Client().Get(h.srv.URL + "/" + slug + "/v1/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatalf("jwks: %v: %s", err, raw)
	}
	return set
}

// verifyWithJOSE checks a token the way a third-party verifier would.
func verifyWithJOSE(t *testing.T, h *harness, token, slug string) map[string]any {
	t.Helper()
	parsed, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	set := fetchJWKS(t, h, slug)
	ks := set.Key(parsed.Headers[0].KeyID)
	if len(ks) != 1 {
		t.Fatalf("kid %q not in the JWKS", parsed.Headers[0].KeyID)
	}
	var std jwt.Claims
	var all map[string]any
	if err := parsed.Claims(ks[0].Key, &std, &all); err != nil {
		t.Fatal(err)
	}
	disc := h.must(200, "GET", "/"+slug+"/v1/.well-known/openid-configuration", "", nil)
	if err := std.ValidateWithLeeway(jwt.Expected{Issuer: disc.str("issuer"), AnyAudience: jwt.Audience{slug}, Time: h.clk.Now()}, 0); err != nil {
		t.Fatalf("claims: %v", err)
	}
	if disc.str("jwks_uri") != h.srv.URL+"/"+slug+"/v1/.well-known/jwks.json" {
		t.Errorf("jwks_uri = %q", disc.str("jwks_uri"))
	}
	return all
}

func TestTokensVerifyWithJOSEAndSurviveRotation(t *testing.T) {
	h := newHarness(t)
	up := h.signup("grace")
	tok := up.str("access_token")
	claims := verifyWithJOSE(t, h, tok, "demo")
	for _, k := range []string{"sub", "aid", "sid", "role", "type", "amr", "iat", "exp"} {
		if claims[k] == nil {
			t.Errorf("claim %s missing: %v", k, claims)
		}
	}
	if claims["aid"] != BootstrapAppID || claims["type"] != typeEndUser {
		t.Errorf("claims = %v", claims)
	}

	var rot map[string]string
	res, err := h.srv.Client().Post(h.srv.URL+"/__mock/apps/demo/keys/rotate", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(res.Body).Decode(&rot)
	res.Body.Close()
	if rot["kid"] == "" {
		t.Fatal("rotate returned no kid")
	}
	if n := len(fetchJWKS(t, h, "demo").Keys); n < 2 {
		t.Fatalf("JWKS has %d keys after rotation; the old key must stay", n)
	}
	// Old token: still verifies. New sign-in: signed by the new key.
	verifyWithJOSE(t, h, tok, "demo")
	v := h.must(200, "POST", "/demo/v1/verify", tok, map[string]any{})
	if v.body["valid"] != true {
		t.Fatalf("old token after rotation: %s", v.raw)
	}
	fresh := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "grace", "password": "password-grace"})
	parsed, _ := jwt.ParseSigned(fresh.str("access_token"), []jose.SignatureAlgorithm{jose.RS256})
	if parsed.Headers[0].KeyID != rot["kid"] {
		t.Errorf("new token kid %q, want %q", parsed.Headers[0].KeyID, rot["kid"])
	}

	// Time passes beyond the access TTL: /verify says invalid.
	h.clk.Advance(accessTTL + time.Second)
	v = h.must(200, "POST", "/demo/v1/verify", h.apiKey, map[string]any{"token": tok})
	if v.body["valid"] != false || v.str("error") != "expired" {
		t.Fatalf("expired token: %s", v.raw)
	}
}

func TestVerifyPrincipalAndAuthorize(t *testing.T) {
	h := newHarness(t)
	tok := h.signup("linus").str("access_token")
	v := h.must(200, "POST", "/demo/v1/verify", tok, map[string]any{})
	p, _ := v.body["principal"].(map[string]any)
	if v.body["valid"] != true || p["role"] != "member" || p["aid"] != BootstrapAppID || p["type"] != typeEndUser {
		t.Fatalf("verify = %s", v.raw)
	}
	a := h.must(200, "POST", "/demo/v1/authorize", h.apiKey, map[string]any{"token": tok, "permission": "user.read"})
	if a.body["authorized"] != false {
		t.Fatalf("member holds user.read? %s", a.raw)
	}
	b := h.must(200, "POST", "/demo/v1/authorize/batch", tok, map[string]any{"checks": []any{
		map[string]any{"id": "one", "permission": "user.read"},
	}})
	res := b.body["results"].([]any)[0].(map[string]any)
	if res["id"] != "one" || res["authorized"] != false {
		t.Fatalf("batch = %s", b.raw)
	}
}

var _ = http.MethodGet
