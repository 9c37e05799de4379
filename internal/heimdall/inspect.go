package heimdall

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/keys"
	"github.com/heimdall-mock/heimdall-mock/internal/redact"
)

// This file is the inspector's read-only view of the domain: what apps,
// users, sessions and factors exist, and why a given token does or does not
// verify right now. Every method takes d.mu only to copy what it shows; none
// changes the state (expired sessions are hidden, not forgotten), so looking
// at the mock never alters what a test observes next.

// ErrNotFound is wrapped by the inspect methods when the app or user named
// does not exist.
var ErrNotFound = errors.New("not found")

// maxInspectUsers caps one user listing; the page searches rather than
// scrolling through more.
const maxInspectUsers = 500

// Reasons InspectToken gives beyond the keys and domain verification ones.
const (
	ReasonUnknownApp = "unknown_app"
)

// AppView is an app with its settings and signing keys.
type AppView struct {
	ID            string         `json:"id"`
	Slug          string         `json:"slug"`
	DisplayName   string         `json:"display_name"`
	Status        string         `json:"status"`
	CreatedAt     string         `json:"created_at"`
	Users         int            `json:"users"`
	LiveSessions  int            `json:"live_sessions"`
	Roles         []string       `json:"roles"`
	Providers     []ProviderView `json:"providers"`
	AuthConfig    map[string]any `json:"auth_config"`
	Notifications map[string]any `json:"notification_settings"`
	Keys          []KeyView      `json:"signing_keys"`
	Issuer        string         `json:"issuer"`
}

// ProviderView is a native sign-in provider's switch; its secrets stay out.
type ProviderView struct {
	Provider string `json:"provider"`
	Enabled  bool   `json:"enabled"`
}

// KeyView is one signing key: Signing marks the key new tokens are signed
// with; RetiredAt is when a rotation replaced it (it still verifies).
type KeyView struct {
	KID       string  `json:"kid"`
	CreatedAt string  `json:"created_at"`
	RetiredAt *string `json:"retired_at"`
	Signing   bool    `json:"signing"`
}

// UserSummary is one row of a user listing.
type UserSummary struct {
	ID            string  `json:"id"`
	Username      string  `json:"username"`
	DisplayName   *string `json:"display_name"`
	Status        string  `json:"status"`
	Role          string  `json:"role"`
	Email         string  `json:"email"`
	EmailVerified bool    `json:"email_verified"`
	Phone         string  `json:"phone"`
	LiveSessions  int     `json:"live_sessions"`
	Factors       int     `json:"mfa_factors"` // enabled ones
	CreatedAt     string  `json:"created_at"`
	LastUsedAt    *string `json:"last_used_at"`
}

// UserList is a page of users matching a search.
type UserList struct {
	Users []UserSummary `json:"users"`
	Total int           `json:"total"` // matches, of which at most limit are listed
}

// UserDetail is everything the inspector shows about one user. Password,
// recovery-code and TOTP secrets never appear.
type UserDetail struct {
	UserSummary
	AppSlug           string         `json:"app_slug"`
	Contacts          []ContactView  `json:"contacts"`
	Sessions          []SessionView  `json:"sessions"`
	MFAFactors        []FactorView   `json:"factors"`
	Permissions       []string       `json:"permissions"`
	FailedLogins      int            `json:"failed_logins"`
	LockedUntil       *string        `json:"locked_until"`
	RecoveryCodesLeft int            `json:"recovery_codes_left"`
	Metadata          map[string]any `json:"metadata"`
}

// ContactView is an email or phone of a user.
type ContactView struct {
	ID         string  `json:"id"`
	Type       string  `json:"type"`
	Value      string  `json:"value"`
	IsPrimary  bool    `json:"is_primary"`
	VerifiedAt *string `json:"verified_at"`
	CreatedAt  string  `json:"created_at"`
}

// SessionView is a live session. Role is the effective one (a role pinned
// by a minted token, else the user's).
type SessionView struct {
	ID            string   `json:"id"`
	UserID        string   `json:"user_id"`
	Role          string   `json:"role"`
	AMR           []string `json:"amr"`
	MFAAt         *string  `json:"mfa_at"`
	IP            *string  `json:"ip"`
	UserAgent     *string  `json:"user_agent"`
	CreatedAt     string   `json:"created_at"`
	ExpiresAt     string   `json:"expires_at"`
	LastUsedAt    *string  `json:"last_used_at"`
	RotatedTokens int      `json:"rotated_refresh_tokens"`
}

// FactorView is an MFA factor without its secret.
type FactorView struct {
	ID         string  `json:"id"`
	Type       string  `json:"type"`
	Label      *string `json:"label"`
	Enabled    bool    `json:"enabled"`
	EnabledAt  *string `json:"enabled_at"`
	DisabledAt *string `json:"disabled_at"`
	CreatedAt  string  `json:"created_at"`
}

// TokenReport says what a token holds and whether the mock would accept it
// now. Reason is "" when it verifies, else one of the keys.Reason* values,
// the domain's (session_revoked, user_inactive, client_inactive,
// wrong_app, missing_token) or unknown_app; Detail explains it in words.
type TokenReport struct {
	Header    map[string]any `json:"header"`
	Claims    map[string]any `json:"claims"`
	Verifies  bool           `json:"verifies"`
	Reason    string         `json:"reason"`
	Detail    string         `json:"detail"`
	AppSlug   string         `json:"app_slug"`
	Session   *SessionView   `json:"session"`
	IssuedAt  *string        `json:"issued_at"`
	ExpiresAt *string        `json:"expires_at"`
	Now       string         `json:"now"` // the mock clock the verdict was given at
	// SignatureRedacted: the token came from the journal, which keeps no
	// signatures, so everything but the signature was checked.
	SignatureRedacted bool `json:"signature_redacted,omitempty"`
}

// InspectApps lists every app, in creation order.
func (d *Domain) InspectApps(r *http.Request) []AppView {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	out := make([]AppView, 0, len(d.st.Apps))
	for _, a := range d.st.Apps {
		v := AppView{
			ID: a.ID, Slug: a.Slug, DisplayName: a.DisplayName, Status: a.Status,
			CreatedAt: ts(a.CreatedAt), Users: len(a.Users),
			AuthConfig: asMap(a.Config), Notifications: asMap(a.Notify),
			Issuer: d.issuer(r, a.Slug), Roles: make([]string, 0, len(a.Roles)),
			Providers: make([]ProviderView, 0, len(a.Providers)),
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
			v.Providers = append(v.Providers, ProviderView{Provider: p.Provider, Enabled: p.Enabled})
		}
		for i, k := range a.keystore.Keys() {
			v.Keys = append(v.Keys, KeyView{KID: k.KID, CreatedAt: ts(k.CreatedAt), RetiredAt: tsPtr(k.RetiredAt), Signing: i == 0})
		}
		out = append(out, v)
	}
	return out
}

// asMap turns one of the settings records into the map the page renders
// generically, so a new setting shows up without touching the inspector.
func asMap(v any) map[string]any {
	data, err := json.Marshal(v)
	if err != nil {
		return map[string]any{"error": err.Error()}
	}
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return map[string]any{"error": err.Error()}
	}
	return out
}

// InspectUsers lists the users of the app slug whose id, username, display
// name or any contact contains q (case-insensitive; "" matches all), in
// creation order, at most limit of them (<= 0 or over 500: 500).
func (d *Domain) InspectUsers(slug, q string, limit int) (UserList, error) {
	if limit <= 0 || limit > maxInspectUsers {
		limit = maxInspectUsers
	}
	q = strings.ToLower(strings.TrimSpace(q))
	d.mu.Lock()
	defer d.mu.Unlock()
	a := d.st.appBySlug[slug]
	if a == nil {
		return UserList{}, fmt.Errorf("%w: no app with slug %q", ErrNotFound, slug)
	}
	now := d.now()
	out := UserList{Users: []UserSummary{}}
	for _, u := range a.Users {
		if q != "" && !userMatches(u, q) {
			continue
		}
		out.Total++
		if len(out.Users) < limit {
			out.Users = append(out.Users, d.inspectRow(a, u, now))
		}
	}
	return out, nil
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

// inspectRow shapes one listing row. Caller holds d.mu.
func (d *Domain) inspectRow(a *appRec, u *userRec, now time.Time) UserSummary {
	s := UserSummary{
		ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Status: u.Status, Role: u.Role,
		CreatedAt: ts(u.CreatedAt), LastUsedAt: tsPtr(u.LastUsedAt),
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

// InspectUser shows one user of the app slug, found by id, username or
// email.
func (d *Domain) InspectUser(slug, ref string) (UserDetail, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	a := d.st.appBySlug[slug]
	if a == nil {
		return UserDetail{}, fmt.Errorf("%w: no app with slug %q", ErrNotFound, slug)
	}
	u := a.userByID[ref]
	if u == nil {
		u = a.byUsername[foldKey(ref)]
	}
	if u == nil {
		u = a.byContact[contactKey("email", ref)]
	}
	if u == nil {
		return UserDetail{}, fmt.Errorf("%w: no user %q in app %q", ErrNotFound, ref, slug)
	}
	now := d.now()
	out := UserDetail{
		UserSummary: d.inspectRow(a, u, now), AppSlug: a.Slug,
		Contacts: make([]ContactView, 0, len(u.Contacts)), Sessions: []SessionView{}, MFAFactors: []FactorView{},
		Permissions: a.rolePermissions(u.Role), FailedLogins: u.FailedLogins, LockedUntil: tsPtr(u.LockedUntil),
		RecoveryCodesLeft: len(u.RecoveryHashes), Metadata: u.Metadata,
	}
	if out.Metadata == nil {
		out.Metadata = map[string]any{}
	}
	for _, c := range u.Contacts {
		out.Contacts = append(out.Contacts, ContactView{
			ID: c.ID, Type: c.Type, Value: c.Value, IsPrimary: c.IsPrimary,
			VerifiedAt: tsPtr(c.VerifiedAt), CreatedAt: ts(c.CreatedAt),
		})
	}
	for _, s := range a.userSess[u.ID] {
		if now.Before(s.ExpiresAt) {
			out.Sessions = append(out.Sessions, sessionView(u, s))
		}
	}
	for _, f := range a.Factors {
		if f.UserID == u.ID {
			out.MFAFactors = append(out.MFAFactors, FactorView{
				ID: f.ID, Type: f.Type, Label: f.Label, Enabled: f.Enabled,
				EnabledAt: tsPtr(f.EnabledAt), DisabledAt: tsPtr(f.DisabledAt), CreatedAt: ts(f.CreatedAt),
			})
		}
	}
	return out, nil
}

func sessionView(u *userRec, s *sessionRec) SessionView {
	role := u.Role
	if s.Role != "" {
		role = s.Role
	}
	return SessionView{
		ID: s.ID, UserID: s.UserID, Role: role, AMR: append([]string{}, s.AMR...), MFAAt: tsPtr(s.MFAAt),
		IP: s.IP, UserAgent: s.UserAgent, CreatedAt: ts(s.CreatedAt), ExpiresAt: ts(s.ExpiresAt),
		LastUsedAt: tsPtr(s.LastUsedAt), RotatedTokens: len(s.OldHashes),
	}
}

// InspectToken decodes token and checks it exactly as /verify would for the
// app it names (by aid, else aud, else the app publishing its kid): the
// app's keystore, the mock clock, the issuer as seen by r, then audience,
// app id and the live session or client. A bad token is a report with a
// reason, never an error.
func (d *Domain) InspectToken(r *http.Request, token string) TokenReport {
	token = strings.TrimSpace(token)
	if len(token) > 7 && strings.EqualFold(token[:7], "bearer ") {
		token = strings.TrimSpace(token[7:])
	}
	rep := TokenReport{Now: ts(d.now())}
	if token == "" {
		rep.Reason, rep.Detail = reasonMissing, "no token given"
		return rep
	}
	header, claims, err := keys.DecodeUnverified(token)
	if err != nil {
		rep.Reason, rep.Detail = keys.ReasonMalformed, strings.TrimPrefix(err.Error(), "keys: ")
		return rep
	}
	rep.Header, rep.Claims = header, claims
	rep.IssuedAt, rep.ExpiresAt = claimTime(claims, "iat"), claimTime(claims, "exp")

	d.mu.Lock()
	a := d.tokenApp(header, claims)
	var ks *keys.Keystore
	if a != nil {
		ks, rep.AppSlug = a.keystore, a.Slug
	}
	d.mu.Unlock()
	if a == nil {
		rep.Reason, rep.Detail = ReasonUnknownApp, "no app matches the token's aid or aud, and no app publishes its kid"
		return rep
	}
	// The signature is checked outside the mutex, as /verify does.
	expect := keys.Expect{Issuers: d.acceptedIssuers(r, a.Slug, true), Now: d.now()}
	if rep.SignatureRedacted = strings.HasSuffix(token, "."+redact.Mask); rep.SignatureRedacted {
		_, err = ks.VerifyUnsigned(token, expect)
	} else {
		_, err = ks.Verify(token, expect)
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	rep.Now = ts(now)
	if sid, _ := claims["sid"].(string); sid != "" {
		if s := a.sessionByID[sid]; s != nil && now.Before(s.ExpiresAt) {
			if u := a.userByID[s.UserID]; u != nil {
				v := sessionView(u, s)
				rep.Session = &v
			}
		}
	}
	if err != nil {
		var ve *keys.VerifyError
		if errors.As(err, &ve) {
			rep.Reason, rep.Detail = ve.Reason, ve.Detail
		} else {
			rep.Reason, rep.Detail = keys.ReasonMalformed, err.Error()
		}
		if exp, ok := claims["exp"].(float64); ok && rep.Reason == keys.ReasonExpired {
			at := time.Unix(int64(exp), 0)
			rep.Detail = fmt.Sprintf("expired at %s, %s before the mock clock's %s",
				at.UTC().Format(time.DateTime+" UTC"), now.Sub(at).Round(time.Second), now.UTC().Format(time.DateTime+" UTC"))
		}
		return rep
	}
	if d.st.appBySlug[a.Slug] != a || a.keystore != ks { // reset or import meanwhile
		rep.Reason, rep.Detail = keys.ReasonUnknownKey, "the app's keys changed while checking (reset or import)"
		return rep
	}
	if _, reason := d.principalOf(a, claims); reason != "" {
		rep.Reason, rep.Detail = reason, principalDetail(a, claims, reason)
		return rep
	}
	if a.Status != "active" {
		rep.Reason, rep.Detail = "app_"+a.Status, "the app is "+a.Status+", so consumer calls answer 403"
		return rep
	}
	rep.Verifies = true
	return rep
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

// principalDetail words a domain-level refusal for a person.
func principalDetail(a *appRec, claims map[string]any, reason string) string {
	switch reason {
	case keys.ReasonAudience:
		return fmt.Sprintf("aud %v is not the app slug %q", claims["aud"], a.Slug)
	case reasonWrongApp:
		return fmt.Sprintf("aid %v is not the id of app %q (%s)", claims["aid"], a.Slug, a.ID)
	case reasonSessionRevoked:
		if sid, _ := claims["sid"].(string); sid != "" {
			return "session " + sid + " is not live: revoked, logged out, evicted or expired"
		}
		return "the token carries no session id"
	case reasonUserInactive:
		if u := a.userByID[fmt.Sprint(claims["sub"])]; u != nil {
			return "the user is " + u.Status
		}
		return "the user is not active"
	case reasonClientInactive:
		return fmt.Sprintf("M2M client %v is unknown or inactive", claims["client_id"])
	case keys.ReasonMalformed:
		return fmt.Sprintf("type %v is neither end_user nor m2m", claims["type"])
	}
	return reason
}

func claimTime(claims map[string]any, name string) *string {
	v, ok := claims[name].(float64)
	if !ok {
		return nil
	}
	s := ts(time.Unix(int64(v), 0))
	return &s
}
