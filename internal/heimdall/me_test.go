package heimdall

import (
	"testing"
)

func TestMeEndpoints(t *testing.T) {
	h := newHarness(t)
	up := h.signup("ada")
	tok := up.str("access_token")
	other := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"})

	patched := h.must(200, "PATCH", "/demo/v1/me", tok, map[string]any{"display_name": "Ada L", "username": "ada"})
	if patched.str("display_name") != "Ada L" || patched.str("app_id") != BootstrapAppID {
		t.Fatalf("patch = %s", patched.raw)
	}
	h.must(400, "PATCH", "/demo/v1/me", tok, map[string]any{"username": " "})

	// Contacts: add, verify through the code flow, promote, delete the old.
	c := h.must(201, "POST", "/demo/v1/me/contacts", tok, map[string]any{"type": "email", "value": "ada2@example.com"})
	if c.body["is_primary"] != false || c.body["verified_at"] != nil {
		t.Fatalf("new contact = %s", c.raw)
	}
	h.must(409, "POST", "/demo/v1/me/contacts", tok, map[string]any{"type": "email", "value": "ADA2@example.com"})
	code := h.must(201, "POST", "/demo/v1/auth/request-verification", h.apiKey, map[string]any{"email": "ada2@example.com"}).str("code")
	h.must(200, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": code})
	list := h.must(200, "GET", "/demo/v1/me/contacts", tok, nil)
	first := list.body["data"].([]any)[0].(map[string]any)
	h.must(409, "DELETE", "/demo/v1/me/contacts/"+first["id"].(string), tok, nil) // the primary email
	h.must(204, "POST", "/demo/v1/me/contacts/"+c.str("id")+"/promote", tok, nil)
	h.must(204, "DELETE", "/demo/v1/me/contacts/"+first["id"].(string), tok, nil)
	me := h.must(200, "GET", "/demo/v1/me", tok, nil)
	if me.str("email") != "ada2@example.com" || me.str("email_verified_at") == "" {
		t.Fatalf("me after promote = %s", me.raw)
	}
	// The new verified primary email signs in; the removed one is free.
	h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada2@example.com", "password": "password-ada"})
	h.must(201, "POST", "/demo/v1/me/contacts", tok, map[string]any{"type": "phone", "value": "+15550100"})

	// Sessions: three live; revoke one; change-password keeps only the caller's.
	sessions := h.must(200, "GET", "/demo/v1/me/sessions", tok, nil).body["data"].([]any)
	if len(sessions) != 3 {
		t.Fatalf("%d sessions", len(sessions))
	}
	otherID := ""
	for _, s := range sessions {
		m := s.(map[string]any)
		if m["is_current"] != true {
			otherID = m["id"].(string)
		}
	}
	h.must(204, "DELETE", "/demo/v1/me/sessions/"+otherID, tok, nil)
	h.must(404, "DELETE", "/demo/v1/me/sessions/"+otherID, tok, nil)
	h.must(204, "POST", "/demo/v1/me/change-password", tok, map[string]any{"current_password": "password-ada", "new_password": "password-new"})
	h.must(200, "GET", "/demo/v1/me", tok, nil)
	h.must(401, "GET", "/demo/v1/me", other.str("access_token"), nil)
	if n := len(h.must(200, "GET", "/demo/v1/me/sessions", tok, nil).body["data"].([]any)); n != 1 {
		t.Fatalf("%d sessions after change-password", n)
	}

	act := h.must(200, "GET", "/demo/v1/me/activity", tok, nil)
	actions := map[string]bool{}
	for _, e := range act.body["data"].([]any) {
		actions[e.(map[string]any)["action"].(string)] = true
	}
	for _, want := range []string{"user.signup", "user.signin", "user.password_changed", "contact.verified", "session.revoked"} {
		if !actions[want] {
			t.Errorf("activity lacks %s: %v", want, actions)
		}
	}

	h.must(204, "DELETE", "/demo/v1/me", tok, nil)
	h.must(401, "GET", "/demo/v1/me", tok, nil)
	h.must(401, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-new"})
	// The username and emails are free again.
	h.signup("ada")
}

func TestEnforcedSessionRevoke(t *testing.T) {
	h := newHarness(t)
	h.must(200, "PATCH", "/v1/apps/"+BootstrapAppID+"/auth-config", h.apiKey, map[string]any{"enforce_app_permissions": true})
	tok := h.signup("ada").str("access_token")
	sid := h.must(200, "GET", "/demo/v1/me/sessions", tok, nil).body["data"].([]any)[0].(map[string]any)["id"].(string)
	h.must(403, "DELETE", "/demo/v1/me/sessions/"+sid, tok, nil) // member lacks session.revoke
	id := h.must(200, "GET", "/demo/v1/me", tok, nil).str("id")
	h.must(200, "PATCH", "/demo/v1/admin/users/"+id+"/role", h.apiKey, map[string]any{"role_name": "admin"})
	h.must(204, "DELETE", "/demo/v1/me/sessions/"+sid, tok, nil)
}

func TestAdminUserOperations(t *testing.T) {
	h := newHarness(t)
	eu := "/v1/apps/" + BootstrapAppID + "/end-users"
	ids := map[string]string{}
	for _, n := range []string{"ada", "bob", "cy", "dee"} {
		tok := h.signup(n).str("access_token")
		ids[n] = h.must(200, "GET", "/demo/v1/me", tok, nil).str("id")
	}
	// A changed email is unverified and needs a new code.
	upd := h.must(200, "PATCH", eu+"/"+ids["ada"], h.apiKey, map[string]any{"email": "ada@new.example.com", "display_name": "Ada"})
	if upd.str("email") != "ada@new.example.com" || upd.body["email_verified_at"] != nil {
		t.Fatalf("update = %s", upd.raw)
	}
	h.must(409, "PATCH", eu+"/"+ids["ada"], h.apiKey, map[string]any{"email": "bob@example.com"})
	code := h.must(201, "POST", eu+"/"+ids["ada"]+"/resend-verification", h.apiKey, nil).str("code")
	h.must(200, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": code})
	h.must(409, "POST", eu+"/"+ids["ada"]+"/resend-verification", h.apiKey, nil)

	c := h.must(201, "POST", eu+"/"+ids["bob"]+"/contacts", h.apiKey, map[string]any{"type": "phone", "value": "+15550101"})
	pc := h.must(201, "POST", eu+"/"+ids["bob"]+"/contacts/"+c.str("id")+"/resend-verification", h.apiKey, nil).str("code")
	h.must(200, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": pc})
	h.must(204, "POST", eu+"/"+ids["bob"]+"/contacts/"+c.str("id")+"/promote", h.apiKey, nil)
	if n := len(h.must(200, "GET", eu+"/"+ids["bob"]+"/contacts", h.apiKey, nil).body["data"].([]any)); n != 2 {
		t.Fatalf("bob has %d contacts", n)
	}
	h.must(204, "DELETE", eu+"/"+ids["bob"]+"/contacts/"+c.str("id"), h.apiKey, nil)

	h.must(204, "POST", eu+"/"+ids["cy"]+"/sessions/revoke-all", h.apiKey, nil)
	if got := h.must(200, "GET", eu+"/"+ids["cy"], h.apiKey, nil).body["active_session_count"]; got != float64(0) {
		t.Fatalf("cy sessions = %v", got)
	}
	bulk := func(op string, body map[string]any) float64 {
		return h.must(200, "POST", eu+"/bulk-"+op, h.apiKey, body).body["affected_users"].(float64)
	}
	if n := bulk("update-role", map[string]any{"selection": map[string]any{"mode": "ids", "ids": []string{ids["ada"], ids["bob"], "ghost"}}, "role_name": "admin"}); n != 2 {
		t.Fatalf("bulk role affected %v", n)
	}
	if n := bulk("revoke-sessions", map[string]any{"selection": map[string]any{"mode": "filter", "search": "example.com"}}); n != 4 {
		t.Fatalf("bulk revoke affected %v", n)
	}
	h.must(400, "POST", eu+"/bulk-delete", h.apiKey, map[string]any{"selection": map[string]any{"mode": "filter"}})
	if n := bulk("delete", map[string]any{"selection": map[string]any{"mode": "ids", "ids": []string{ids["dee"]}}}); n != 1 {
		t.Fatalf("bulk delete affected %v", n)
	}
	h.must(404, "GET", eu+"/"+ids["dee"], h.apiKey, nil)
	h.must(204, "DELETE", "/v1/apps/"+BootstrapAppID+"/members/"+ids["ada"], h.apiKey, nil)
	if got := h.must(200, "GET", eu+"/"+ids["ada"], h.apiKey, nil).body["role"]; got != nil {
		t.Fatalf("removed member keeps role %v", got)
	}
	h.must(204, "DELETE", "/demo/v1/admin/users/"+ids["cy"], h.apiKey, nil)
	h.must(404, "GET", "/demo/v1/admin/users/"+ids["cy"], h.apiKey, nil)
}

func TestAdminKeysAndClients(t *testing.T) {
	h := newHarness(t)
	app := "/v1/apps/" + BootstrapAppID
	k := h.must(201, "POST", app+"/api-keys", h.apiKey, map[string]any{"name": "mint-only", "permissions": []string{permVerifyCreate}})
	key := k.str("key")
	h.signup("ada")
	// The key may mint verification codes but not reset codes.
	h.must(201, "POST", "/demo/v1/auth/request-verification", key, map[string]any{"email": "ada@example.com"})
	h.must(403, "POST", "/demo/v1/auth/request-password-reset", key, map[string]any{"email": "ada@example.com"})
	keys := h.must(200, "GET", app+"/api-keys", h.apiKey, nil).body["data"].([]any)
	if len(keys) != 1 || keys[0].(map[string]any)["key"] != nil {
		t.Fatalf("key list = %v", keys)
	}
	h.must(204, "DELETE", app+"/api-keys/"+k.str("id"), h.apiKey, nil)
	h.must(401, "POST", "/demo/v1/auth/request-verification", key, map[string]any{"email": "ada@example.com"})

	c := h.must(201, "POST", app+"/credentials", h.apiKey, map[string]any{"name": "svc"})
	got := h.must(200, "GET", app+"/credentials/"+c.str("client_id"), h.apiKey, nil)
	if got.str("name") != "svc" || len(got.body["scopes"].([]any)) != 0 {
		t.Fatalf("client = %s", got.raw)
	}
	if n := len(h.must(200, "GET", app+"/credentials", h.apiKey, nil).body["data"].([]any)); n != 1 {
		t.Fatalf("%d clients", n)
	}
	h.must(400, "PUT", app+"/credentials/"+c.str("id")+"/scopes", h.apiKey, map[string]any{"permissions": []string{"nope.nope"}})
	h.must(204, "DELETE", app+"/credentials/"+c.str("id"), h.apiKey, nil)
	h.must(404, "GET", app+"/credentials/"+c.str("client_id"), h.apiKey, nil)
}
