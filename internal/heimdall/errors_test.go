package heimdall

import (
	"testing"
)

// TestErrorTable walks each documented or commonly met 4xx through the
// calls that reach it, and checks status, code and the NestJS body (the
// harness checks the body shape on every error).
func TestErrorTable(t *testing.T) {
	app := "/v1/apps/" + BootstrapAppID
	signin := func(h *harness, id, pw string) resp {
		return h.call("POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": id, "password": pw})
	}
	cases := []struct {
		name   string
		status int
		code   string
		run    func(h *harness) resp
	}{
		{"duplicate signup username", 409, "USERNAME_TAKEN", func(h *harness) resp {
			h.signup("ada")
			return h.call("POST", "/demo/v1/auth/signup", h.apiKey, map[string]any{"username": "ADA", "email": "other@example.com", "password": "password-x1"})
		}},
		{"duplicate signup email", 409, "EMAIL_TAKEN", func(h *harness) resp {
			h.signup("ada")
			return h.call("POST", "/demo/v1/auth/signup", h.apiKey, map[string]any{"username": "other", "email": "Ada@Example.com", "password": "password-x1"})
		}},
		{"weak password", 400, "", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/signup", h.apiKey, map[string]any{"username": "x", "email": "x@example.com", "password": "short"})
		}},
		{"signup disabled", 403, "signup_disabled", func(h *harness) resp {
			h.must(200, "PATCH", app+"/auth-config", h.apiKey, map[string]any{"signup_enabled": false})
			return h.call("POST", "/demo/v1/auth/signup", h.apiKey, map[string]any{"username": "x", "email": "x@example.com", "password": "password-x1"})
		}},
		{"wrong password", 401, "", func(h *harness) resp {
			h.signup("ada")
			return signin(h, "ada", "wrong-password")
		}},
		{"unknown user", 401, "", func(h *harness) resp { return signin(h, "nobody", "wrong-password") }},
		{"locked after failed logins", 401, "account_locked", func(h *harness) resp {
			h.must(200, "PATCH", app+"/auth-config", h.apiKey, map[string]any{"max_failed_login_attempts": 3})
			h.signup("ada")
			for i := 0; i < 3; i++ {
				signin(h, "ada", "wrong-password")
			}
			return signin(h, "ada", "password-ada") // even the right password
		}},
		{"suspended", 403, "account_suspended", func(h *harness) resp {
			up := h.signup("ada")
			me := h.must(200, "GET", "/demo/v1/me", up.str("access_token"), nil)
			h.must(200, "PATCH", app+"/end-users/"+me.str("id")+"/status", h.apiKey, map[string]any{"status": "suspended"})
			return signin(h, "ada", "password-ada")
		}},
		{"refresh reuse", 401, "refresh_token_reused", func(h *harness) resp {
			up := h.signup("ada")
			h.must(200, "POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": up.str("refresh_token")})
			return h.call("POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": up.str("refresh_token")})
		}},
		{"unknown refresh token", 401, "invalid_refresh_token", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": "nope"})
		}},
		{"used verification code", 410, "code_invalid", func(h *harness) resp {
			h.signup("ada")
			code := h.outboxCode("ada@example.com", kindVerification)
			h.must(200, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": code})
			return h.call("POST", "/demo/v1/auth/verify", "", map[string]any{"code": code})
		}},
		{"expired reset code", 410, "code_invalid", func(h *harness) resp {
			h.signup("ada")
			h.must(200, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": h.outboxCode("ada@example.com", kindVerification)})
			code := h.must(201, "POST", "/demo/v1/auth/request-password-reset", h.apiKey, map[string]any{"email": "ada@example.com"}).str("code")
			h.clk.Advance(passwordResetTTL)
			return h.call("POST", "/demo/v1/auth/reset-password", "", map[string]any{"code": code, "new_password": "password-new"})
		}},
		{"reset mint with both email and phone", 400, "", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/request-password-reset", h.apiKey, map[string]any{"email": "a@example.com", "phone": "+15550100"})
		}},
		{"reset mint without a PAK", 401, "", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/request-password-reset", "pcft_test_unknown", map[string]any{"email": "a@example.com"})
		}},
		{"mail not enabled", 412, "ENVOI_NOT_ENABLED", func(h *harness) resp {
			h.must(200, "PATCH", app+"/notification-settings", h.apiKey, map[string]any{"notifications_via_envoi": false})
			return h.call("POST", "/demo/v1/auth/send-verification-email", h.apiKey, map[string]any{"email": "a@example.com"})
		}},
		{"duplicate app slug", 409, "SLUG_TAKEN", func(h *harness) resp {
			return h.call("POST", "/v1/apps", h.apiKey, map[string]any{"slug": "demo", "display_name": "Again", "workspace_id": BootstrapWorkspaceID})
		}},
		{"reserved app slug", 400, "", func(h *harness) resp {
			return h.call("POST", "/v1/apps", h.apiKey, map[string]any{"slug": "__mock", "display_name": "X", "workspace_id": BootstrapWorkspaceID})
		}},
		{"reserved slug on a consumer route", 400, "", func(h *harness) resp {
			return h.call("POST", "/__x/v1/auth/signin", "", map[string]any{"identifier": "a", "password": "b"})
		}},
		{"unknown app", 404, "", func(h *harness) resp {
			return h.call("POST", "/ghost/v1/auth/signin", "", map[string]any{"identifier": "a", "password": "b"})
		}},
		{"duplicate role", 409, "ROLE_EXISTS", func(h *harness) resp {
			h.must(201, "POST", app+"/roles", h.apiKey, map[string]any{"name": "editor"})
			return h.call("POST", "/demo/v1/admin/roles", h.apiKey, map[string]any{"name": "editor"})
		}},
		{"delete system role", 403, "", func(h *harness) resp { return h.call("DELETE", "/demo/v1/admin/roles/member", h.apiKey, nil) }},
		{"delete role in use", 409, "ROLE_IN_USE", func(h *harness) resp {
			h.must(201, "POST", app+"/roles", h.apiKey, map[string]any{"name": "editor"})
			up := h.signup("ada")
			id := h.must(200, "GET", "/demo/v1/me", up.str("access_token"), nil).str("id")
			h.must(200, "PATCH", app+"/end-users/"+id+"/role", h.apiKey, map[string]any{"role_name": "editor"})
			return h.call("DELETE", "/demo/v1/admin/roles/editor", h.apiKey, nil)
		}},
		{"duplicate permission", 409, "PERMISSION_EXISTS", func(h *harness) resp {
			h.must(201, "POST", app+"/permissions", h.apiKey, map[string]any{"resource": "doc", "action": "read"})
			return h.call("POST", "/demo/v1/admin/permissions", h.apiKey, map[string]any{"resource": "doc", "action": "read"})
		}},
		{"missing admin key", 401, "", func(h *harness) resp {
			return h.call("GET", "/v1/apps/"+BootstrapAppID+"/end-users", "", nil)
		}},
		{"unknown admin key", 401, "", func(h *harness) resp {
			return h.call("GET", "/v1/apps/"+BootstrapAppID+"/end-users", "pcft_test_not_a_key", nil)
		}},
		{"app-scoped key on another app", 403, "", func(h *harness) resp {
			other := h.must(201, "POST", "/v1/apps", h.apiKey, map[string]any{"slug": "other", "display_name": "Other", "workspace_id": BootstrapWorkspaceID})
			key := h.must(201, "POST", "/v1/apps/"+other.str("id")+"/api-keys", h.apiKey, map[string]any{"name": "k", "permissions": []string{permVerifyCreate}}).str("key")
			return h.call("GET", app+"/end-users", key, nil)
		}},
		{"me without a token", 401, "", func(h *harness) resp { return h.call("GET", "/demo/v1/me", "", nil) }},
		{"me with a garbage token", 401, "malformed", func(h *harness) resp { return h.call("GET", "/demo/v1/me", "not.a.jwt", nil) }},
		{"change password with the wrong current one", 401, "", func(h *harness) resp {
			up := h.signup("ada")
			return h.call("POST", "/demo/v1/me/change-password", up.str("access_token"), map[string]any{"current_password": "nope", "new_password": "password-new"})
		}},
		{"username taken on PATCH /me", 409, "USERNAME_TAKEN", func(h *harness) resp {
			h.signup("bob")
			up := h.signup("ada")
			return h.call("PATCH", "/demo/v1/me", up.str("access_token"), map[string]any{"username": "Bob"})
		}},
		{"promote an unverified contact", 409, "CONTACT_UNVERIFIED", func(h *harness) resp {
			up := h.signup("ada")
			c := h.must(201, "POST", "/demo/v1/me/contacts", up.str("access_token"), map[string]any{"type": "email", "value": "ada2@example.com"})
			return h.call("POST", "/demo/v1/me/contacts/"+c.str("id")+"/promote", up.str("access_token"), nil)
		}},
		{"wrong client secret", 401, "invalid_client", func(h *harness) resp {
			c := h.must(201, "POST", app+"/credentials", h.apiKey, map[string]any{"name": "svc"})
			return h.call("POST", "/demo/v1/oauth/token", "", map[string]any{"grant_type": "client_credentials", "client_id": c.str("client_id"), "client_secret": "wrong"})
		}},
		{"introspect without a bearer", 401, "", func(h *harness) resp {
			return h.direct2("POST", "/demo/v1/oauth/introspect", h.d.introspect)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			r := c.run(h)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.raw)
			}
			if c.code != "" && r.str("code") != c.code {
				t.Fatalf("code %q, want %q: %s", r.str("code"), c.code, r.raw)
			}
		})
	}
}

// TestWrongPasswordAndUnknownUserLookAlike: signin must not reveal which
// identifiers exist.
func TestWrongPasswordAndUnknownUserLookAlike(t *testing.T) {
	h := newHarness(t)
	h.signup("ada")
	wrong := h.call("POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "wrong-password"})
	unknown := h.call("POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "nobody", "password": "wrong-password"})
	if wrong.status != 401 || string(wrong.raw) != string(unknown.raw) {
		t.Fatalf("wrong password %d %s vs unknown user %d %s", wrong.status, wrong.raw, unknown.status, unknown.raw)
	}
}
