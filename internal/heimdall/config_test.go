package heimdall

import (
	"testing"
	"time"
)

func TestAuthConfigDrivesBehaviour(t *testing.T) {
	h := newHarness(t)
	cfgPath := "/v1/apps/" + BootstrapAppID + "/auth-config"
	signup := func(name, email, pw string) resp {
		return h.call("POST", "/demo/v1/auth/signup", h.apiKey, map[string]any{"username": name, "email": email, "password": pw})
	}
	h.must(200, "PATCH", cfgPath, h.apiKey, map[string]any{
		"signup_allowed_email_domains": []string{"corp.example"},
		"password_require_number":      true, "password_require_symbol": true, "password_require_uppercase": true,
		"password_min_length": 10, "session_duration_minutes": 30,
	})
	if r := signup("ada", "ada@other.example", "Str0ng!pass"); r.status != 403 || r.str("code") != "email_domain_not_allowed" {
		t.Fatalf("foreign domain: %d %s", r.status, r.raw)
	}
	weak := signup("ada", "ada@corp.example", "weakpassword")
	if weak.status != 400 || len(weak.body["message"].([]any)) != 3 {
		t.Fatalf("weak password: %d %s", weak.status, weak.raw)
	}
	up := signup("ada", "ada@CORP.example", "Str0ng!pass")
	if up.status != 200 {
		t.Fatalf("good signup: %d %s", up.status, up.raw)
	}
	// Access tokens are capped at the 30-minute session; the session slides
	// with each refresh and ends 30 minutes after the last one.
	if up.body["expires_in"] != float64(30*60) {
		t.Fatalf("expires_in = %v", up.body["expires_in"])
	}
	h.clk.Advance(20 * time.Minute)
	r := h.must(200, "POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": up.str("refresh_token")})
	h.clk.Advance(20 * time.Minute)
	r = h.must(200, "POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": r.str("refresh_token")})
	h.clk.Advance(31 * time.Minute)
	h.must(401, "POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": r.str("refresh_token")})

	h.must(200, "PATCH", cfgPath, h.apiKey, map[string]any{"signin_enabled": false})
	if r := h.call("POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "Str0ng!pass"}); r.status != 403 || r.str("code") != "signin_disabled" {
		t.Fatalf("signin disabled: %d %s", r.status, r.raw)
	}
	h.must(400, "PATCH", cfgPath, h.apiKey, map[string]any{"signup_default_role": "ghost"})
	h.must(400, "PATCH", cfgPath, h.apiKey, map[string]any{"session_duration_minutes": 0})
	got := h.must(200, "GET", cfgPath, h.apiKey, nil)
	if got.body["password_min_length"] != float64(10) || got.body["signin_enabled"] != false {
		t.Fatalf("config = %s", got.raw)
	}
}
