package idp

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Reasons a provider ID token is refused, in the order they are checked.
const (
	ReasonSignature     = "invalid_signature" // malformed, unknown kid, or a signature no provider key makes
	ReasonIssuer        = "wrong_issuer"      // signed by a fake provider, but not the one asked for
	ReasonExpired       = "expired"
	ReasonAudience      = "wrong_audience"
	ReasonNonceMismatch = "nonce_mismatch"
)

// Check is what a relying party requires of an ID token.
type Check struct {
	Provider  string    // the provider the token is presented as coming from
	Audiences []string  // accepted aud values: the app's client ids for the provider
	RawNonce  string    // the nonce the client generated; "" skips the binding
	Now       time.Time // the instant exp is judged at (the mock clock)
}

// VerifyError says why a token was refused: Reason is one of the Reason
// constants, Detail names the offending value.
type VerifyError struct {
	Reason string
	Detail string
}

func (e *VerifyError) Error() string { return e.Reason + ": " + e.Detail }

func refuse(reason, format string, args ...any) *VerifyError {
	return &VerifyError{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Verify checks an ID token the way a relying party would: an RS256
// signature by a key some fake provider publishes, then the issuer of the
// provider asked for (a token of the other provider verifies but fails
// here), exp against c.Now, aud against c.Audiences, and the nonce binding
// (Apple: sha256 hex of the raw nonce; Google: the raw nonce, or its sha256
// hex for clients that hash it as Apple requires). It returns the claims,
// numbers as float64.
func (s *Set) Verify(token string, c Check) (map[string]any, *VerifyError) {
	if issuers[c.Provider] == "" {
		return nil, refuse(ReasonSignature, "provider %q issues no ID tokens", c.Provider)
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, refuse(ReasonSignature, "not an RS256 JWS: %v", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, refuse(ReasonSignature, "want exactly one signature")
	}
	kid := jws.Signatures[0].Header.KeyID
	var payload []byte
	found := false
	for _, name := range slices.Sorted(maps.Keys(s.keystores)) {
		set := s.keystores[name].JWKS()
		for _, key := range set.Key(kid) {
			found = true
			if p, err := jws.Verify(key); err == nil {
				payload = p
			}
		}
	}
	if !found {
		return nil, refuse(ReasonSignature, "kid %q is in no provider's key set", kid)
	}
	if payload == nil {
		return nil, refuse(ReasonSignature, "signature does not match key %q", kid)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil || claims == nil {
		return nil, refuse(ReasonSignature, "payload is not a JSON object")
	}
	if iss, _ := claims["iss"].(string); iss != issuers[c.Provider] {
		return nil, refuse(ReasonIssuer, "iss %q; want %q", iss, issuers[c.Provider])
	}
	exp, ok := claims["exp"].(float64)
	if !ok || math.IsNaN(exp) || math.IsInf(exp, 0) {
		return nil, refuse(ReasonExpired, "token has no numeric exp")
	}
	if exp <= float64(c.Now.Unix()) {
		return nil, refuse(ReasonExpired, "exp %s is not after now %s",
			time.Unix(int64(exp), 0).UTC().Format(time.RFC3339), c.Now.UTC().Format(time.RFC3339))
	}
	if !audienceMatches(claims["aud"], c.Audiences) {
		return nil, refuse(ReasonAudience, "aud %v is none of the app's client ids %q", claims["aud"], c.Audiences)
	}
	if c.RawNonce != "" {
		got, _ := claims["nonce"].(string)
		if !nonceMatches(c.Provider, got, c.RawNonce) {
			return nil, refuse(ReasonNonceMismatch, "the token's nonce is not bound to the nonce sent")
		}
	}
	return claims, nil
}

func audienceMatches(aud any, accepted []string) bool {
	switch v := aud.(type) {
	case string:
		return v != "" && slices.Contains(accepted, v)
	case []any:
		for _, a := range v {
			if s, ok := a.(string); ok && s != "" && slices.Contains(accepted, s) {
				return true
			}
		}
	}
	return false
}

func nonceMatches(provider, claim, raw string) bool {
	eq := func(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
	if claim == "" {
		return false
	}
	if provider == Apple {
		return eq(claim, HashNonce(raw))
	}
	return eq(claim, raw) || eq(claim, HashNonce(raw))
}

func encodeClaims(claims map[string]any) ([]byte, error) {
	b, err := json.Marshal(claims)
	if err != nil {
		return nil, fmt.Errorf("idp: encoding claims: %w", err)
	}
	return b, nil
}
