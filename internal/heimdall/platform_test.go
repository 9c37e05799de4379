package heimdall

import (
	"fmt"
	"strings"
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

// TestPlatformMembers: a platform token acts with its member's rights.
// The workspace owner may do everything; members added on the control
// plane hold their role's permissions (or the ones given), grant no more
// than that, and stop being let in once removed; anyone else is refused.
func TestPlatformMembers(t *testing.T) {
	h := newHarness(t)
	app := "/v1/apps/" + BootstrapAppID
	const viewer, ops, admin, stranger = "pu_viewer", "pu_ops", "pu_admin", "pu_stranger"
	h.must(201, "PUT", "/__mock/platform/members/"+viewer, "", map[string]any{"role": "viewer"})
	h.must(201, "PUT", "/__mock/platform/members/"+ops, "", map[string]any{"permissions": []string{permKeyCreate, "user.read"}})
	h.must(201, "PUT", "/__mock/platform/members/"+admin, "", map[string]any{"role": "admin"})
	if l := h.must(200, "GET", "/__mock/platform/members", "", nil); len(l.list) != 4 || l.list[0].(map[string]any)["role"] != "owner" {
		t.Fatalf("members: %s", l.raw)
	}
	tok := func(sub string) string { return h.platformToken(map[string]any{"sub": sub}) }

	vt := tok(viewer)
	h.must(200, "GET", app+"/end-users", vt, nil)
	h.must(200, "GET", app, vt, nil)
	h.must(403, "PATCH", app, vt, map[string]any{"display_name": "Mine"})
	h.must(403, "POST", app+"/api-keys", vt, map[string]any{"name": "k", "permissions": []string{"user.read"}})
	h.must(403, "POST", "/v1/apps", vt, map[string]any{"slug": "viewers", "display_name": "V", "workspace_id": BootstrapWorkspaceID})

	ot := tok(ops)
	r := h.must(403, "POST", app+"/api-keys", ot, map[string]any{"name": "root", "permissions": []string{"*"}})
	if !strings.Contains(fmt.Sprint(r.body["message"]), "Cannot grant actions you don't have") {
		t.Errorf("member mints beyond its rights: %s", r.raw)
	}
	h.must(201, "POST", app+"/api-keys", ot, map[string]any{"name": "reader", "permissions": []string{"user.read"}})
	alice := h.signup("alice")
	aliceID := h.must(200, "GET", "/demo/v1/me", alice.str("access_token"), nil).str("id")
	h.must(403, "POST", app+"/roles/assign", ot, map[string]any{"account_id": aliceID, "role": "admin"})

	at := tok(admin)
	h.must(201, "POST", app+"/api-keys", at, map[string]any{"name": "root", "permissions": []string{"*"}})
	h.must(200, "POST", app+"/roles/assign", at, map[string]any{"account_id": aliceID, "role": "admin"})

	if r := h.call("GET", app+"/end-users", tok(stranger), nil); r.status != 403 || r.body["code"] != "NOT_A_WORKSPACE_MEMBER" {
		t.Errorf("non-member → %d %s", r.status, r.raw)
	}
	h.must(204, "DELETE", "/__mock/platform/members/"+viewer, "", nil)
	h.must(403, "GET", app+"/end-users", vt, nil)
	h.must(404, "DELETE", "/__mock/platform/members/"+viewer, "", nil)
	h.must(409, "DELETE", "/__mock/platform/members/"+BootstrapOwnerID, "", nil)
	h.must(400, "PUT", "/__mock/platform/members/x", "", map[string]any{"role": "owner"})
	h.must(400, "PUT", "/__mock/platform/members/x", "", map[string]any{"role": "viewer", "permissions": []string{"a.b"}})
	h.d.Reset()
	if l := h.must(200, "GET", "/__mock/platform/members", "", nil); len(l.list) != 1 {
		t.Errorf("members after reset: %s", l.raw)
	}
}
