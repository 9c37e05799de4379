package heimdall

import (
	"net/url"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// errorCase is one row of the error table: the calls that reach a 4xx, and
// the operation ("METHOD /template" of the newest spec) whose answer it is.
type errorCase struct {
	op     string // "" only for a call the router cannot carry (see run)
	status int
	code   string // checked when set
	name   string
	run    func(h *harness) resp
}

// ghostAppID is a well-formed app id no app has.
const ghostAppID = "00000000-0000-4000-8000-00000000dead"

const demoApp = "/v1/apps/" + BootstrapAppID

func signinAs(h *harness, id, pw string) resp {
	return h.call("POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": id, "password": pw})
}

// otherApp creates a second app and returns its id.
func (h *harness) otherApp() string {
	h.t.Helper()
	return h.must(201, "POST", "/v1/apps", h.apiKey, map[string]any{"slug": "other", "display_name": "Other", "workspace_id": BootstrapWorkspaceID}).str("id")
}

// appKey creates an API key scoped to the app appID, holding perms.
func (h *harness) appKey(appID string, perms ...string) string {
	h.t.Helper()
	return h.must(201, "POST", "/v1/apps/"+appID+"/api-keys", h.apiKey, map[string]any{"name": "scoped", "permissions": perms}).str("key")
}

// otherAppKey is an API key of another app: it may not act on the demo app.
func (h *harness) otherAppKey() string { return h.appKey(h.otherApp(), permVerifyCreate) }

func (h *harness) userID(token string) string {
	h.t.Helper()
	return h.must(200, "GET", "/demo/v1/me", token, nil).str("id")
}

// emailFactorUser signs name up, verifies its email and enrols an email
// factor on it; it returns the access token and the factor id.
func (h *harness) emailFactorUser(name string) (string, string) {
	h.t.Helper()
	tok := h.signup(name).str("access_token")
	h.must(200, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": h.outboxCode(name+"@example.com", kindVerification)})
	f := h.must(201, "POST", "/demo/v1/me/mfa/factors", tok, map[string]any{"type": "email"}).body["factor"].(map[string]any)
	id := f["id"].(string)
	h.must(200, "POST", "/demo/v1/me/mfa/factors/"+id+"/verify", tok, map[string]any{"code": h.outboxCode(name+"@example.com", "otp")})
	return tok, id
}

// orphanedEmailFactor enrols an email factor on a verified secondary
// address of name, then deletes that address: the factor stays enabled
// with nowhere to send codes. It returns the access token and factor id.
func (h *harness) orphanedEmailFactor(name string) (string, string) {
	h.t.Helper()
	tok := h.signup(name).str("access_token")
	addr := name + "2@example.com"
	c := h.must(201, "POST", "/demo/v1/me/contacts", tok, map[string]any{"type": "email", "value": addr})
	code := h.must(201, "POST", "/demo/v1/auth/request-verification", h.apiKey, map[string]any{"email": addr}).str("code")
	h.must(200, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": code})
	f := h.must(201, "POST", "/demo/v1/me/mfa/factors", tok, map[string]any{"type": "email", "contact_id": c.str("id")}).body["factor"].(map[string]any)
	id := f["id"].(string)
	h.must(200, "POST", "/demo/v1/me/mfa/factors/"+id+"/verify", tok, map[string]any{"code": h.outboxCode(addr, "otp")})
	h.must(204, "DELETE", "/demo/v1/me/contacts/"+c.str("id"), tok, nil)
	return tok, id
}

// challenge signs name in and returns the mfa_token of its challenge.
func (h *harness) challenge(name string) string {
	h.t.Helper()
	tok := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": name, "password": "password-" + name}).str("mfa_token")
	if tok == "" {
		h.t.Fatalf("%s was not challenged", name)
	}
	return tok
}

func (h *harness) mailOff() {
	h.t.Helper()
	h.must(200, "PATCH", demoApp+"/notification-settings", h.apiKey, map[string]any{"notifications_via_envoi": false})
}

// tenant creates a consumer tenant with the owner key and returns its id.
func (h *harness) tenant(name string) string {
	h.t.Helper()
	return h.must(201, "POST", "/demo/v1/tenants", h.apiKey, map[string]any{"display_name": name, "slug": name}).str("id")
}

// webCode runs the Google web flow on the demo app and returns the
// one-time heimdall_code of its result.
func (h *harness) webCode() string {
	h.t.Helper()
	h.setAuthConfig(map[string]any{"allowed_redirect_origins": []string{"https://app.example.com"}})
	cb := h.webSignIn("google", "https://app.example.com/done", url.Values{"email": {"web@example.com"}, "email_verified": {"true"}})
	loc, _ := url.Parse(cb.Header.Get("Location"))
	return loc.Query().Get("heimdall_code")
}

// errorCases lists each documented or commonly met 4xx with the calls that
// reach it. TestErrorTableCoversTheSpec keeps it complete.
func errorCases() []errorCase {
	const (
		signup      = "POST /{app_slug}/v1/auth/signup"
		signin      = "POST /{app_slug}/v1/auth/signin"
		refresh     = "POST /{app_slug}/v1/auth/refresh"
		verify      = "POST /{app_slug}/v1/auth/verify"
		resetPw     = "POST /{app_slug}/v1/auth/reset-password"
		mintReset   = "POST /{app_slug}/v1/auth/request-password-reset"
		mintVerify  = "POST /{app_slug}/v1/auth/request-verification"
		sendVerify  = "POST /{app_slug}/v1/auth/send-verification-email"
		sendReset   = "POST /{app_slug}/v1/auth/send-password-reset-email"
		createApp   = "POST /v1/apps"
		deleteApp   = "DELETE /v1/apps/{app_id}"
		appStatus   = "PATCH /v1/apps/{app_id}/status"
		auditLogs   = "GET /v1/apps/{app_id}/audit-logs"
		endUsers    = "GET /v1/apps/{app_id}/end-users"
		provider    = "/v1/apps/{app_id}/auth-config/providers/{provider}"
		creds       = "/v1/apps/{app_id}/credentials"
		roleByName  = "/{app_slug}/v1/admin/roles/{role_name}"
		permByKey   = "DELETE /{app_slug}/v1/admin/permissions/{permission_key}"
		adminUsers  = "/{app_slug}/v1/admin/users"
		acceptInv   = "POST /{app_slug}/v1/auth/accept-invite"
		mfaVerify   = "POST /{app_slug}/v1/auth/mfa/verify"
		mfaRecover  = "POST /{app_slug}/v1/auth/mfa/recover"
		mfaSend     = "POST /{app_slug}/v1/auth/mfa/send-code"
		stepUp      = "POST /{app_slug}/v1/me/mfa/step-up"
		stepUpSend  = "POST /{app_slug}/v1/me/mfa/step-up/send-code"
		tenants     = "/{app_slug}/v1/tenants"
		tenantByID  = "/{app_slug}/v1/tenants/{tenant_id}"
		members     = "/{app_slug}/v1/tenants/{tenant_id}/members"
		member      = "/{app_slug}/v1/tenants/{tenant_id}/members/{account_id}"
		native      = "POST /{app_slug}/v1/auth/oauth/{provider}"
		webCallback = "POST /{app_slug}/v1/auth/oauth/{provider}/callback"
		exchange    = "POST /{app_slug}/v1/auth/oauth/exchange"
		me          = "/{app_slug}/v1/me"
		invites     = "POST /v1/apps/{app_id}/end-users/invites"
		webhook     = "/v1/apps/{app_id}/webhook"
	)
	return []errorCase{
		// Identity core: signup, signin, sessions, codes.
		{signup, 409, "USERNAME_TAKEN", "duplicate signup username", func(h *harness) resp {
			h.signup("ada")
			return h.call("POST", "/demo/v1/auth/signup", h.apiKey, map[string]any{"username": "ADA", "email": "other@example.com", "password": "password-x1"})
		}},
		{signup, 409, "EMAIL_TAKEN", "duplicate signup email", func(h *harness) resp {
			h.signup("ada")
			return h.call("POST", "/demo/v1/auth/signup", h.apiKey, map[string]any{"username": "other", "email": "Ada@Example.com", "password": "password-x1"})
		}},
		{signup, 400, "", "weak password", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/signup", h.apiKey, map[string]any{"username": "x", "email": "x@example.com", "password": "short"})
		}},
		{signup, 403, "signup_disabled", "signup disabled", func(h *harness) resp {
			h.must(200, "PATCH", demoApp+"/auth-config", h.apiKey, map[string]any{"signup_enabled": false})
			return h.call("POST", "/demo/v1/auth/signup", h.apiKey, map[string]any{"username": "x", "email": "x@example.com", "password": "password-x1"})
		}},
		{signin, 401, "", "wrong password", func(h *harness) resp {
			h.signup("ada")
			return signinAs(h, "ada", "wrong-password")
		}},
		{signin, 401, "", "unknown user", func(h *harness) resp { return signinAs(h, "nobody", "wrong-password") }},
		{signin, 401, "account_locked", "locked after failed logins", func(h *harness) resp {
			h.must(200, "PATCH", demoApp+"/auth-config", h.apiKey, map[string]any{"max_failed_login_attempts": 3})
			h.signup("ada")
			for i := 0; i < 3; i++ {
				signinAs(h, "ada", "wrong-password")
			}
			return signinAs(h, "ada", "password-ada") // even the right password
		}},
		{signin, 403, "account_suspended", "suspended", func(h *harness) resp {
			id := h.userID(h.signup("ada").str("access_token"))
			h.must(200, "PATCH", demoApp+"/end-users/"+id+"/status", h.apiKey, map[string]any{"status": "suspended"})
			return signinAs(h, "ada", "password-ada")
		}},
		{refresh, 401, "refresh_token_reused", "refresh reuse", func(h *harness) resp {
			up := h.signup("ada")
			h.must(200, "POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": up.str("refresh_token")})
			return h.call("POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": up.str("refresh_token")})
		}},
		{refresh, 401, "invalid_refresh_token", "unknown refresh token", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": "nope"})
		}},
		{verify, 410, "code_invalid", "used verification code", func(h *harness) resp {
			h.signup("ada")
			code := h.outboxCode("ada@example.com", kindVerification)
			h.must(200, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": code})
			return h.call("POST", "/demo/v1/auth/verify", "", map[string]any{"code": code})
		}},
		{resetPw, 410, "code_invalid", "expired reset code", func(h *harness) resp {
			h.signup("ada")
			h.must(200, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": h.outboxCode("ada@example.com", kindVerification)})
			code := h.must(201, "POST", "/demo/v1/auth/request-password-reset", h.apiKey, map[string]any{"email": "ada@example.com"}).str("code")
			h.clk.Advance(passwordResetTTL)
			return h.call("POST", "/demo/v1/auth/reset-password", "", map[string]any{"code": code, "new_password": "password-new"})
		}},
		{mintReset, 400, "", "reset mint with both email and phone", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/request-password-reset", h.apiKey, map[string]any{"email": "a@example.com", "phone": "+15550100"})
		}},
		{mintReset, 401, "", "reset mint with an unknown PAK", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/request-password-reset", "pcft_test_unknown", map[string]any{"email": "a@example.com"})
		}},
		{mintReset, 403, "", "reset mint with a PAK lacking the permission", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/request-password-reset", h.appKey(BootstrapAppID, permVerifyCreate), map[string]any{"email": "a@example.com"})
		}},
		{mintVerify, 400, "", "verification mint with both email and phone", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/request-verification", h.apiKey, map[string]any{"email": "a@example.com", "phone": "+15550100"})
		}},
		{mintVerify, 401, "", "verification mint with an unknown PAK", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/request-verification", "pcft_test_unknown", map[string]any{"email": "a@example.com"})
		}},
		{mintVerify, 403, "", "verification mint with a PAK lacking the permission", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/request-verification", h.appKey(BootstrapAppID, permResetCreate), map[string]any{"email": "a@example.com"})
		}},
		{sendVerify, 412, "ENVOI_NOT_ENABLED", "verification mail not enabled", func(h *harness) resp {
			h.mailOff()
			return h.call("POST", "/demo/v1/auth/send-verification-email", h.apiKey, map[string]any{"email": "a@example.com"})
		}},
		{sendVerify, 401, "", "verification mail with an unknown PAK", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/send-verification-email", "pcft_test_unknown", map[string]any{"email": "a@example.com"})
		}},
		{sendVerify, 403, "", "verification mail with a PAK lacking the permission", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/send-verification-email", h.appKey(BootstrapAppID, permVerifyCreate), map[string]any{"email": "a@example.com"})
		}},
		{sendReset, 412, "ENVOI_NOT_ENABLED", "reset mail not enabled", func(h *harness) resp {
			h.mailOff()
			return h.call("POST", "/demo/v1/auth/send-password-reset-email", h.apiKey, map[string]any{"email": "a@example.com"})
		}},
		{sendReset, 401, "", "reset mail with an unknown PAK", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/send-password-reset-email", "pcft_test_unknown", map[string]any{"email": "a@example.com"})
		}},
		{sendReset, 403, "", "reset mail with a PAK lacking the permission", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/send-password-reset-email", h.appKey(BootstrapAppID, permResetCreate), map[string]any{"email": "a@example.com"})
		}},

		// Apps and their settings.
		{createApp, 409, "SLUG_TAKEN", "duplicate app slug", func(h *harness) resp {
			return h.call("POST", "/v1/apps", h.apiKey, map[string]any{"slug": "demo", "display_name": "Again", "workspace_id": BootstrapWorkspaceID})
		}},
		{createApp, 400, "", "reserved app slug", func(h *harness) resp {
			return h.call("POST", "/v1/apps", h.apiKey, map[string]any{"slug": "__mock", "display_name": "X", "workspace_id": BootstrapWorkspaceID})
		}},
		{createApp, 403, "", "app-scoped key creating an app", func(h *harness) resp {
			return h.call("POST", "/v1/apps", h.appKey(BootstrapAppID, permVerifyCreate), map[string]any{"slug": "more", "display_name": "More", "workspace_id": BootstrapWorkspaceID})
		}},
		{deleteApp, 403, "", "app-scoped key deleting its app", func(h *harness) resp {
			return h.call("DELETE", demoApp, h.appKey(BootstrapAppID, permVerifyCreate), nil)
		}},
		{deleteApp, 404, "", "delete an unknown app", func(h *harness) resp { return h.call("DELETE", "/v1/apps/"+ghostAppID, h.apiKey, nil) }},
		{appStatus, 400, "", "un-archive an app", func(h *harness) resp {
			h.must(200, "PATCH", demoApp+"/status", h.apiKey, map[string]any{"status": "archived"})
			return h.call("PATCH", demoApp+"/status", h.apiKey, map[string]any{"status": "active"})
		}},
		{appStatus, 403, "", "app status with another app's key", func(h *harness) resp {
			return h.call("PATCH", demoApp+"/status", h.otherAppKey(), map[string]any{"status": "suspended"})
		}},
		{appStatus, 404, "", "status of an unknown app", func(h *harness) resp {
			return h.call("PATCH", "/v1/apps/"+ghostAppID+"/status", h.apiKey, map[string]any{"status": "suspended"})
		}},
		{auditLogs, 403, "", "audit logs with another app's key", func(h *harness) resp {
			return h.call("GET", demoApp+"/audit-logs", h.otherAppKey(), nil)
		}},
		{auditLogs, 404, "", "audit logs of an unknown app", func(h *harness) resp {
			return h.call("GET", "/v1/apps/"+ghostAppID+"/audit-logs", h.apiKey, nil)
		}},
		{"PATCH /v1/apps/{app_id}/notification-settings", 400, "", "notification settings of the wrong type", func(h *harness) resp {
			return h.call("PATCH", demoApp+"/notification-settings", h.apiKey, map[string]any{"notifications_via_envoi": "yes"})
		}},
		{"GET " + provider, 400, "", "unknown provider", func(h *harness) resp {
			return h.call("GET", demoApp+"/auth-config/providers/myspace", h.apiKey, nil)
		}},
		{"GET " + provider, 404, "", "provider not configured", func(h *harness) resp {
			h.must(204, "DELETE", demoApp+"/auth-config/providers/google", h.apiKey, nil)
			return h.call("GET", demoApp+"/auth-config/providers/google", h.apiKey, nil)
		}},
		{"PUT " + provider, 400, "", "provider config missing its client id", func(h *harness) resp {
			return h.call("PUT", demoApp+"/auth-config/providers/google", h.apiKey, map[string]any{"config": map[string]any{}})
		}},
		{"PATCH " + provider, 400, "", "patch an unknown provider", func(h *harness) resp {
			return h.call("PATCH", demoApp+"/auth-config/providers/myspace", h.apiKey, map[string]any{"enabled": false})
		}},
		{"PATCH " + provider, 404, "", "patch a provider not configured", func(h *harness) resp {
			h.must(204, "DELETE", demoApp+"/auth-config/providers/google", h.apiKey, nil)
			return h.call("PATCH", demoApp+"/auth-config/providers/google", h.apiKey, map[string]any{"enabled": false})
		}},
		{"DELETE " + provider, 400, "", "delete an unknown provider", func(h *harness) resp {
			return h.call("DELETE", demoApp+"/auth-config/providers/myspace", h.apiKey, nil)
		}},
		{"PUT " + webhook, 400, "", "webhook to a non-http URL", func(h *harness) resp {
			return h.call("PUT", demoApp+"/webhook", h.apiKey, map[string]any{"url": "ftp://example.com/x", "event_types": []string{"user.signup"}})
		}},
		{"POST " + webhook + "/rotate-secret", 404, "", "rotate the secret of no webhook", func(h *harness) resp {
			return h.call("POST", demoApp+"/webhook/rotate-secret", h.apiKey, nil)
		}},

		// Platform credentials and keys.
		{"POST " + creds, 400, "", "M2M client without a name", func(h *harness) resp {
			return h.call("POST", demoApp+"/credentials", h.apiKey, map[string]any{"name": ""})
		}},
		{"POST " + creds, 403, "", "M2M client with another app's key", func(h *harness) resp {
			return h.call("POST", demoApp+"/credentials", h.otherAppKey(), map[string]any{"name": "svc"})
		}},
		{"POST " + creds, 404, "", "M2M client of an unknown app", func(h *harness) resp {
			return h.call("POST", "/v1/apps/"+ghostAppID+"/credentials", h.apiKey, map[string]any{"name": "svc"})
		}},
		{"DELETE " + creds + "/{client_id}", 403, "", "delete an M2M client with another app's key", func(h *harness) resp {
			id := h.must(201, "POST", demoApp+"/credentials", h.apiKey, map[string]any{"name": "svc"}).str("client_id")
			return h.call("DELETE", demoApp+"/credentials/"+id, h.otherAppKey(), nil)
		}},
		{"DELETE " + creds + "/{client_id}", 404, "", "delete an unknown M2M client", func(h *harness) resp {
			return h.call("DELETE", demoApp+"/credentials/m2m_unknown", h.apiKey, nil)
		}},
		{"POST " + creds + "/{client_id}/rotate", 403, "", "rotate an M2M secret with another app's key", func(h *harness) resp {
			id := h.must(201, "POST", demoApp+"/credentials", h.apiKey, map[string]any{"name": "svc"}).str("client_id")
			return h.call("POST", demoApp+"/credentials/"+id+"/rotate", h.otherAppKey(), nil)
		}},
		{"POST " + creds + "/{client_id}/rotate", 404, "", "rotate an unknown M2M client", func(h *harness) resp {
			return h.call("POST", demoApp+"/credentials/m2m_unknown/rotate", h.apiKey, nil)
		}},
		{"POST /{app_slug}/v1/oauth/token", 401, "invalid_client", "wrong client secret", func(h *harness) resp {
			c := h.must(201, "POST", demoApp+"/credentials", h.apiKey, map[string]any{"name": "svc"})
			return h.call("POST", "/demo/v1/oauth/token", "", map[string]any{"grant_type": "client_credentials", "client_id": c.str("client_id"), "client_secret": "wrong"})
		}},
		{endUsers, 401, "", "missing admin key", func(h *harness) resp { return h.call("GET", demoApp+"/end-users", "", nil) }},
		{endUsers, 401, "", "unknown admin key", func(h *harness) resp { return h.call("GET", demoApp+"/end-users", "pcft_test_not_a_key", nil) }},
		{endUsers, 403, "", "app-scoped key on another app", func(h *harness) resp { return h.call("GET", demoApp+"/end-users", h.otherAppKey(), nil) }},
		{invites, 400, "", "invite with an unknown role", func(h *harness) resp {
			return h.call("POST", demoApp+"/end-users/invites", h.apiKey, map[string]any{"email": "x@example.com", "role_name": "ghost"})
		}},
		{invites, 409, "", "invite a member's address", func(h *harness) resp {
			h.signup("ada")
			return h.call("POST", demoApp+"/end-users/invites", h.apiKey, map[string]any{"email": "ada@example.com"})
		}},

		// Consumer routes: discovery, admin, roles, permissions.
		{"POST /{app_slug}/v1/auth/signin", 400, "", "reserved slug on a consumer route", func(h *harness) resp {
			return h.call("POST", "/__x/v1/auth/signin", "", map[string]any{"identifier": "a", "password": "b"})
		}},
		{"POST /{app_slug}/v1/auth/signin", 404, "", "unknown app", func(h *harness) resp {
			return h.call("POST", "/ghost/v1/auth/signin", "", map[string]any{"identifier": "a", "password": "b"})
		}},
		{"GET /{app_slug}/v1/.well-known/jwks.json", 404, "", "JWKS of an unknown app", func(h *harness) resp {
			return h.call("GET", "/ghost/v1/.well-known/jwks.json", "", nil)
		}},
		{"GET /{app_slug}/v1/.well-known/openid-configuration", 404, "", "discovery of an unknown app", func(h *harness) resp {
			return h.call("GET", "/ghost/v1/.well-known/openid-configuration", "", nil)
		}},
		{"POST /{app_slug}/v1/admin/roles", 409, "ROLE_EXISTS", "duplicate role", func(h *harness) resp {
			h.must(201, "POST", demoApp+"/roles", h.apiKey, map[string]any{"name": "editor"})
			return h.call("POST", "/demo/v1/admin/roles", h.apiKey, map[string]any{"name": "editor"})
		}},
		{"GET " + roleByName, 404, "", "unknown role", func(h *harness) resp { return h.call("GET", "/demo/v1/admin/roles/ghost", h.apiKey, nil) }},
		{"PATCH " + roleByName, 404, "", "update an unknown role", func(h *harness) resp {
			return h.call("PATCH", "/demo/v1/admin/roles/ghost", h.apiKey, map[string]any{"description": "x"})
		}},
		{"DELETE " + roleByName, 403, "", "delete system role", func(h *harness) resp { return h.call("DELETE", "/demo/v1/admin/roles/member", h.apiKey, nil) }},
		{"DELETE " + roleByName, 409, "ROLE_IN_USE", "delete role in use", func(h *harness) resp {
			h.must(201, "POST", demoApp+"/roles", h.apiKey, map[string]any{"name": "editor"})
			id := h.userID(h.signup("ada").str("access_token"))
			h.must(200, "PATCH", demoApp+"/end-users/"+id+"/role", h.apiKey, map[string]any{"role_name": "editor"})
			return h.call("DELETE", "/demo/v1/admin/roles/editor", h.apiKey, nil)
		}},
		{"PUT " + roleByName + "/permissions", 400, "", "grant an unknown permission", func(h *harness) resp {
			return h.call("PUT", "/demo/v1/admin/roles/member/permissions", h.apiKey, map[string]any{"permissions": []string{"doc.fly"}})
		}},
		{"PUT " + roleByName + "/permissions", 403, "", "narrow the owner role", func(h *harness) resp {
			return h.call("PUT", "/demo/v1/admin/roles/owner/permissions", h.apiKey, map[string]any{"permissions": []string{}})
		}},
		{"PUT " + roleByName + "/permissions", 404, "", "permissions of an unknown role", func(h *harness) resp {
			return h.call("PUT", "/demo/v1/admin/roles/ghost/permissions", h.apiKey, map[string]any{"permissions": []string{}})
		}},
		{"POST /{app_slug}/v1/admin/permissions", 409, "PERMISSION_EXISTS", "duplicate permission", func(h *harness) resp {
			h.must(201, "POST", demoApp+"/permissions", h.apiKey, map[string]any{"resource": "doc", "action": "read"})
			return h.call("POST", "/demo/v1/admin/permissions", h.apiKey, map[string]any{"resource": "doc", "action": "read"})
		}},
		{permByKey, 400, "", "permission key without an action", func(h *harness) resp {
			return h.call("DELETE", "/demo/v1/admin/permissions/doc", h.apiKey, nil)
		}},
		{permByKey, 403, "", "delete a system permission", func(h *harness) resp {
			return h.call("DELETE", "/demo/v1/admin/permissions/user.read", h.apiKey, nil)
		}},
		{permByKey, 404, "", "delete an unknown permission", func(h *harness) resp {
			return h.call("DELETE", "/demo/v1/admin/permissions/doc.fly", h.apiKey, nil)
		}},
		{"GET " + adminUsers + "/{user_id}", 404, "", "unknown user", func(h *harness) resp {
			return h.call("GET", "/demo/v1/admin/users/"+newID(), h.apiKey, nil)
		}},
		{"POST " + adminUsers, 400, "", "create a user with a bad email", func(h *harness) resp {
			return h.call("POST", "/demo/v1/admin/users", h.apiKey, map[string]any{"email": "not-an-email"})
		}},
		{"POST " + adminUsers, 409, "USERNAME_TAKEN", "create a user with a taken username", func(h *harness) resp {
			h.signup("ada")
			return h.call("POST", "/demo/v1/admin/users", h.apiKey, map[string]any{"email": "ada.two@example.com", "username": "ada"})
		}},

		// Invites.
		{acceptInv, 404, "", "accept an unknown invite", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/accept-invite", "", map[string]any{"code": "no-such-code", "password": "password-new"})
		}},
		{acceptInv, 409, "EMAIL_TAKEN", "accept an invite whose address signed up meanwhile", func(h *harness) resp {
			code := h.must(201, "POST", demoApp+"/end-users/invites", h.apiKey, map[string]any{"email": "ada@example.com"}).str("code")
			h.signup("ada")
			return h.call("POST", "/demo/v1/auth/accept-invite", "", map[string]any{"code": code, "password": "password-new", "username": "ada2"})
		}},
		{acceptInv, 410, "invite_unavailable", "accept an expired invite", func(h *harness) resp {
			code := h.must(201, "POST", demoApp+"/end-users/invites", h.apiKey, map[string]any{"email": "slow@example.com", "expires_in_hours": 1}).str("code")
			h.clk.Advance(61 * time.Minute)
			return h.call("POST", "/demo/v1/auth/accept-invite", "", map[string]any{"code": code, "password": "password-slow"})
		}},

		// /me.
		{"GET " + me, 401, "", "me without a token", func(h *harness) resp { return h.call("GET", "/demo/v1/me", "", nil) }},
		{"GET " + me, 401, "malformed", "me with a garbage token", func(h *harness) resp { return h.call("GET", "/demo/v1/me", "not.a.jwt", nil) }},
		{"POST " + me + "/change-password", 401, "", "change password with the wrong current one", func(h *harness) resp {
			up := h.signup("ada")
			return h.call("POST", "/demo/v1/me/change-password", up.str("access_token"), map[string]any{"current_password": "nope", "new_password": "password-new"})
		}},
		{"PATCH " + me, 409, "USERNAME_TAKEN", "username taken on PATCH /me", func(h *harness) resp {
			h.signup("bob")
			up := h.signup("ada")
			return h.call("PATCH", "/demo/v1/me", up.str("access_token"), map[string]any{"username": "Bob"})
		}},
		{"POST " + me + "/contacts/{id}/promote", 409, "CONTACT_UNVERIFIED", "promote an unverified contact", func(h *harness) resp {
			up := h.signup("ada")
			c := h.must(201, "POST", "/demo/v1/me/contacts", up.str("access_token"), map[string]any{"type": "email", "value": "ada2@example.com"})
			return h.call("POST", "/demo/v1/me/contacts/"+c.str("id")+"/promote", up.str("access_token"), nil)
		}},
		{"POST " + me + "/avatar", 415, "", "avatar that is no image", func(h *harness) resp {
			st, _ := h.upload(h.signup("ada").str("access_token"), []byte("plain text, not a picture"), "a.txt")
			return resp{status: st}
		}},
		{"POST " + me + "/avatar", 413, "", "avatar over the size limit", func(h *harness) resp {
			big := append(append([]byte{}, pngBytes...), make([]byte, maxAvatarBytes)...)
			st, _ := h.upload(h.signup("ada").str("access_token"), big, "big.png")
			return resp{status: st}
		}},
		{"GET /{app_slug}/v1/avatars/{account_id}", 404, "", "no avatar", func(h *harness) resp {
			return h.call("GET", "/demo/v1/avatars/"+h.userID(h.signup("ada").str("access_token")), "", nil)
		}},

		// MFA.
		{"POST " + me + "/mfa/factors/{id}/verify", 400, "", "confirm a factor with a wrong code", func(h *harness) resp {
			tok := h.signup("ada").str("access_token")
			id := h.must(201, "POST", "/demo/v1/me/mfa/factors", tok, map[string]any{"type": "totp"}).body["factor"].(map[string]any)["id"].(string)
			return h.call("POST", "/demo/v1/me/mfa/factors/"+id+"/verify", tok, map[string]any{"codes": []string{"000000", "000000"}})
		}},
		{mfaVerify, 401, "mfa_code_invalid", "wrong MFA code", func(h *harness) resp {
			h.emailFactorUser("ada")
			return h.call("POST", "/demo/v1/auth/mfa/verify", "", map[string]any{"mfa_token": h.challenge("ada"), "code": "000000"})
		}},
		{mfaVerify, 429, "mfa_locked", "MFA challenge after five wrong codes", func(h *harness) resp {
			h.emailFactorUser("ada")
			ch := h.challenge("ada")
			for i := 0; i < maxChallengeTries; i++ {
				h.must(401, "POST", "/demo/v1/auth/mfa/verify", "", map[string]any{"mfa_token": ch, "code": "000000"})
			}
			return h.call("POST", "/demo/v1/auth/mfa/verify", "", map[string]any{"mfa_token": ch, "code": "000000"})
		}},
		{mfaRecover, 401, "recovery_code_invalid", "wrong recovery code", func(h *harness) resp {
			h.emailFactorUser("ada")
			return h.call("POST", "/demo/v1/auth/mfa/recover", "", map[string]any{"mfa_token": h.challenge("ada"), "recovery_code": "0000-0000-0000-0000"})
		}},
		{mfaRecover, 429, "mfa_locked", "recovery after five wrong codes", func(h *harness) resp {
			h.emailFactorUser("ada")
			ch := h.challenge("ada")
			for i := 0; i < maxChallengeTries; i++ {
				h.must(401, "POST", "/demo/v1/auth/mfa/recover", "", map[string]any{"mfa_token": ch, "recovery_code": "0000-0000-0000-0000"})
			}
			return h.call("POST", "/demo/v1/auth/mfa/recover", "", map[string]any{"mfa_token": ch, "recovery_code": "0000-0000-0000-0000"})
		}},
		{mfaSend, 400, "", "MFA code to a factor not on the challenge", func(h *harness) resp {
			h.emailFactorUser("ada")
			return h.call("POST", "/demo/v1/auth/mfa/send-code", "", map[string]any{"mfa_token": h.challenge("ada"), "factor_id": newID()})
		}},
		{mfaSend, 401, "mfa_token_invalid", "MFA code for an unknown challenge", func(h *harness) resp {
			_, id := h.emailFactorUser("ada")
			return h.call("POST", "/demo/v1/auth/mfa/send-code", "", map[string]any{"mfa_token": "not-a-challenge", "factor_id": id})
		}},
		{mfaSend, 410, "contact_gone", "MFA code to a deleted address", func(h *harness) resp {
			_, id := h.orphanedEmailFactor("ada")
			return h.call("POST", "/demo/v1/auth/mfa/send-code", "", map[string]any{"mfa_token": h.challenge("ada"), "factor_id": id})
		}},
		{mfaSend, 412, "ENVOI_NOT_ENABLED", "MFA code with mail off", func(h *harness) resp {
			_, id := h.emailFactorUser("ada")
			ch := h.challenge("ada")
			h.mailOff()
			return h.call("POST", "/demo/v1/auth/mfa/send-code", "", map[string]any{"mfa_token": ch, "factor_id": id})
		}},
		{mfaSend, 429, "mfa_send_throttled", "MFA codes sent too fast", func(h *harness) resp {
			_, id := h.emailFactorUser("ada")
			ch := h.challenge("ada")
			h.must(200, "POST", "/demo/v1/auth/mfa/send-code", "", map[string]any{"mfa_token": ch, "factor_id": id})
			return h.call("POST", "/demo/v1/auth/mfa/send-code", "", map[string]any{"mfa_token": ch, "factor_id": id})
		}},
		{stepUp, 401, "mfa_code_invalid", "wrong step-up code", func(h *harness) resp {
			tok, _ := h.emailFactorUser("ada")
			return h.call("POST", "/demo/v1/me/mfa/step-up", tok, map[string]any{"code": "000000"})
		}},
		{stepUp, 429, "step_up_locked", "step-up after five wrong codes", func(h *harness) resp {
			tok, _ := h.emailFactorUser("ada")
			for i := 0; i < maxChallengeTries; i++ {
				h.must(401, "POST", "/demo/v1/me/mfa/step-up", tok, map[string]any{"code": "000000"})
			}
			return h.call("POST", "/demo/v1/me/mfa/step-up", tok, map[string]any{"code": "000000"})
		}},
		{stepUpSend, 400, "", "step-up code without an email factor", func(h *harness) resp {
			return h.call("POST", "/demo/v1/me/mfa/step-up/send-code", h.signup("ada").str("access_token"), map[string]any{})
		}},
		{stepUpSend, 410, "contact_gone", "step-up code to a deleted address", func(h *harness) resp {
			tok, _ := h.orphanedEmailFactor("ada")
			return h.call("POST", "/demo/v1/me/mfa/step-up/send-code", tok, map[string]any{})
		}},
		{stepUpSend, 412, "ENVOI_NOT_ENABLED", "step-up code with mail off", func(h *harness) resp {
			tok, _ := h.emailFactorUser("ada")
			h.mailOff()
			return h.call("POST", "/demo/v1/me/mfa/step-up/send-code", tok, map[string]any{})
		}},
		{stepUpSend, 429, "mfa_send_throttled", "step-up codes sent too fast", func(h *harness) resp {
			tok, _ := h.emailFactorUser("ada")
			h.must(200, "POST", "/demo/v1/me/mfa/step-up/send-code", tok, map[string]any{})
			return h.call("POST", "/demo/v1/me/mfa/step-up/send-code", tok, map[string]any{})
		}},

		// Federated sign-in.
		{native, 401, "nonce_mismatch", "ID token bound to another nonce", func(h *harness) resp {
			tok := h.mintIDToken("google", map[string]any{"email": "fed@example.com", "nonce": testNonce("minted")})
			return h.call("POST", "/demo/v1/auth/oauth/google", "", map[string]any{"id_token": tok, "nonce": testNonce("other")})
		}},
		{native, 409, "link_required", "ID token for a verified address of another account", func(h *harness) resp {
			h.verifiedUser("lena")
			n := testNonce("link")
			tok := h.mintIDToken("google", map[string]any{"email": "lena@example.com", "nonce": n})
			return h.call("POST", "/demo/v1/auth/oauth/google", "", map[string]any{"id_token": tok, "nonce": n})
		}},
		{"GET /{app_slug}/v1/auth/oauth/{provider}/authorize", 400, "web_flow_disabled", "web flow without allowed origins", func(h *harness) resp {
			return h.call("GET", "/demo/v1/auth/oauth/google/authorize?return_to="+url.QueryEscape("https://app.example.com/"), "", nil)
		}},
		{webCallback, 400, "invalid_state", "web callback with an unknown state", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/oauth/apple/callback", "", map[string]any{"state": "no-such-state", "code": "x"})
		}},
		{webCallback, 401, "nonce_mismatch", "web callback with an ID token for another nonce", func(h *harness) resp {
			h.setAuthConfig(map[string]any{"allowed_redirect_origins": []string{"https://app.example.com"}})
			auth := h.noFollow("GET", "/demo/v1/auth/oauth/apple/authorize?return_to="+url.QueryEscape("https://app.example.com/cb"), nil)
			loc, _ := url.Parse(auth.Header.Get("Location"))
			q := loc.Query()
			tok := h.mintIDToken("apple", map[string]any{"email": "pia@example.com", "nonce": testNonce("wrong"), "aud": q.Get("client_id")})
			return h.call("POST", "/demo/v1/auth/oauth/apple/callback", "", map[string]any{"state": q.Get("state"), "id_token": tok})
		}},
		{exchange, 401, "invalid_code", "exchange an unknown code", func(h *harness) resp {
			return h.call("POST", "/demo/v1/auth/oauth/exchange", "", map[string]any{"code": strings.Repeat("z", 43)})
		}},
		{exchange, 403, "code_wrong_app", "exchange another app's code", func(h *harness) resp {
			code := h.webCode()
			h.otherApp()
			return h.call("POST", "/other/v1/auth/oauth/exchange", "", map[string]any{"code": code})
		}},

		// Tenants (consumer routes, with the owner key unless said).
		{"POST " + tenants, 400, "", "tenant without a display name", func(h *harness) resp {
			return h.call("POST", "/demo/v1/tenants", h.apiKey, map[string]any{"display_name": ""})
		}},
		{"POST " + tenants, 401, "", "tenant without credentials", func(h *harness) resp {
			return h.call("POST", "/demo/v1/tenants", "", map[string]any{"display_name": "Acme"})
		}},
		{"POST " + tenants, 403, "", "tenant with a PAK lacking auth.tenant.create", func(h *harness) resp {
			return h.call("POST", "/demo/v1/tenants", h.appKey(BootstrapAppID, permTenantRead), map[string]any{"display_name": "Acme"})
		}},
		{"POST " + tenants, 404, "", "tenant in an unknown app", func(h *harness) resp {
			return h.call("POST", "/ghost/v1/tenants", h.apiKey, map[string]any{"display_name": "Acme"})
		}},
		{"POST " + tenants, 409, "SLUG_TAKEN", "tenant with a taken slug", func(h *harness) resp {
			h.tenant("acme")
			return h.call("POST", "/demo/v1/tenants", h.apiKey, map[string]any{"display_name": "Acme again", "slug": "acme"})
		}},
		{"GET " + tenantByID, 404, "", "unknown tenant", func(h *harness) resp { return h.call("GET", "/demo/v1/tenants/"+newID(), h.apiKey, nil) }},
		{"DELETE " + tenantByID, 404, "", "delete an unknown tenant", func(h *harness) resp {
			return h.call("DELETE", "/demo/v1/tenants/"+newID(), h.apiKey, nil)
		}},
		{"PATCH " + tenantByID, 400, "", "tenant patch with a bad slug", func(h *harness) resp {
			return h.call("PATCH", "/demo/v1/tenants/"+h.tenant("acme"), h.apiKey, map[string]any{"slug": "Not A Slug!"})
		}},
		{"PATCH " + tenantByID, 404, "", "patch an unknown tenant", func(h *harness) resp {
			return h.call("PATCH", "/demo/v1/tenants/"+newID(), h.apiKey, map[string]any{"display_name": "x"})
		}},
		{"PATCH " + tenantByID, 409, "SLUG_TAKEN", "tenant patch onto a taken slug", func(h *harness) resp {
			h.tenant("acme")
			return h.call("PATCH", "/demo/v1/tenants/"+h.tenant("bolt"), h.apiKey, map[string]any{"slug": "acme"})
		}},
		{"POST " + members, 400, "", "member with an unknown role", func(h *harness) resp {
			return h.call("POST", "/demo/v1/tenants/"+h.tenant("acme")+"/members", h.apiKey, map[string]any{"email": "x@example.com", "role_name": "ghost"})
		}},
		{"POST " + members, 404, "", "member with an unknown account", func(h *harness) resp {
			return h.call("POST", "/demo/v1/tenants/"+h.tenant("acme")+"/members", h.apiKey, map[string]any{"account_id": newID(), "role_name": "member"})
		}},
		{"POST " + members, 409, "MEMBER_EXISTS", "member added twice", func(h *harness) resp {
			tid := h.tenant("acme")
			h.must(201, "POST", "/demo/v1/tenants/"+tid+"/members", h.apiKey, map[string]any{"email": "x@example.com", "role_name": "member"})
			return h.call("POST", "/demo/v1/tenants/"+tid+"/members", h.apiKey, map[string]any{"email": "x@example.com", "role_name": "member"})
		}},
		{"DELETE " + member, 404, "", "remove a non-member", func(h *harness) resp {
			id := h.userID(h.signup("ada").str("access_token"))
			return h.call("DELETE", "/demo/v1/tenants/"+h.tenant("acme")+"/members/"+id, h.apiKey, nil)
		}},
		{"PATCH " + member, 400, "", "member role that does not exist", func(h *harness) resp {
			tid := h.tenant("acme")
			id := h.must(201, "POST", "/demo/v1/tenants/"+tid+"/members", h.apiKey, map[string]any{"email": "x@example.com", "role_name": "member"}).str("account_id")
			return h.call("PATCH", "/demo/v1/tenants/"+tid+"/members/"+id, h.apiKey, map[string]any{"role_name": "ghost"})
		}},
		{"PATCH " + member, 404, "", "role of a non-member", func(h *harness) resp {
			id := h.userID(h.signup("ada").str("access_token"))
			return h.call("PATCH", "/demo/v1/tenants/"+h.tenant("acme")+"/members/"+id, h.apiKey, map[string]any{"role_name": "member"})
		}},

		// A call the router cannot carry: introspection without a bearer is
		// refused by request validation (400) before the handler's 401.
		{"", 401, "", "introspect without a bearer", func(h *harness) resp {
			return h.direct2("POST", "/demo/v1/oauth/introspect", h.d.introspect)
		}},
	}
}

// TestErrorTable walks each case and checks status, code, the NestJS body
// (the harness checks its shape on every error) and that the answer came
// from the operation the case names.
func TestErrorTable(t *testing.T) {
	doc := newestSpec(t)
	for _, c := range errorCases() {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			r := c.run(h)
			if r.status != c.status {
				t.Fatalf("status %d, want %d: %s", r.status, c.status, r.raw)
			}
			if c.code != "" && r.str("code") != c.code {
				t.Fatalf("code %q, want %q: %s", r.str("code"), c.code, r.raw)
			}
			if c.op == "" {
				return
			}
			method, path, _ := strings.Cut(c.op, " ")
			item := doc.Paths.Find(path)
			if item == nil || item.GetOperation(method) == nil {
				t.Fatalf("%s is no operation of the newest spec", c.op)
			}
			last := h.journal.List(1)
			if len(last) == 0 || last[0].OperationID != item.GetOperation(method).OperationID || last[0].Status != c.status {
				got := "no call"
				if len(last) > 0 {
					got = last[0].Method + " " + last[0].Path + " (" + last[0].OperationID + ") → " + strconv.Itoa(last[0].Status)
				}
				t.Fatalf("the last call was %s, want %s → %d", got, c.op, c.status)
			}
		})
	}
}

// unreachableLine is one entry of doc.go's list of documented errors the
// mock cannot answer: a tab-indented "METHOD /template STATUS: reason".
var unreachableLine = regexp.MustCompile(`^//\t(GET|POST|PUT|PATCH|DELETE) (/\S+) (4\d\d): (\S.*)$`)

// documentedUnreachable reads that list from doc.go.
func documentedUnreachable(t *testing.T) map[string]string {
	t.Helper()
	src, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(src), "\n") {
		if m := unreachableLine.FindStringSubmatch(line); m != nil {
			out[m[1]+" "+m[2]+" "+m[3]] = m[4]
		}
	}
	return out
}

// TestErrorTableCoversTheSpec fails when a 4xx that the newest spec
// documents is neither reached by a row of the error table nor listed in
// doc.go as unreachable, so the table cannot fall behind the spec; and
// when the unreachable list names something the table reaches or the spec
// does not document.
func TestErrorTableCoversTheSpec(t *testing.T) {
	doc := newestSpec(t)
	reached := map[string]bool{}
	for _, c := range errorCases() {
		reached[c.op+" "+strconv.Itoa(c.status)] = true
	}
	unreachable := documentedUnreachable(t)
	documented := map[string]bool{}
	var missing []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status := range op.Responses.Map() {
				if len(status) != 3 || status[0] != '4' {
					continue
				}
				key := method + " " + path + " " + status
				documented[key] = true
				if !reached[key] && unreachable[key] == "" {
					missing = append(missing, key)
				}
			}
		}
	}
	sort.Strings(missing)
	for _, key := range missing {
		t.Errorf("documented but neither in the error table nor listed as unreachable in doc.go: %s", key)
	}
	for key := range unreachable {
		switch {
		case reached[key]:
			t.Errorf("doc.go lists %s as unreachable, but the error table reaches it", key)
		case !documented[key]:
			t.Errorf("doc.go lists %s as unreachable, but the newest spec does not document it", key)
		}
	}
}

// TestWrongPasswordAndUnknownUserLookAlike: signin must not reveal which
// identifiers exist.
func TestWrongPasswordAndUnknownUserLookAlike(t *testing.T) {
	h := newHarness(t)
	h.signup("ada")
	wrong := signinAs(h, "ada", "wrong-password")
	unknown := signinAs(h, "nobody", "wrong-password")
	if wrong.status != 401 || string(wrong.raw) != string(unknown.raw) {
		t.Fatalf("wrong password %d %s vs unknown user %d %s", wrong.status, wrong.raw, unknown.status, unknown.raw)
	}
}
