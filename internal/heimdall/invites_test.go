package heimdall

import (
	"testing"
	"time"
)

func TestInviteFlow(t *testing.T) {
	h := newHarness(t)
	base := "/v1/apps/" + BootstrapAppID + "/end-users/invites"
	h.must(201, "POST", "/v1/apps/"+BootstrapAppID+"/roles", h.apiKey, map[string]any{"name": "editor"})
	inv := h.must(201, "POST", base, h.apiKey, map[string]any{"email": "new@example.com", "role_name": "editor", "max_uses": 1})
	code := inv.str("code")
	if mailed := h.outboxCode("new@example.com", "invite"); mailed != code {
		t.Fatalf("mailed %q, created %q", mailed, code)
	}
	list := h.must(200, "GET", base, h.apiKey, nil)
	if n := len(list.body["data"].([]any)); n != 1 {
		t.Fatalf("invites = %s", list.raw)
	}
	tok := h.must(200, "POST", "/demo/v1/auth/accept-invite", "", map[string]any{"code": code, "password": "password-new", "username": "newbie"})
	me := h.must(200, "GET", "/demo/v1/me", tok.str("access_token"), nil)
	if me.str("role") != "editor" || me.str("email_verified_at") == "" {
		t.Fatalf("invited user = %s", me.raw)
	}
	// Invited emails are verified, so they sign in at once.
	h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "new@example.com", "password": "password-new"})

	h.must(410, "POST", "/demo/v1/auth/accept-invite", "", map[string]any{"code": code, "password": "password-new"})
	h.must(404, "POST", "/demo/v1/auth/accept-invite", "", map[string]any{"code": "no-such-code", "password": "password-new"})
	h.must(409, "POST", base, h.apiKey, map[string]any{"email": "new@example.com"})
	h.must(400, "POST", base, h.apiKey, map[string]any{"email": "x@example.com", "role_name": "ghost"})

	revoked := h.must(201, "POST", base, h.apiKey, map[string]any{"email": "late@example.com"})
	h.must(204, "DELETE", base+"/"+revoked.str("id"), h.apiKey, nil)
	h.must(410, "POST", "/demo/v1/auth/accept-invite", "", map[string]any{"code": revoked.str("code"), "password": "password-late"})
	// Accepted already: a second acceptance of an invite with uses left
	// meets the account the first one made (409); a used-up one is 410.
	twice := h.must(201, "POST", base, h.apiKey, map[string]any{"email": "twice@example.com", "max_uses": 2})
	if h.outboxCode("twice@example.com", "invite") != twice.str("code") {
		t.Fatal("the two-use invite was not mailed")
	}
	h.must(200, "POST", "/demo/v1/auth/accept-invite", "", map[string]any{"code": twice.str("code"), "password": "password-twice"})
	again := h.must(409, "POST", "/demo/v1/auth/accept-invite", "", map[string]any{"code": twice.str("code"), "password": "password-twice"})
	if again.str("code") != "EMAIL_TAKEN" && again.str("code") != "USERNAME_TAKEN" {
		t.Fatalf("second acceptance: %s", again.raw)
	}
	expiring := h.must(201, "POST", base, h.apiKey, map[string]any{"email": "slow@example.com", "expires_in_hours": 1})
	h.clk.Advance(61 * time.Minute)
	h.must(410, "POST", "/demo/v1/auth/accept-invite", "", map[string]any{"code": expiring.str("code"), "password": "password-slow"})
}
