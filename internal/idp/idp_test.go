package idp

import (
	"strings"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

var (
	testPool = keys.NewPool(2)
	now      = time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
)

func mint(t *testing.T, s *Set, provider string, req TokenRequest) string {
	t.Helper()
	if req.Now.IsZero() {
		req.Now = now
	}
	if req.ExpiresIn == 0 {
		req.ExpiresIn = 10 * time.Minute
	}
	tok, _, err := s.Mint(provider, req)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestVerifyNamesEachFailedCheck(t *testing.T) {
	s := NewSet(testPool, now)
	who := Identity{Sub: "s1", Email: "a@example.com", EmailVerified: true}
	ok := TokenRequest{Identity: who, Audience: "com.example.app", Nonce: "raw-nonce"}
	check := Check{Provider: Apple, Audiences: []string{"com.example.app"}, RawNonce: "raw-nonce", Now: now}

	claims, verr := s.Verify(mint(t, s, Apple, ok), check)
	if verr != nil {
		t.Fatalf("a good token: %v", verr)
	}
	if claims["nonce"] != HashNonce("raw-nonce") || claims["iss"] != AppleIssuer || claims["sub"] != "s1" {
		t.Fatalf("claims = %v", claims)
	}

	wrongKey := ok
	wrongKey.WrongKey = true
	expired := ok
	expired.ExpiresIn = -time.Second
	otherAud := ok
	otherAud.Audience = "com.example.other"
	for name, c := range map[string]struct {
		token  string
		check  Check
		reason string
	}{
		"wrong key":      {mint(t, s, Apple, wrongKey), check, ReasonSignature},
		"garbage":        {"a.b.c", check, ReasonSignature},
		"other provider": {mint(t, s, Google, ok), check, ReasonIssuer},
		"expired":        {mint(t, s, Apple, expired), check, ReasonExpired},
		"audience":       {mint(t, s, Apple, otherAud), check, ReasonAudience},
		"nonce":          {mint(t, s, Apple, ok), Check{Provider: Apple, Audiences: check.Audiences, RawNonce: "another", Now: now}, ReasonNonceMismatch},
		"apple wants the hash": {mint(t, s, Google, TokenRequest{Identity: who, Audience: "g", Nonce: "raw-nonce"}),
			Check{Provider: Google, Audiences: []string{"g"}, RawNonce: HashNonce("raw-nonce"), Now: now}, ReasonNonceMismatch},
	} {
		_, verr := s.Verify(c.token, c.check)
		if verr == nil || verr.Reason != c.reason {
			t.Errorf("%s: got %v, want %s", name, verr, c.reason)
		}
	}
	// Google accepts the raw nonce and, for clients hashing like Apple, its hash.
	for _, sent := range []string{"raw-nonce", HashNonce("raw-nonce")} {
		tok := mint(t, s, Google, TokenRequest{Identity: who, Audience: "g", Nonce: sent})
		if _, verr := s.Verify(tok, Check{Provider: Google, Audiences: []string{"g"}, RawNonce: "raw-nonce", Now: now}); verr != nil {
			t.Errorf("google nonce %q: %v", sent, verr)
		}
	}
}

func TestExportImportKeepsKeys(t *testing.T) {
	s := NewSet(testPool, now)
	tok := mint(t, s, Google, TokenRequest{Identity: Identity{Sub: "x"}, Audience: "g"})
	back, err := ImportSet(s.Export(), testPool, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, verr := back.Verify(tok, Check{Provider: Google, Audiences: []string{"g"}, Now: now}); verr != nil {
		t.Fatalf("after import: %v", verr)
	}
	// A snapshot without providers gets fresh keys; an unknown one is refused.
	fresh, err := ImportSet(nil, testPool, now)
	if err != nil || fresh.keystores[Apple] == nil || fresh.keystores[Google] == nil {
		t.Fatalf("empty import: %v", err)
	}
	if _, err := ImportSet(Exported{GitHub: s.Export()[Apple]}, testPool, now); err == nil || !strings.Contains(err.Error(), "github") {
		t.Fatalf("github keys imported: %v", err)
	}
}

func TestGrantsAreSingleUseAndExpire(t *testing.T) {
	s := NewSet(testPool, now)
	code := s.IssueCode(Grant{Provider: GitHub, Identity: Identity{Sub: "1"}}, now)
	if _, err := s.Redeem(Google, code, now); err == nil {
		t.Fatal("a github code redeemed at google")
	}
	code = s.IssueCode(Grant{Provider: GitHub, Identity: Identity{Sub: "1"}}, now)
	g, err := s.Redeem(GitHub, code, now)
	if err != nil || g.Identity.Sub != "1" {
		t.Fatalf("redeem: %v %v", g, err)
	}
	if _, err := s.Redeem(GitHub, code, now); err == nil {
		t.Fatal("a code redeemed twice")
	}
	code = s.IssueCode(Grant{Provider: GitHub}, now)
	if _, err := s.Redeem(GitHub, code, now.Add(GrantTTL)); err == nil {
		t.Fatal("an expired code redeemed")
	}
}

func TestSubForIsStableAndShaped(t *testing.T) {
	a1, a2 := SubFor(Apple, "A@example.com"), SubFor(Apple, "a@example.com ")
	if a1 != a2 || !strings.HasPrefix(a1, "000123.") {
		t.Fatalf("apple subs %q %q", a1, a2)
	}
	if g := SubFor(Google, "a@example.com"); len(g) != 21 || strings.Trim(g, "0123456789") != "" {
		t.Fatalf("google sub %q", g)
	}
	if SubFor(Google, "a@example.com") == SubFor(Google, "b@example.com") {
		t.Fatal("two addresses share a sub")
	}
	if !IsPrivateRelay("x@PrivateRelay.AppleID.com") || IsPrivateRelay("x@example.com") {
		t.Fatal("IsPrivateRelay")
	}
}

func BenchmarkVerify(b *testing.B) {
	s := NewSet(testPool, now)
	tok, _, err := s.Mint(Apple, TokenRequest{Identity: Identity{Sub: "s"}, Audience: "a", Nonce: "n", ExpiresIn: time.Hour, Now: now})
	if err != nil {
		b.Fatal(err)
	}
	c := Check{Provider: Apple, Audiences: []string{"a"}, RawNonce: "n", Now: now}
	for b.Loop() {
		if _, verr := s.Verify(tok, c); verr != nil {
			b.Fatal(verr)
		}
	}
}
