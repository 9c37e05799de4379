package heimdall

import (
	"slices"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

// Token types, as carried in the type claim.
const (
	typeEndUser = "end_user"
	typeM2M     = "m2m"
)

// Reasons a token is refused beyond what keys.Verify checks.
const (
	reasonMissing        = "missing_token"
	reasonWrongApp       = "wrong_app"
	reasonSessionRevoked = "session_revoked"
	reasonClientInactive = "client_inactive"
	reasonUserInactive   = "user_inactive"
)

// issued is a session's token pair before signing.
type issued struct {
	claims  map[string]any
	refresh string // plaintext, handed out once
	ttl     time.Duration
	ks      *keys.Keystore
}

// accessTTLFor is the access-token lifetime for an app's config.
func accessTTLFor(cfg authConfig) time.Duration {
	return min(accessTTL, time.Duration(cfg.SessionDurationMinutes)*time.Minute)
}

// startSession creates a session for u and the claims of its first access
// token. Caller holds d.mu. The oldest sessions are evicted beyond
// max_sessions.
func (d *Domain) startSession(r *Call, a *appRec, u *userRec, amr []string) issued {
	now := d.now()
	live := a.liveSessions(u.ID, now)
	if maxN := a.Config.MaxSessions; maxN > 0 {
		for len(live) >= maxN {
			a.dropSession(live[0])
			d.audit(a, "session.evicted", u.ID, "session", live[0].ID, u.ID, nil)
			live = live[1:]
		}
	}
	refresh := randomToken(32)
	s := &sessionRec{
		Seq: d.st.nextSeq(), ID: newID(), UserID: u.ID, RefreshHash: tokenHash(refresh),
		AMR: amr, CreatedAt: now, ExpiresAt: now.Add(time.Duration(a.Config.SessionDurationMinutes) * time.Minute),
		LastUsedAt: &now,
	}
	var at Origin
	if r != nil {
		s.UserAgent = strPtrOrNil(r.UserAgent)
		s.IP = strPtrOrNil(r.ClientIP)
		at = r.Origin
	}
	a.addSession(s)
	a.capSessions(d.limits.SessionsPerApp)
	u.LastUsedAt = &now
	return issued{claims: d.userClaims(at, a, u, s, now), refresh: refresh, ttl: accessTTLFor(a.Config), ks: a.keystore}
}

// userClaims are an end user's access-token claims. Caller holds d.mu.
func (d *Domain) userClaims(o Origin, a *appRec, u *userRec, s *sessionRec, now time.Time) map[string]any {
	role := u.Role
	if s.Role != "" {
		role = s.Role
	}
	claims := map[string]any{
		"iss": d.issuer(o, a.Slug), "aud": a.Slug, "sub": u.ID, "aid": a.ID, "sid": s.ID,
		"role": role, "type": typeEndUser, "amr": append([]string(nil), s.AMR...),
		"iat": now.Unix(), "exp": now.Add(accessTTLFor(a.Config)).Unix(),
	}
	if s.MFAAt != nil {
		claims["mfa_at"] = s.MFAAt.Unix()
	}
	a.tenantClaims(u, s, claims)
	return claims
}

// tokenResponse signs the access token and shapes ConsumerTokenResponseDto.
// Call it without d.mu: signing is the slow part of every sign-in.
func tokenResponse(is issued) *Reply {
	tok, err := is.ks.Sign(is.claims)
	if err != nil {
		return refuse(fail(statusInternalServerError, "signing failed: "+err.Error()))
	}
	return replyJSON(statusOK, map[string]any{
		"access_token": tok, "refresh_token": is.refresh,
		"expires_in": int(is.ttl.Seconds()), "token_type": "Bearer",
	})
}

// principal is who a verified token speaks for.
type principal struct {
	claims  map[string]any
	typ     string
	sub     string
	role    string
	scopes  []string
	app     *appRec
	user    *userRec    // end-user tokens
	session *sessionRec // end-user tokens
	client  *clientRec  // m2m tokens
}

// verifyToken checks a token against the app named slug and calls fn with
// d.mu held and the principal (nil with a reason when the token is bad).
// App errors (unknown slug, ...) are returned as responses directly.
func (d *Domain) verifyToken(r *Call, slug, token string, fn func(a *appRec, p *principal, reason string) *Reply) *Reply {
	var ks *keys.Keystore
	if denied := read(d, func() *Error {
		a, denied := d.consumerApp(slug)
		if a != nil {
			ks = a.keystore
		}
		return denied
	}); denied != nil {
		return refuse(denied)
	}
	var claims map[string]any
	reason := reasonMissing
	if token != "" {
		var err error
		claims, err = ks.Verify(token, keys.Expect{
			Issuers: d.acceptedIssuers(r.Origin, slug, true),
			Now:     d.now(),
		})
		reason = keys.ReasonOf(err)
		if err != nil && reason == "" {
			reason = keys.ReasonMalformed
		}
	}
	return update(d, func() *Reply {
		a, denied := d.consumerApp(slug)
		if denied != nil {
			return refuse(denied)
		}
		if claims == nil {
			return fn(a, nil, reason)
		}
		if a.keystore != ks { // the state was reset or imported meanwhile
			return fn(a, nil, keys.ReasonUnknownKey)
		}
		p, reason := d.principalOf(a, claims)
		return fn(a, p, reason)
	})
}

// principalOf applies the checks a signature cannot: audience (absent only
// on legacy tokens), app id, and that the session or client is still live.
// Caller holds d.mu.
func (d *Domain) principalOf(a *appRec, claims map[string]any) (*principal, string) {
	iss, _ := claims["iss"].(string)
	switch aud := claims["aud"].(type) {
	case nil:
		if iss != legacyIssuer {
			return nil, keys.ReasonAudience
		}
	case string:
		if aud != a.Slug {
			return nil, keys.ReasonAudience
		}
	case []any:
		if !slices.Contains(aud, any(a.Slug)) {
			return nil, keys.ReasonAudience
		}
	default:
		return nil, keys.ReasonMalformed
	}
	if aid, _ := claims["aid"].(string); aid != a.ID {
		return nil, reasonWrongApp
	}
	p := &principal{claims: claims, app: a}
	p.typ, _ = claims["type"].(string)
	p.sub, _ = claims["sub"].(string)
	p.role, _ = claims["role"].(string)
	now := d.now()
	switch p.typ {
	case typeEndUser:
		sid, _ := claims["sid"].(string)
		s := a.sessionByID[sid]
		if s == nil || s.UserID != p.sub || !now.Before(s.ExpiresAt) {
			return nil, reasonSessionRevoked
		}
		u := a.userByID[p.sub]
		if u == nil {
			return nil, reasonSessionRevoked
		}
		if u.Status != "active" {
			return nil, reasonUserInactive
		}
		p.user, p.session = u, s
		// The role is resolved now, not from the claim, so role changes
		// apply at once, as the real service's per-request lookup does. A
		// session minted through the control plane may pin another role.
		p.role = u.Role
		if s.Role != "" {
			p.role = s.Role
		}
	case typeM2M:
		cid, _ := claims["client_id"].(string)
		if cid == "" {
			cid = p.sub
		}
		c := a.clientByID[cid]
		if c == nil || !c.IsActive {
			return nil, reasonClientInactive
		}
		p.client = c
		if raw, ok := claims["scopes"].([]any); ok {
			for _, s := range raw {
				if str, ok := s.(string); ok {
					p.scopes = append(p.scopes, str)
				}
			}
		}
	default:
		return nil, keys.ReasonMalformed
	}
	return p, ""
}

// permissions is the flat permission list the principal holds.
func (p *principal) permissions() []string {
	if p.typ == typeM2M {
		return append([]string{}, p.scopes...)
	}
	return p.app.rolePermissions(p.role)
}
