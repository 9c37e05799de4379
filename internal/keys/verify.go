package keys

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Reasons a token is rejected, as carried by VerifyError.Reason.
const (
	ReasonMalformed   = "malformed"
	ReasonAlgorithm   = "unsupported_algorithm"
	ReasonUnknownKey  = "unknown_kid"
	ReasonSignature   = "invalid_signature"
	ReasonExpired     = "expired"
	ReasonNotYetValid = "not_yet_valid"
	ReasonIssuer      = "wrong_issuer"
	ReasonAudience    = "wrong_audience"
)

// Expect is what a verifier requires of a token beyond a valid signature.
type Expect struct {
	Issuers  []string // accepted iss values (empty: don't check)
	Audience string   // required aud ("": don't check; a token without aud then passes)
	// Now is the instant exp and nbf are judged at; the zero value means
	// wall time, so callers serving the mock pass their clock's reading.
	Now    time.Time
	Leeway time.Duration // tolerance for exp and nbf; default 0
}

// VerifyError says why a token was rejected: Reason is one of the Reason
// constants, Detail names the offending value.
type VerifyError struct {
	Reason string
	Detail string
}

func (e *VerifyError) Error() string { return "token " + e.Reason + ": " + e.Detail }

// ReasonOf returns the Reason of a *VerifyError anywhere in err's chain, or
// "" when err is not a verification failure.
func ReasonOf(err error) string {
	if ve, ok := errors.AsType[*VerifyError](err); ok {
		return ve.Reason
	}
	return ""
}

func reject(reason, format string, args ...any) *VerifyError {
	return &VerifyError{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

// Verify checks token the way a strict RS256 verifier given this keystore's
// JWKS would, and returns its claims (numbers as float64). The error is
// always a *VerifyError.
func (k *Keystore) Verify(token string, exp Expect) (map[string]any, error) {
	claims, err := k.verify(token, exp)
	if err != nil {
		// Return a nil interface, not a typed nil, on success.
		return nil, err
	}
	return claims, nil
}

func (k *Keystore) verify(token string, exp Expect) (map[string]any, *VerifyError) {
	sum := sha256.Sum256([]byte(token))
	if claims, ok := k.verified.get(sum, k); ok {
		if verr := checkClaims(claims, exp); verr != nil {
			return nil, verr
		}
		return cloneClaims(claims), nil
	}
	claims, kid, verr := k.verifySignature(token)
	if verr != nil {
		return nil, verr
	}
	k.verified.put(sum, kid, claims)
	if verr := checkClaims(claims, exp); verr != nil {
		return nil, verr
	}
	return cloneClaims(claims), nil
}

// VerifyUnsigned checks everything of a token but its signature: the
// header, that its kid is in the key set, and the claims. It is for the
// copies of tokens the journal keeps, whose signature is redacted, so a
// page can still say whether the token a client holds is live; it must
// never stand in for Verify on a request.
func (k *Keystore) VerifyUnsigned(token string, exp Expect) (map[string]any, error) {
	header, claims, err := DecodeUnverified(token)
	if err != nil {
		return nil, reject(ReasonMalformed, "%v", err)
	}
	if alg, _ := header["alg"].(string); alg != string(jose.RS256) {
		return nil, reject(ReasonAlgorithm, "alg %q: only RS256 is accepted", alg)
	}
	kid, _ := header["kid"].(string)
	if kid == "" || k.lookup(kid) == nil {
		return nil, reject(ReasonUnknownKey, "kid %q is not in the key set", kid)
	}
	if verr := checkClaims(claims, exp); verr != nil {
		return nil, verr
	}
	return claims, nil
}

// verifySignature does the work a token's bytes alone decide: its header,
// its RS256 signature against a key of this keystore, its payload.
func (k *Keystore) verifySignature(token string) (claims map[string]any, kid string, verr *VerifyError) {
	header, _, err := decodeParts(token)
	if err != nil {
		return nil, "", reject(ReasonMalformed, "%v", err)
	}
	// The algorithm is judged from our own decoding of the header, before
	// go-jose sees it, so alg "none" and the HS256-with-public-key confusion
	// are named as such rather than surfacing as a generic parse failure.
	alg, ok := header["alg"].(string)
	switch {
	case !ok:
		return nil, "", reject(ReasonAlgorithm, "header has no alg string")
	case strings.EqualFold(alg, "none"):
		return nil, "", reject(ReasonAlgorithm, "alg %q: unsigned tokens are never accepted", alg)
	case strings.HasPrefix(alg, "HS"):
		return nil, "", reject(ReasonAlgorithm, "alg %q: symmetric algorithms are refused (an HMAC keyed with the public key would pass)", alg)
	case alg != string(jose.RS256):
		return nil, "", reject(ReasonAlgorithm, "alg %q: only RS256 is accepted", alg)
	}
	kid, ok = header["kid"].(string)
	if !ok || kid == "" {
		return nil, "", reject(ReasonUnknownKey, "header has no kid")
	}
	sk := k.lookup(kid)
	if sk == nil {
		return nil, "", reject(ReasonUnknownKey, "kid %q is not in the key set", kid)
	}
	jws, err := jose.ParseSignedCompact(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, "", reject(ReasonMalformed, "%v", err)
	}
	payload, err := jws.Verify(sk.public)
	if err != nil {
		return nil, "", reject(ReasonSignature, "signature does not match key %q", kid)
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims == nil {
		return nil, "", reject(ReasonMalformed, "payload is not a JSON object")
	}
	for _, name := range timeClaims {
		if v, present := claims[name]; present {
			if n, ok := v.(float64); !ok || math.IsInf(n, 0) || math.IsNaN(n) {
				return nil, "", reject(ReasonMalformed, "claim %q is not a number of seconds", name)
			}
		}
	}
	return claims, kid, nil
}

// verifiedTokens remembers tokens whose signature this keystore checked,
// by SHA-256 of the token: a client presents the same access token on
// every call, and the RSA verification was half of what such a call cost.
// Only what the token's bytes decide is remembered. Time, issuer and
// audience are judged again on every call (the mock clock may move either
// way), an entry counts only while its key is still in the keystore, and
// sessions, revocation and permissions are the caller's checks, made after.
type verifiedTokens struct {
	mu      sync.RWMutex
	entries map[[sha256.Size]byte]verifiedToken
}

type verifiedToken struct {
	kid    string
	claims map[string]any // never handed out: callers get copies
}

// maxVerifiedTokens bounds the memory: a test suite presents a few
// hundred tokens, a load test a few; when full, the set starts over.
const maxVerifiedTokens = 4096

func (v *verifiedTokens) get(sum [sha256.Size]byte, k *Keystore) (map[string]any, bool) {
	v.mu.RLock()
	e, ok := v.entries[sum]
	v.mu.RUnlock()
	if !ok || k.lookup(e.kid) == nil {
		return nil, false
	}
	return e.claims, true
}

func (v *verifiedTokens) put(sum [sha256.Size]byte, kid string, claims map[string]any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.entries == nil || len(v.entries) >= maxVerifiedTokens {
		v.entries = make(map[[sha256.Size]byte]verifiedToken)
	}
	v.entries[sum] = verifiedToken{kid: kid, claims: cloneClaims(claims)}
}

// checkClaims applies the registered-claim rules of RFC 7519 section 4.1
// with the same boundaries the common verifiers use: a token is expired from
// the second named by exp, and valid from the second named by nbf.
func checkClaims(claims map[string]any, exp Expect) *VerifyError {
	now := exp.Now
	if now.IsZero() {
		now = time.Now()
	}
	nowSec := float64(now.Unix())
	leeway := exp.Leeway.Seconds()
	// verifySignature made sure the time claims are finite numbers.
	if v, ok := claims["exp"].(float64); ok && v <= nowSec-leeway {
		return reject(ReasonExpired, "exp %s is not after now %s", secondsString(v), now.UTC().Format(time.RFC3339))
	}
	if v, ok := claims["nbf"].(float64); ok && v > nowSec+leeway {
		return reject(ReasonNotYetValid, "nbf %s is after now %s", secondsString(v), now.UTC().Format(time.RFC3339))
	}
	if len(exp.Issuers) > 0 {
		iss, ok := claims["iss"].(string)
		if !ok {
			return reject(ReasonIssuer, "token has no iss; want one of %q", exp.Issuers)
		}
		if !slices.Contains(exp.Issuers, iss) {
			return reject(ReasonIssuer, "iss %q; want one of %q", iss, exp.Issuers)
		}
	}
	if exp.Audience != "" {
		switch aud := claims["aud"].(type) {
		case nil:
			return reject(ReasonAudience, "token has no aud; want %q", exp.Audience)
		case string:
			if aud != exp.Audience {
				return reject(ReasonAudience, "aud %q; want %q", aud, exp.Audience)
			}
		case []any:
			if !slices.Contains(aud, any(exp.Audience)) {
				return reject(ReasonAudience, "aud %v does not contain %q", aud, exp.Audience)
			}
		default:
			return reject(ReasonMalformed, "claim \"aud\" is neither a string nor an array")
		}
	}
	return nil
}

func secondsString(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
		return time.Unix(int64(v), 0).UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

// DecodeUnverified splits a compact JWT into its header and claims without
// checking anything but the encoding; it is for inspection tools only.
func DecodeUnverified(token string) (header map[string]any, claims map[string]any, err error) {
	header, payload, err := decodeParts(token)
	if err != nil {
		return nil, nil, err
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims == nil {
		return nil, nil, errors.New("keys: JWT payload is not a JSON object")
	}
	return header, claims, nil
}

// decodeParts decodes the header (as a JSON object) and the raw payload of
// a compact JWS, requiring exactly three base64url parts.
func decodeParts(token string) (header map[string]any, payload []byte, err error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, nil, fmt.Errorf("keys: a JWT has 3 dot-separated parts, got %d", len(parts))
	}
	rawHeader, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return nil, nil, fmt.Errorf("keys: JWT header is not base64url: %w", err)
	}
	if err := json.Unmarshal(rawHeader, &header); err != nil || header == nil {
		return nil, nil, errors.New("keys: JWT header is not a JSON object")
	}
	payload, err = base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, nil, fmt.Errorf("keys: JWT payload is not base64url: %w", err)
	}
	return header, payload, nil
}
