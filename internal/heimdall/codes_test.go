package heimdall

import (
	"testing"
	"time"
)

func TestVerificationFlow(t *testing.T) {
	h := newHarness(t)
	h.signup("ada")
	// Signup mails a code (mail is on in the bootstrap app); minting a new
	// one through the API retires it.
	mailed := h.outboxCode("ada@example.com", kindVerification)
	minted := h.must(201, "POST", "/demo/v1/auth/request-verification", h.apiKey, map[string]any{"email": "ada@example.com"})
	code := minted.str("code")
	if len(code) != 6 || minted.str("expires_at") == "" {
		t.Fatalf("mint = %s", minted.raw)
	}
	if mailed != code {
		h.must(410, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": mailed})
	}
	// The email is not verified yet, so it does not sign in.
	h.must(401, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada@example.com", "password": "password-ada"})
	v := h.must(200, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": code})
	if v.str("value") != "ada@example.com" || v.str("type") != "email" || v.str("verified_at") == "" {
		t.Fatalf("verify = %s", v.raw)
	}
	h.must(410, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": code}) // single use
	h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada@example.com", "password": "password-ada"})

	// A verified or unknown contact gets {}, as the description says (its
	// schema disagrees; strict mode lets the prose win), and so does a
	// reset for an unknown or unverified address, and the send-* calls.
	for _, c := range []struct{ path, email string }{
		{"/demo/v1/auth/request-verification", "ada@example.com"},
		{"/demo/v1/auth/request-verification", "nobody@example.com"},
		{"/demo/v1/auth/request-password-reset", "nobody@example.com"},
		{"/demo/v1/auth/send-password-reset-email", "nobody@example.com"},
		{"/demo/v1/auth/send-verification-email", "ada@example.com"},
	} {
		if r := h.must(201, "POST", c.path, h.apiKey, map[string]any{"email": c.email}); string(r.raw) != "{}" {
			t.Errorf("%s %s: %s, want {}", c.path, c.email, r.raw)
		}
	}

	// send-verification-email puts a code in the outbox, not in the answer.
	h.signup("bob")
	sent := h.must(201, "POST", "/demo/v1/auth/send-verification-email", h.apiKey, map[string]any{"email": "bob@example.com"})
	if _, has := sent.body["code"]; has || sent.str("expires_at") == "" {
		t.Fatalf("send = %s", sent.raw)
	}
	bobCode := h.outboxCode("bob@example.com", kindVerification)
	// Expired codes are gone too.
	h.clk.Advance(verificationTTL + time.Minute)
	h.must(410, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": bobCode})
}

func TestPasswordResetFlow(t *testing.T) {
	h := newHarness(t)
	first := h.signup("ada")
	h.must(200, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": h.outboxCode("ada@example.com", kindVerification)})
	second := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"})

	h.must(201, "POST", "/demo/v1/auth/send-password-reset-email", h.apiKey, map[string]any{"email": "ada@example.com"})
	code := h.outboxCode("ada@example.com", kindPasswordReset)
	h.must(204, "POST", "/demo/v1/auth/reset-password", "", map[string]any{"code": code, "new_password": "brand-new-pass"})
	h.must(410, "POST", "/demo/v1/auth/reset-password", "", map[string]any{"code": code, "new_password": "another-pass-1"})

	// Every session is gone; the old password no longer works.
	for _, s := range []resp{first, second} {
		h.must(401, "POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": s.str("refresh_token")})
		h.must(401, "GET", "/demo/v1/me", s.str("access_token"), nil)
	}
	h.must(401, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"})
	h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada@example.com", "password": "brand-new-pass"})

	// Minting through the API: only the newest code works, and it expires.
	c1 := h.must(201, "POST", "/demo/v1/auth/request-password-reset", h.apiKey, map[string]any{"email": "ada@example.com"}).str("code")
	c2 := h.must(201, "POST", "/demo/v1/auth/request-password-reset", h.apiKey, map[string]any{"email": "ada@example.com"}).str("code")
	if c1 != c2 {
		h.must(410, "POST", "/demo/v1/auth/reset-password", "", map[string]any{"code": c1, "new_password": "third-pass-12"})
	}
	h.clk.Advance(passwordResetTTL + time.Second)
	h.must(410, "POST", "/demo/v1/auth/reset-password", "", map[string]any{"code": c2, "new_password": "third-pass-12"})
}

func TestMaxSessionsEvictsOldest(t *testing.T) {
	h := newHarness(t)
	h.must(200, "PATCH", "/v1/apps/"+BootstrapAppID+"/auth-config", h.apiKey, map[string]any{"max_sessions": 2})
	first := h.signup("ada")
	h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"})
	third := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"})
	h.must(401, "GET", "/demo/v1/me", first.str("access_token"), nil)
	list := h.must(200, "GET", "/demo/v1/me/sessions", third.str("access_token"), nil)
	data := list.body["data"].([]any)
	if len(data) != 2 || data[0].(map[string]any)["is_current"] != true {
		t.Fatalf("sessions = %s", list.raw)
	}
}
