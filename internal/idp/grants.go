package idp

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"
)

// GrantTTL is how long an authorization code from the sign-in page may wait
// to be redeemed, as with the real providers' short-lived codes.
const GrantTTL = 10 * time.Minute

// maxGrants bounds the pending codes: a client that never redeems cannot
// grow the set without limit.
const maxGrants = 10_000

// Grant is what the fake provider's sign-in page was told, held behind an
// authorization code until the relying party redeems it.
type Grant struct {
	Provider  string
	ClientID  string // becomes the ID token's aud
	Nonce     string // raw nonce of the relying party's authorize request
	Identity  Identity
	ExpiresAt time.Time
}

// ErrBadCode is an authorization code that is unknown, used, expired or of
// another provider.
var ErrBadCode = errors.New("idp: authorization code is unknown, used, expired or of another provider")

// IssueCode stores g behind a new single-use code, forgetting expired grants.
func (s *Set) IssueCode(g Grant, now time.Time) string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	code := base64.RawURLEncoding.EncodeToString(b[:])
	g.ExpiresAt = now.Add(GrantTTL)
	s.mu.Lock()
	defer s.mu.Unlock()
	for c, old := range s.grants {
		if !now.Before(old.ExpiresAt) || len(s.grants) >= maxGrants {
			delete(s.grants, c)
		}
	}
	s.grants[code] = &g
	return code
}

// Redeem spends a code of provider and returns its grant.
func (s *Set) Redeem(provider, code string, now time.Time) (Grant, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.grants[code]
	if g == nil {
		return Grant{}, ErrBadCode
	}
	delete(s.grants, code)
	if g.Provider != provider || !now.Before(g.ExpiresAt) {
		return Grant{}, ErrBadCode
	}
	return *g, nil
}
