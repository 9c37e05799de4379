package heimdall

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestM2MClientCredentials(t *testing.T) {
	h := newHarness(t)
	app := "/v1/apps/" + BootstrapAppID
	h.must(201, "POST", app+"/permissions", h.apiKey, map[string]any{"resource": "report", "action": "read"})
	h.must(201, "POST", app+"/permissions", h.apiKey, map[string]any{"resource": "report", "action": "write"})
	c := h.must(201, "POST", app+"/credentials", h.apiKey, map[string]any{"name": "billing"})
	id, secret := c.str("client_id"), c.str("client_secret")
	h.must(200, "PUT", app+"/credentials/"+id+"/scopes", h.apiKey, map[string]any{"permissions": []string{"report.read", "report.write"}})

	tok := h.must(200, "POST", "/demo/v1/oauth/token", "", map[string]any{"grant_type": "client_credentials", "client_id": id, "client_secret": secret})
	if tok.str("scope") != "report.read report.write" {
		t.Fatalf("token = %s", tok.raw)
	}
	claims := verifyWithJOSE(t, h, tok.str("access_token"), "demo")
	if claims["type"] != typeM2M || len(claims["scopes"].([]any)) != 2 {
		t.Fatalf("claims = %v", claims)
	}
	in := h.must(200, "POST", "/demo/v1/oauth/introspect", tok.str("access_token"), map[string]any{})
	if in.body["active"] != true || in.str("client_id") != id || in.str("type") != typeM2M {
		t.Fatalf("introspect = %s", in.raw)
	}
	v := h.must(200, "POST", "/demo/v1/verify", tok.str("access_token"), map[string]any{})
	if p := v.body["principal"].(map[string]any); len(p["permissions"].([]any)) != 2 {
		t.Fatalf("verify = %s", v.raw)
	}
	az := h.must(200, "POST", "/demo/v1/authorize", tok.str("access_token"), map[string]any{"permissions": []string{"report.read", "report.delete"}})
	if az.body["authorized"] != false || az.body["missing_permissions"].([]any)[0] != "report.delete" {
		t.Fatalf("authorize = %s", az.raw)
	}

	// A narrower scope by form post and basic auth (router validation would
	// refuse a form body the spec does not declare, so go straight in).
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"report.read"}}
	req, _ := http.NewRequest("POST", "/demo/v1/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	req.Host = "mock.test"
	r := h.direct(h.d.clientCredentials, req)
	if r.Status != 200 || r.Body.(map[string]any)["scope"] != "report.read" {
		t.Fatalf("narrow token: %d %v", r.Status, r.Body)
	}
	bad := url.Values{"grant_type": {"client_credentials"}, "scope": {"admin.all"}}
	req, _ = http.NewRequest("POST", "/demo/v1/oauth/token", strings.NewReader(bad.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(id, secret)
	if r := h.direct(h.d.clientCredentials, req); r.Status != 400 {
		t.Fatalf("scope beyond the client's: %d", r.Status)
	}

	// Deactivated clients: no new tokens, and old ones stop introspecting.
	h.must(200, "PATCH", app+"/credentials/"+id, h.apiKey, map[string]any{"is_active": false})
	h.must(401, "POST", "/demo/v1/oauth/token", "", map[string]any{"grant_type": "client_credentials", "client_id": id, "client_secret": secret})
	in = h.must(200, "POST", "/demo/v1/oauth/introspect", tok.str("access_token"), map[string]any{})
	if in.body["active"] != false {
		t.Fatalf("introspect after deactivation = %s", in.raw)
	}
	// Rotation invalidates the old secret.
	h.must(200, "PATCH", app+"/credentials/"+id, h.apiKey, map[string]any{"is_active": true})
	rot := h.must(200, "POST", app+"/credentials/"+id+"/rotate", h.apiKey, nil)
	h.must(401, "POST", "/demo/v1/oauth/token", "", map[string]any{"grant_type": "client_credentials", "client_id": id, "client_secret": secret})
	h.must(200, "POST", "/demo/v1/oauth/token", "", map[string]any{"grant_type": "client_credentials", "client_id": id, "client_secret": rot.str("client_secret")})
}
