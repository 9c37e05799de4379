package heimdall

import (
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// TestTOTPMatchesRFC6238 checks the code function against the RFC's SHA-1
// test vector (secret "12345678901234567890", 8 digits there; the last six
// digits are what a 6-digit authenticator shows).
func TestTOTPMatchesRFC6238(t *testing.T) {
	secret := "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // base32 of 12345678901234567890
	for _, c := range []struct {
		unix int64
		want string
	}{{59, "287082"}, {1111111109, "081804"}, {1234567890, "005924"}, {2000000000, "279037"}} {
		got, ok := totpCode(secret, c.unix/totpPeriod)
		if !ok || got != c.want {
			t.Errorf("T=%d: %q, want %q", c.unix, got, c.want)
		}
	}
	if _, ok := totpCode("not base32!", 1); ok {
		t.Error("a malformed secret produced a code")
	}
}

func TestMaskEmail(t *testing.T) {
	for in, want := range map[string]string{"alice@example.com": "a***e@e***e.com", "bo@x.io": "b***@x***.io", "bad": "***"} {
		if got := maskEmail(in); got != want {
			t.Errorf("maskEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func claimsOf(t *testing.T, token string) map[string]any {
	t.Helper()
	parsed, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := parsed.UnsafeClaimsWithoutVerification(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTOTPEnrollmentAndChallenge(t *testing.T) {
	h := newHarness(t)
	tok := h.signup("ada").str("access_token")
	start := h.must(201, "POST", "/demo/v1/me/mfa/factors", tok, map[string]any{"type": "totp", "label": "phone"})
	factor := start.body["factor"].(map[string]any)
	secret := start.body["enrollment"].(map[string]any)["secret"].(string)
	if factor["enabled"] != false {
		t.Fatalf("new factor enabled: %s", start.raw)
	}
	// Still pending: sign-in is not challenged yet.
	if r := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"}); r.body["mfa_required"] != nil {
		t.Fatalf("challenged before enrollment: %s", r.raw)
	}
	step := totpStep(h.clk.Now())
	c1, _ := totpCode(secret, step-1)
	c2, _ := totpCode(secret, step)
	h.must(400, "POST", "/demo/v1/me/mfa/factors/"+factor["id"].(string)+"/verify", tok, map[string]any{"codes": []string{c2, c1}})
	conf := h.must(200, "POST", "/demo/v1/me/mfa/factors/"+factor["id"].(string)+"/verify", tok, map[string]any{"codes": []string{c1, c2}})
	recovery := conf.body["recovery_codes"].([]any)
	if len(recovery) != recoveryCodeCount {
		t.Fatalf("confirm = %s", conf.raw)
	}
	h.must(400, "POST", "/demo/v1/me/mfa/factors/"+factor["id"].(string)+"/verify", tok, map[string]any{"codes": []string{c1, c2}})

	// Now sign-in answers a challenge; a TOTP code completes it.
	ch := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"})
	if ch.body["mfa_required"] != true || len(ch.body["factors"].([]any)) != 1 {
		t.Fatalf("challenge = %s", ch.raw)
	}
	h.must(401, "POST", "/demo/v1/auth/mfa/verify", "", map[string]any{"mfa_token": ch.str("mfa_token"), "code": "000000x"})
	h.clk.Advance(totpPeriod * time.Second) // enrollment spent the current step
	code, _ := totpCode(secret, totpStep(h.clk.Now()))
	done := h.must(200, "POST", "/demo/v1/auth/mfa/verify", "", map[string]any{"mfa_token": ch.str("mfa_token"), "code": code})
	claims := claimsOf(t, done.str("access_token"))
	if amr := claims["amr"].([]any); len(amr) != 2 || amr[1] != "totp" || claims["mfa_at"] == nil {
		t.Fatalf("claims = %v", claims)
	}
	h.must(401, "POST", "/demo/v1/auth/mfa/verify", "", map[string]any{"mfa_token": ch.str("mfa_token"), "code": code}) // single use
	// The same TOTP code is refused on a new challenge too: no replay.
	replay := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"})
	h.must(401, "POST", "/demo/v1/auth/mfa/verify", "", map[string]any{"mfa_token": replay.str("mfa_token"), "code": code})

	// A recovery code, hyphens optional, works once.
	ch = h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"})
	rc := recovery[0].(string)
	plain := rc[:4] + rc[5:9] + rc[10:14] + rc[15:]
	rec := h.must(200, "POST", "/demo/v1/auth/mfa/recover", "", map[string]any{"mfa_token": ch.str("mfa_token"), "recovery_code": plain})
	if amr := claimsOf(t, rec.str("access_token"))["amr"].([]any); amr[1] != "recovery_code" {
		t.Fatalf("recover amr = %v", amr)
	}
	ch = h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"})
	h.must(401, "POST", "/demo/v1/auth/mfa/recover", "", map[string]any{"mfa_token": ch.str("mfa_token"), "recovery_code": rc})

	// Five wrong codes lock the challenge; it also expires.
	ch = h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"})
	for i := 0; i < maxChallengeTries; i++ {
		h.must(401, "POST", "/demo/v1/auth/mfa/verify", "", map[string]any{"mfa_token": ch.str("mfa_token"), "code": "999999x"})
	}
	h.clk.Advance(time.Minute)
	locked := h.must(429, "POST", "/demo/v1/auth/mfa/verify", "", map[string]any{"mfa_token": ch.str("mfa_token"), "code": code})
	// The challenge stays locked for the rest of its life on the mock clock.
	if got := locked.header.Get("Retry-After"); got != "240" {
		t.Fatalf("Retry-After = %q, want 240: %s", got, locked.raw)
	}
	if r := h.call("POST", "/demo/v1/auth/mfa/recover", "", map[string]any{"mfa_token": ch.str("mfa_token"), "recovery_code": rc}); r.status != 429 {
		t.Fatalf("recover on a locked challenge: %d %s", r.status, r.raw)
	}
	ch = h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"})
	h.clk.Advance(challengeTTL)
	h.must(401, "POST", "/demo/v1/auth/mfa/verify", "", map[string]any{"mfa_token": ch.str("mfa_token"), "code": code})

	// Disabling the only factor removes the requirement.
	h.must(204, "DELETE", "/demo/v1/me/mfa/factors/"+factor["id"].(string), tok, nil)
	if r := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"}); r.str("access_token") == "" {
		t.Fatalf("still challenged: %s", r.raw)
	}
	if n := len(h.must(200, "GET", "/demo/v1/me/mfa/factors", tok, nil).body["data"].([]any)); n != 0 {
		t.Fatalf("%d factors listed after disabling", n)
	}
}

func TestEmailFactorAndStepUp(t *testing.T) {
	h := newHarness(t)
	tok := h.signup("ada").str("access_token")
	// Email factors need a verified address.
	h.must(400, "POST", "/demo/v1/me/mfa/factors", tok, map[string]any{"type": "email"})
	h.must(200, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": h.outboxCode("ada@example.com", kindVerification)})
	start := h.must(201, "POST", "/demo/v1/me/mfa/factors", tok, map[string]any{"type": "email"})
	if start.body["enrollment"].(map[string]any)["email_masked"] != "a***a@e***e.com" {
		t.Fatalf("enrollment = %s", start.raw)
	}
	id := start.body["factor"].(map[string]any)["id"].(string)
	h.must(200, "POST", "/demo/v1/me/mfa/factors/"+id+"/verify", tok, map[string]any{"code": h.outboxCode("ada@example.com", "otp")})

	ch := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"})
	sent := h.must(200, "POST", "/demo/v1/auth/mfa/send-code", "", map[string]any{"mfa_token": ch.str("mfa_token"), "factor_id": id})
	if sent.str("code_expires_at") == "" {
		t.Fatalf("send = %s", sent.raw)
	}
	h.clk.Advance(10 * time.Second)
	throttled := h.must(429, "POST", "/demo/v1/auth/mfa/send-code", "", map[string]any{"mfa_token": ch.str("mfa_token"), "factor_id": id})
	if got := throttled.header.Get("Retry-After"); got != "20" {
		t.Fatalf("send-code Retry-After = %q, want 20 (30 s between sends)", got)
	}
	done := h.must(200, "POST", "/demo/v1/auth/mfa/verify", "", map[string]any{"mfa_token": ch.str("mfa_token"), "code": h.outboxCode("ada@example.com", "otp")})
	fresh := done.str("access_token")

	// The address got a code at sign-in 10 s ago: sends to one address are
	// 30 s apart on both paths.
	shared := h.must(429, "POST", "/demo/v1/me/mfa/step-up/send-code", tok, map[string]any{})
	if got := shared.header.Get("Retry-After"); got != "20" {
		t.Fatalf("shared throttle Retry-After = %q, want 20", got)
	}
	h.clk.Advance(sendInterval)
	// Step-up on the original session: send, submit, refresh carries mfa_at.
	h.must(200, "POST", "/demo/v1/me/mfa/step-up/send-code", tok, map[string]any{})
	h.must(401, "POST", "/demo/v1/me/mfa/step-up", tok, map[string]any{"code": "nope"})
	up := h.must(200, "POST", "/demo/v1/me/mfa/step-up", tok, map[string]any{"code": h.outboxCode("ada@example.com", "otp")})
	if amr := up.body["amr"].([]any); len(amr) != 2 || amr[1] != "email" {
		t.Fatalf("step-up = %s", up.raw)
	}
	// Five wrong step-up codes lock step-up on that session only.
	for i := 0; i < maxChallengeTries; i++ {
		h.must(401, "POST", "/demo/v1/me/mfa/step-up", fresh, map[string]any{"code": "nope"})
	}
	locked := h.must(429, "POST", "/demo/v1/me/mfa/step-up", fresh, map[string]any{"code": "nope"})
	if got := locked.header.Get("Retry-After"); got != "900" {
		t.Fatalf("step-up Retry-After = %q, want 900", got)
	}
	h.clk.Advance(time.Minute)
	locked = h.must(429, "POST", "/demo/v1/me/mfa/step-up/send-code", fresh, map[string]any{})
	if got := locked.header.Get("Retry-After"); got != "840" {
		t.Fatalf("step-up send-code Retry-After = %q, want 840 after a minute of mock time", got)
	}
	h.clk.Advance(stepUpLock + time.Second)
	h.must(200, "POST", "/demo/v1/me/mfa/step-up/send-code", fresh, map[string]any{})
	codes := h.must(200, "POST", "/demo/v1/me/mfa/recovery-codes/regenerate", fresh, nil).body["recovery_codes"].([]any)
	h.must(200, "POST", "/demo/v1/me/mfa/step-up", fresh, map[string]any{"code": codes[0]})
}
