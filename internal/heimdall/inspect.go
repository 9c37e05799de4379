package heimdall

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/keys"
	"github.com/heimdall-mock/heimdall-mock/internal/redact"
)

// This file is what the inspector (internal/inspector) reads of the
// domain: copies of what apps, users, sessions and factors exist, and the
// verdict on a token. The inspector words and shapes them for its page;
// here they are plain values, copied under d.read so none of them shares
// memory with the live state. Nothing here changes the state (expired
// sessions are hidden, not forgotten), so looking at the mock never alters
// what a test observes next.

// ErrNotFound is wrapped by the inspect methods when the app or user named
// does not exist.
var ErrNotFound = errors.New("not found")

// Reasons InspectToken gives beyond the keys.Reason* values, exported so the
// inspector can explain each one.
const (
	ReasonUnknownApp     = "unknown_app"
	ReasonMissingToken   = reasonMissing
	ReasonWrongApp       = reasonWrongApp
	ReasonSessionRevoked = reasonSessionRevoked
	ReasonClientInactive = reasonClientInactive
	ReasonUserInactive   = reasonUserInactive
)

// baseURLAt is baseURL for an origin.
func (d *Domain) baseURLAt(o Origin) string {
	if d.publicURL != "" {
		return d.publicURL
	}
	host := "localhost"
	if o.Host != "" {
		host = o.Host
	}
	return "http://" + host
}

// issuersAt are the issuers the mock's own checks accept for slug
// ("platform" for platform tokens) from a client at o: the one a new token
// gets, the legacy issuer when legacy is set, and the same path under
// every name of this mock (--public-url, loopback names and d.names on
// o's port). A token minted via localhost is thus accepted via 127.0.0.1.
func (d *Domain) issuersAt(o Origin, slug string, legacy bool) []string {
	out := []string{d.baseURLAt(o) + "/" + slug}
	if legacy {
		out = append(out, legacyIssuer)
	}
	if d.publicURL != "" {
		out = append(out, d.publicURL+"/"+slug)
	}
	for _, name := range append([]string{"localhost", "127.0.0.1", "::1"}, d.names...) {
		host := name
		if o.Port != "" {
			host = net.JoinHostPort(name, o.Port)
		} else if strings.Contains(name, ":") {
			host = "[" + name + "]"
		}
		out = append(out, "http://"+host+"/"+slug)
	}
	return out
}

// AppSnapshot is an app with its settings and signing keys.
type AppSnapshot struct {
	ID, Slug, DisplayName, Status string
	CreatedAt                     time.Time
	Users                         int
	LiveSessions                  int
	Roles                         []string
	Providers                     []ProviderSwitch
	// AuthConfig and Notifications are the settings records as the state
	// stores them, so a new setting reaches the page without a new field.
	AuthConfig    json.RawMessage
	Notifications json.RawMessage
	Keys          []KeySnapshot // the signing key first
	Issuer        string        // what a new token gets, seen from the origin asked from
}

// ProviderSwitch is a native sign-in provider's switch; its secrets stay out.
type ProviderSwitch struct {
	Provider string
	Enabled  bool
}

// KeySnapshot is one signing key without its private part. Signing marks
// the key new tokens are signed with; RetiredAt is when a rotation
// replaced it (it still verifies).
type KeySnapshot struct {
	KID       string
	CreatedAt time.Time
	RetiredAt *time.Time
	Signing   bool
}

// InspectApps lists every app, in creation order, with the issuer as seen
// from at.
func (d *Domain) InspectApps(at Origin) []AppSnapshot {
	var out []AppSnapshot
	_ = read(d, func() error {
		now := d.now()
		out = make([]AppSnapshot, 0, len(d.st.Apps))
		for _, a := range d.st.Apps {
			v := AppSnapshot{
				ID: a.ID, Slug: a.Slug, DisplayName: a.DisplayName, Status: a.Status,
				CreatedAt: a.CreatedAt, Users: len(a.Users),
				AuthConfig: settingsJSON(a.Config), Notifications: settingsJSON(a.Notify),
				Issuer: d.baseURLAt(at) + "/" + a.Slug, Roles: make([]string, 0, len(a.Roles)),
				Providers: make([]ProviderSwitch, 0, len(a.Providers)),
			}
			for _, ss := range a.userSess {
				for _, s := range ss {
					if now.Before(s.ExpiresAt) {
						v.LiveSessions++
					}
				}
			}
			for _, role := range a.Roles {
				v.Roles = append(v.Roles, role.Name)
			}
			for _, p := range a.Providers {
				v.Providers = append(v.Providers, ProviderSwitch{Provider: p.Provider, Enabled: p.Enabled})
			}
			for i, k := range a.keystore.Keys() {
				v.Keys = append(v.Keys, KeySnapshot{KID: k.KID, CreatedAt: k.CreatedAt, RetiredAt: timeCopy(k.RetiredAt), Signing: i == 0})
			}
			out = append(out, v)
		}
		return nil
	})
	return out
}

// settingsJSON encodes a settings record; its types are plain, so it
// cannot fail, and nil is what the inspector would show as an error.
func settingsJSON(v any) json.RawMessage {
	data, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return data
}

// UserSnapshot is one user as a listing shows it.
type UserSnapshot struct {
	ID            string
	Username      string
	DisplayName   *string
	Status        string
	Role          string
	Email         string // the primary one
	EmailVerified bool
	Phone         string // the primary one
	LiveSessions  int
	Factors       int // enabled ones
	CreatedAt     time.Time
	LastUsedAt    *time.Time
}

// UserMatches is a page of users matching a search.
type UserMatches struct {
	Users []UserSnapshot
	Total int // matches, of which at most the limit asked for are listed
}

// InspectUsers lists the users of the app slug whose id, username, display
// name or any contact contains q (case-insensitive; "" matches all), in
// creation order, at most limit of them (<= 0: all).
func (d *Domain) InspectUsers(slug, q string, limit int) (UserMatches, error) {
	q = strings.ToLower(q)
	var out UserMatches
	err := read(d, func() error {
		a := d.st.appBySlug[slug]
		if a == nil {
			return fmt.Errorf("%w: no app with slug %q", ErrNotFound, slug)
		}
		now := d.now()
		for _, u := range a.Users {
			if q != "" && !userMatches(u, q) {
				continue
			}
			out.Total++
			if limit <= 0 || len(out.Users) < limit {
				out.Users = append(out.Users, userSnapshot(a, u, now))
			}
		}
		return nil
	})
	return out, err
}

func userMatches(u *userRec, q string) bool {
	if strings.Contains(strings.ToLower(u.ID), q) || strings.Contains(strings.ToLower(u.Username), q) {
		return true
	}
	if u.DisplayName != nil && strings.Contains(strings.ToLower(*u.DisplayName), q) {
		return true
	}
	for _, c := range u.Contacts {
		if strings.Contains(strings.ToLower(c.Value), q) {
			return true
		}
	}
	return false
}

// userSnapshot copies one listing row. Caller holds d.mu.
func userSnapshot(a *appRec, u *userRec, now time.Time) UserSnapshot {
	s := UserSnapshot{
		ID: u.ID, Username: u.Username, DisplayName: stringCopy(u.DisplayName), Status: u.Status, Role: u.Role,
		CreatedAt: u.CreatedAt, LastUsedAt: timeCopy(u.LastUsedAt),
	}
	if c := u.primary("email"); c != nil {
		s.Email, s.EmailVerified = c.Value, c.VerifiedAt != nil
	}
	if c := u.primary("phone"); c != nil {
		s.Phone = c.Value
	}
	for _, sess := range a.userSess[u.ID] {
		if now.Before(sess.ExpiresAt) {
			s.LiveSessions++
		}
	}
	for _, f := range a.Factors {
		if f.UserID == u.ID && f.Enabled {
			s.Factors++
		}
	}
	return s
}

// UserDetailSnapshot is everything the domain shows of one user. Password,
// recovery-code and TOTP secrets are not in it.
type UserDetailSnapshot struct {
	UserSnapshot
	AppSlug           string
	Contacts          []ContactSnapshot
	Sessions          []SessionSnapshot // live ones
	Factors           []FactorSnapshot
	Permissions       []string // of the user's role, sorted
	FailedLogins      int
	LockedUntil       *time.Time
	RecoveryCodesLeft int
	Metadata          map[string]any // never nil
}

// ContactSnapshot is an email or phone of a user.
type ContactSnapshot struct {
	ID         string
	Type       string
	Value      string
	IsPrimary  bool
	VerifiedAt *time.Time
	CreatedAt  time.Time
}

// SessionSnapshot is a session. Role is the effective one (a role pinned
// by a minted token, else the user's).
type SessionSnapshot struct {
	ID            string
	UserID        string
	Role          string
	AMR           []string
	MFAAt         *time.Time
	IP            *string
	UserAgent     *string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	LastUsedAt    *time.Time
	RotatedTokens int // refresh tokens rotated out of it
}

// FactorSnapshot is an MFA factor without its secret.
type FactorSnapshot struct {
	ID         string
	Type       string
	Label      *string
	Enabled    bool
	EnabledAt  *time.Time
	DisabledAt *time.Time
	CreatedAt  time.Time
}

// InspectUser shows one user of the app slug, found by id, username or
// email.
func (d *Domain) InspectUser(slug, ref string) (UserDetailSnapshot, error) {
	var out UserDetailSnapshot
	err := read(d, func() error {
		a := d.st.appBySlug[slug]
		if a == nil {
			return fmt.Errorf("%w: no app with slug %q", ErrNotFound, slug)
		}
		u := a.userByID[ref]
		if u == nil {
			u = a.byUsername[foldKey(ref)]
		}
		if u == nil {
			u = a.byContact[contactKey("email", ref)]
		}
		if u == nil {
			return fmt.Errorf("%w: no user %q in app %q", ErrNotFound, ref, slug)
		}
		now := d.now()
		out = UserDetailSnapshot{
			UserSnapshot: userSnapshot(a, u, now), AppSlug: a.Slug,
			Permissions: a.rolePermissions(u.Role), FailedLogins: u.FailedLogins, LockedUntil: timeCopy(u.LockedUntil),
			RecoveryCodesLeft: len(u.RecoveryHashes), Metadata: maps.Clone(u.Metadata),
		}
		if out.Metadata == nil {
			out.Metadata = map[string]any{}
		}
		for _, c := range u.Contacts {
			out.Contacts = append(out.Contacts, ContactSnapshot{
				ID: c.ID, Type: c.Type, Value: c.Value, IsPrimary: c.IsPrimary,
				VerifiedAt: timeCopy(c.VerifiedAt), CreatedAt: c.CreatedAt,
			})
		}
		for _, s := range a.userSess[u.ID] {
			if now.Before(s.ExpiresAt) {
				out.Sessions = append(out.Sessions, sessionSnapshot(u, s))
			}
		}
		for _, f := range a.Factors {
			if f.UserID == u.ID {
				out.Factors = append(out.Factors, FactorSnapshot{
					ID: f.ID, Type: f.Type, Label: stringCopy(f.Label), Enabled: f.Enabled,
					EnabledAt: timeCopy(f.EnabledAt), DisabledAt: timeCopy(f.DisabledAt), CreatedAt: f.CreatedAt,
				})
			}
		}
		return nil
	})
	return out, err
}

// sessionSnapshot copies s. Caller holds d.mu.
func sessionSnapshot(u *userRec, s *sessionRec) SessionSnapshot {
	role := u.Role
	if s.Role != "" {
		role = s.Role
	}
	return SessionSnapshot{
		ID: s.ID, UserID: s.UserID, Role: role, AMR: slices.Clone(s.AMR), MFAAt: timeCopy(s.MFAAt),
		IP: stringCopy(s.IP), UserAgent: stringCopy(s.UserAgent), CreatedAt: s.CreatedAt, ExpiresAt: s.ExpiresAt,
		LastUsedAt: timeCopy(s.LastUsedAt), RotatedTokens: len(s.OldHashes),
	}
}

// TokenCheck is the verdict on a token: what it holds, the app it speaks
// for, and why the mock would refuse it now, if it would.
type TokenCheck struct {
	Header map[string]any // nil when the token does not decode
	Claims map[string]any
	// Reason is "" when the token verifies, else one of the keys.Reason*
	// values, the Reason* ones above, or "app_" + the app's status.
	Reason string
	// ByKeys marks a refusal by decoding or the signature and claim checks
	// of the keystore; KeyDetail is then its explanation.
	ByKeys    bool
	KeyDetail string
	// SignatureRedacted: the token is a journal copy, which keeps no
	// signature, so everything but the signature was checked.
	SignatureRedacted bool
	Now               time.Time        // the mock clock the verdict was given at
	App               *TokenApp        // nil: no app matches the token
	Session           *SessionSnapshot // the live session its sid names
	UserStatus        string           // the sub's status when Reason is user_inactive ("" when unknown)
}

// TokenApp is the app a token speaks for.
type TokenApp struct {
	ID, Slug, Status string
}

// InspectToken checks token exactly as /verify would for the app it names
// (by aid, else aud, else the app publishing its kid): the app's keystore,
// the mock clock, the issuers accepted at the origin, then audience, app
// id and the live session or client. A journal copy, whose signature is
// masked, is checked for everything but the signature.
func (d *Domain) InspectToken(token string, at Origin) TokenCheck {
	out := TokenCheck{Now: d.now()}
	if token == "" {
		out.Reason = reasonMissing
		return out
	}
	header, claims, err := keys.DecodeUnverified(token)
	if err != nil {
		out.Reason, out.ByKeys, out.KeyDetail = keys.ReasonMalformed, true, strings.TrimPrefix(err.Error(), "keys: ")
		return out
	}
	out.Header, out.Claims = header, claims

	var a *appRec
	var ks *keys.Keystore
	_ = read(d, func() error {
		if a = d.tokenApp(header, claims); a != nil {
			ks, out.App = a.keystore, &TokenApp{ID: a.ID, Slug: a.Slug, Status: a.Status}
		}
		return nil
	})
	if a == nil {
		out.Reason = ReasonUnknownApp
		return out
	}
	// The signature is checked outside the lock, as /verify does.
	expect := keys.Expect{Issuers: d.issuersAt(at, out.App.Slug, true), Now: d.now()}
	if out.SignatureRedacted = strings.HasSuffix(token, "."+redact.Mask); out.SignatureRedacted {
		_, err = ks.VerifyUnsigned(token, expect)
	} else {
		_, err = ks.Verify(token, expect)
	}

	_ = read(d, func() error {
		now := d.now()
		out.Now = now
		out.App.Status = a.Status
		if sid, _ := claims["sid"].(string); sid != "" {
			if s := a.sessionByID[sid]; s != nil && now.Before(s.ExpiresAt) {
				if u := a.userByID[s.UserID]; u != nil {
					v := sessionSnapshot(u, s)
					out.Session = &v
				}
			}
		}
		if err != nil {
			out.ByKeys = true
			var ve *keys.VerifyError
			if errors.As(err, &ve) {
				out.Reason, out.KeyDetail = ve.Reason, ve.Detail
			} else {
				out.Reason, out.KeyDetail = keys.ReasonMalformed, err.Error()
			}
			return nil
		}
		if d.st.appBySlug[a.Slug] != a || a.keystore != ks { // reset or import meanwhile
			out.Reason, out.ByKeys, out.KeyDetail = keys.ReasonUnknownKey, true, "the app's keys changed while checking (reset or import)"
			return nil
		}
		if _, reason := d.principalOf(a, claims); reason != "" {
			out.Reason = reason
			if reason == reasonUserInactive {
				if u := a.userByID[fmt.Sprint(claims["sub"])]; u != nil {
					out.UserStatus = u.Status
				}
			}
			return nil
		}
		if a.Status != "active" {
			out.Reason = "app_" + a.Status
		}
		return nil
	})
	return out
}

// tokenApp finds the app a token speaks for. Caller holds d.mu.
func (d *Domain) tokenApp(header, claims map[string]any) *appRec {
	if aid, _ := claims["aid"].(string); aid != "" {
		if a := d.st.appByID[aid]; a != nil {
			return a
		}
	}
	switch aud := claims["aud"].(type) {
	case string:
		if a := d.st.appBySlug[aud]; a != nil {
			return a
		}
	case []any:
		for _, x := range aud {
			if s, ok := x.(string); ok && d.st.appBySlug[s] != nil {
				return d.st.appBySlug[s]
			}
		}
	}
	kid, _ := header["kid"].(string)
	for _, a := range d.st.Apps {
		if slices.ContainsFunc(a.keystore.Keys(), func(k keys.Key) bool { return k.KID == kid }) {
			return a
		}
	}
	return nil
}

// timeCopy and stringCopy keep a snapshot from sharing a pointer with the
// state, which later requests may write through.
func timeCopy(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := *t
	return &c
}

func stringCopy(s *string) *string {
	if s == nil {
		return nil
	}
	c := *s
	return &c
}
