// Package idp is the mock's fake identity providers: Apple and Google, each
// with its own RSA keystore and JWKS, minting ID tokens shaped like the real
// provider's, and GitHub, which issues no ID tokens and exists only for the
// web redirect flow. A Set also plays the provider's side of that flow: it
// holds the authorization codes its sign-in page hands out until the relying
// party redeems them.
package idp

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

// Provider names.
const (
	Apple  = "apple"
	Google = "google"
	GitHub = "github"
)

// Issuers of the real providers' ID tokens, which the fake ones copy.
const (
	AppleIssuer  = "https://appleid.apple.com"
	GoogleIssuer = "https://accounts.google.com"
)

// PrivateRelayDomain is the domain of Apple's hide-my-email addresses.
const PrivateRelayDomain = "privaterelay.appleid.com"

// issuers maps the token-issuing providers to their iss.
var issuers = map[string]string{Apple: AppleIssuer, Google: GoogleIssuer}

// Known reports whether name is a provider of this package, token-issuing
// or not.
func Known(name string) bool { return name == GitHub || issuers[name] != "" }

// IssuesIDTokens reports whether the provider signs ID tokens (GitHub does not).
func IssuesIDTokens(name string) bool { return issuers[name] != "" }

// Issuer is the iss of a provider's ID tokens, "" for GitHub and unknowns.
func Issuer(name string) string { return issuers[name] }

// IsPrivateRelay reports whether email is an Apple private-relay address.
func IsPrivateRelay(email string) bool {
	at := strings.LastIndexByte(email, '@')
	return at >= 0 && strings.EqualFold(email[at+1:], PrivateRelayDomain)
}

// HashNonce is how Apple carries a nonce: the lower-case hex SHA-256 of the
// raw value the client generated.
func HashNonce(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// Set is the fake providers of one mock state. It is safe for concurrent use.
type Set struct {
	pool      *keys.Pool
	keystores map[string]*keys.Keystore // token-issuing providers only

	mu       sync.Mutex
	impostor *rsa.PrivateKey   // the "wrong key": never published, made on first use
	grants   map[string]*Grant // authorization code → what the sign-in page was told
}

// NewSet makes a keystore for each token-issuing provider, drawing keys from
// pool (keys.SharedPool when nil).
func NewSet(pool *keys.Pool, now time.Time) *Set {
	s := &Set{pool: pool, keystores: map[string]*keys.Keystore{}, grants: map[string]*Grant{}}
	for _, name := range slices.Sorted(maps.Keys(issuers)) {
		s.keystores[name] = keys.NewKeystore(pool, now)
	}
	return s
}

// Exported is a Set's persistent part: each provider's signing keys.
// Pending authorization codes and the impostor key are not kept.
type Exported map[string]keys.Exported

// Export captures every provider's keys.
func (s *Set) Export() Exported {
	out := make(Exported, len(s.keystores))
	for name, ks := range s.keystores {
		out[name] = ks.Export()
	}
	return out
}

// ImportSet rebuilds a Set from Export's output. A provider missing from e
// (a snapshot written before it existed) gets fresh keys from pool; an
// unknown provider name is refused.
func ImportSet(e Exported, pool *keys.Pool, now time.Time) (*Set, error) {
	s := &Set{pool: pool, keystores: map[string]*keys.Keystore{}, grants: map[string]*Grant{}}
	for name, ex := range e {
		if issuers[name] == "" {
			return nil, fmt.Errorf("idp: import: %q is not a token-issuing provider", name)
		}
		ks, err := keys.ImportKeystore(ex)
		if err != nil {
			return nil, fmt.Errorf("idp: import %s: %w", name, err)
		}
		s.keystores[name] = ks
	}
	for name := range issuers {
		if s.keystores[name] == nil {
			s.keystores[name] = keys.NewKeystore(pool, now)
		}
	}
	return s, nil
}

// JWKSJSON is a provider's published key set; ok is false for GitHub and
// unknown names.
func (s *Set) JWKSJSON(provider string) (jwks []byte, ok bool) {
	ks := s.keystores[provider]
	if ks == nil {
		return nil, false
	}
	return ks.JWKSJSON(), true
}

// Identity is the person the fake provider vouches for.
type Identity struct {
	Sub            string
	Email          string
	EmailVerified  bool
	IsPrivateEmail bool
	Name           string
}

// TokenRequest is what an ID token should say and how to sign it.
type TokenRequest struct {
	Identity
	Audience  string
	Nonce     string        // raw; Apple tokens carry its SHA-256 hex, Google's carry it as is
	ExpiresIn time.Duration // from Now; negative gives an already expired token
	Now       time.Time
	WrongKey  bool // sign with a key absent from the provider's JWKS, under its current kid
}

// ErrUnknownProvider is returned for a name that issues no ID tokens.
var ErrUnknownProvider = errors.New("idp: provider issues no ID tokens")

// Mint signs an ID token shaped like the provider's: iss, aud, sub, iat,
// exp, email, email_verified, nonce, plus is_private_email for Apple and
// name for Google.
func (s *Set) Mint(provider string, req TokenRequest) (string, map[string]any, error) {
	ks := s.keystores[provider]
	if ks == nil {
		return "", nil, ErrUnknownProvider
	}
	claims := map[string]any{
		"iss": issuers[provider], "aud": req.Audience, "sub": req.Sub,
		"iat": req.Now.Unix(), "exp": req.Now.Add(req.ExpiresIn).Unix(),
	}
	if req.Email != "" {
		claims["email"] = req.Email
		claims["email_verified"] = req.EmailVerified
	}
	switch provider {
	case Apple:
		if req.Email != "" {
			claims["is_private_email"] = req.IsPrivateEmail
		}
		claims["auth_time"] = req.Now.Unix()
		if req.Nonce != "" {
			claims["nonce"] = HashNonce(req.Nonce)
			claims["nonce_supported"] = true
		}
	case Google:
		if req.Name != "" {
			claims["name"] = req.Name
		}
		if req.Nonce != "" {
			claims["nonce"] = req.Nonce
		}
	}
	if !req.WrongKey {
		tok, err := ks.Sign(claims)
		return tok, claims, err
	}
	tok, err := s.signImpostor(ks.CurrentKID(), claims)
	return tok, claims, err
}

// signImpostor signs with a key the provider never published but under the
// kid of its current key, so a verifier finds the key and the signature
// fails: the forged-token case, rather than an unknown kid.
func (s *Set) signImpostor(kid string, claims map[string]any) (string, error) {
	s.mu.Lock()
	if s.impostor == nil {
		s.impostor = s.pool.Get()
	}
	priv := s.impostor
	s.mu.Unlock()
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: priv, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return "", fmt.Errorf("idp: impostor signer: %w", err)
	}
	// A keys.Keystore names its own kid, so the impostor signs through
	// go-jose directly; Mint already wrote the time claims as numbers.
	payload, err := encodeClaims(claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("idp: impostor signing: %w", err)
	}
	return jws.CompactSerialize()
}

// SubFor derives a stable subject for an email, shaped like the provider's:
// Apple's "000123.<hex>.0420", Google's 21 digits, GitHub's numeric id. The
// same address always gets the same sub, so repeat sign-ins find the account.
func SubFor(provider, email string) string {
	sum := sha256.Sum256([]byte(provider + "\x00" + strings.ToLower(strings.TrimSpace(email))))
	switch provider {
	case Apple:
		return "000123." + hex.EncodeToString(sum[:16]) + ".0420"
	case Google:
		digits := make([]byte, 21)
		for i := range digits {
			digits[i] = '0' + sum[i]%10
		}
		digits[0] = '1'
		return string(digits)
	default:
		n := uint64(0)
		for _, b := range sum[:6] {
			n = n<<8 | uint64(b)
		}
		return fmt.Sprint(n%100_000_000 + 1)
	}
}
