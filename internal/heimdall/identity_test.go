package heimdall

import (
	"fmt"
	"strings"
	"testing"
)

// TestOneAccountPerPerson: emails compare after NFC and case folding, so
// the precomposed and the decomposed josé, in any case, are one address.
func TestOneAccountPerPerson(t *testing.T) {
	h := newHarness(t)
	nfc, nfd := "jos\u00e9@example.com", "jose\u0301@example.com"
	h.must(200, "POST", "/demo/v1/auth/signup", h.apiKey, map[string]any{"username": "jose", "email": nfc, "password": "password-jose"})
	for _, email := range []string{nfd, strings.ToUpper(nfc), "JOSE\u0301@EXAMPLE.COM"} {
		r := h.must(409, "POST", "/demo/v1/auth/signup", h.apiKey, map[string]any{"username": "other", "email": email, "password": "password-jose"})
		if r.str("code") != "EMAIL_TAKEN" {
			t.Errorf("%q: %s", email, r.raw)
		}
	}
	// Usernames fold the same way.
	h.must(409, "POST", "/demo/v1/auth/signup", h.apiKey, map[string]any{"username": "JOSE", "email": "x@example.com", "password": "password-jose"})
	// A code requested for the other form reaches the same account.
	code := h.must(201, "POST", "/demo/v1/auth/request-verification", h.apiKey, map[string]any{"email": nfd}).str("code")
	h.must(200, "POST", "/demo/v1/auth/verify", "", map[string]any{"code": code})
	h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": strings.ToUpper(nfd), "password": "password-jose"})
}

// TestControlCharactersAreRefused: NUL and friends in an email or a
// username are a 400 naming the field, wherever one enters.
func TestControlCharactersAreRefused(t *testing.T) {
	h := newHarness(t)
	alice := h.signup("alice")
	app := "/v1/apps/" + BootstrapAppID
	for _, c := range []struct {
		path, auth, field string
		body              map[string]any
	}{
		{"/demo/v1/auth/signup", h.apiKey, "email", map[string]any{"username": "eve", "email": "eve\x00@example.com", "password": "password-eve"}},
		{"/demo/v1/auth/signup", h.apiKey, "username", map[string]any{"username": "eve\x1b[31m", "email": "eve@example.com", "password": "password-eve"}},
		{"/demo/v1/admin/users", h.apiKey, "email", map[string]any{"email": "eve@exam\x7fple.com"}},
		{"/demo/v1/auth/request-password-reset", h.apiKey, "email", map[string]any{"email": "alice\x00@example.com"}},
		{"/demo/v1/me/contacts", alice.str("access_token"), "value", map[string]any{"type": "email", "value": "a\x00b@example.com"}},
		{app + "/end-users/invites", h.apiKey, "email", map[string]any{"email": "inv\x00@example.com"}},
	} {
		r := h.must(400, "POST", c.path, c.auth, c.body)
		if want := c.field + " must not contain control characters"; !strings.Contains(fmt.Sprint(r.body["message"]), want) {
			t.Errorf("%s %v: %s, want %q", c.path, c.body, r.raw, want)
		}
	}
	h.must(400, "PATCH", "/demo/v1/me", alice.str("access_token"), map[string]any{"username": "al\x00ice"})
}
