package heimdall

import (
	"testing"
)

func TestPlatformTokensActOnAdminRoutes(t *testing.T) {
	h := newHarness(t)
	minted := h.must(200, "POST", "/__mock/tokens", "", map[string]any{"type": "platform"})
	tok, _ := minted.body["access_token"].(string)
	if tok == "" || minted.body["sub"] != BootstrapOwnerID {
		t.Fatalf("mint: %s", minted.raw)
	}
	h.must(200, "GET", "/v1/apps/"+BootstrapAppID, tok, nil)
	h.must(200, "GET", "/v1/apps", tok, nil)
	h.must(201, "POST", "/v1/apps/"+BootstrapAppID+"/tenants", tok, map[string]any{"display_name": "Via platform token"})

	expired := h.must(200, "POST", "/__mock/tokens", "", map[string]any{"type": "platform", "ttl": "-1m"})
	if r := h.must(401, "GET", "/v1/apps/"+BootstrapAppID, expired.str("access_token"), nil); r.str("code") != "expired" {
		t.Fatalf("expired platform token: %s", r.raw)
	}
	// An end-user token of the app is not a platform token.
	user := h.signup("alice")
	h.must(401, "GET", "/v1/apps/"+BootstrapAppID, user.str("access_token"), nil)
	// Platform tokens do not open consumer routes.
	h.must(401, "GET", "/demo/v1/me", tok, nil)

	jwks := h.must(200, "GET", "/__mock/platform/jwks.json", "", nil)
	if ks, _ := jwks.body["keys"].([]any); len(ks) == 0 {
		t.Fatalf("platform jwks: %s", jwks.raw)
	}
	h.must(400, "POST", "/__mock/tokens", "", map[string]any{"type": "platform", "ttl": "soon"})
}

func TestAdminFactorProvisioning(t *testing.T) {
	h := newHarness(t)
	alice := h.signup("alice")
	me := h.must(200, "GET", "/demo/v1/me", alice.str("access_token"), nil)
	base := "/demo/v1/users/" + me.str("id") + "/factors"

	// The email is not verified yet: 412.
	h.must(412, "POST", base, h.apiKey, map[string]any{"type": "email"})
	p := h.must(201, "POST", base, h.apiKey, map[string]any{"type": "totp", "label": "ops"})
	f := p.body["factor"].(map[string]any)
	if f["enabled"] != true || len(p.body["recovery_codes"].([]any)) != recoveryCodeCount || p.body["enrollment"].(map[string]any)["secret"] == "" {
		t.Fatalf("provision: %s", p.raw)
	}
	list := h.must(200, "GET", base, h.apiKey, nil)
	if len(list.body["data"].([]any)) != 1 {
		t.Fatalf("list: %s", list.raw)
	}
	// The provisioned factor is live: sign-in now asks for MFA.
	in := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "alice", "password": "password-alice"})
	if in.body["mfa_required"] != true {
		t.Fatalf("signin after provisioning: %s", in.raw)
	}
	h.must(204, "DELETE", base+"/"+f["id"].(string), h.apiKey, nil)
	h.must(404, "DELETE", base+"/"+f["id"].(string), h.apiKey, nil)
	h.must(404, "GET", "/demo/v1/users/"+newID()+"/factors", h.apiKey, nil)
	h.must(401, "GET", base, "", nil)
}
