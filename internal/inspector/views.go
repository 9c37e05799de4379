package inspector

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/heimdall"
	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

// This file turns the domain's snapshots into what the page reads: JSON
// field names, timestamps as the API writes them, and a sentence for each
// reason a token is refused. The page's script depends on these names.

// Domain is what the inspector reads of the Heimdall domain;
// *heimdall.Domain satisfies it.
type Domain interface {
	InspectApps(at heimdall.Origin) []heimdall.AppSnapshot
	InspectUsers(slug, q string, limit int) (heimdall.UserMatches, error)
	InspectUser(slug, ref string) (heimdall.UserDetailSnapshot, error)
	InspectToken(token string, at heimdall.Origin) heimdall.TokenCheck
}

var _ Domain = (*heimdall.Domain)(nil)

// maxUsers caps one user listing; the page searches rather than scrolling
// through more.
const maxUsers = 500

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

// ProviderView is a native sign-in provider's switch.
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
	MFAFactors        []FactorView   `json:"factors"`
	Permissions       []string       `json:"permissions"`
	FailedLogins      int            `json:"failed_logins"`
	LockedUntil       *string        `json:"locked_until"`
	RecoveryCodesLeft int            `json:"recovery_codes_left"`
	Metadata          map[string]any `json:"metadata"`
	Sessions          []UserSession  `json:"sessions"`
}

// UserSession is a live session plus the newest access token the journal
// saw issued for it, so the page can decode what the client holds.
type UserSession struct {
	SessionView
	AccessToken string `json:"access_token,omitempty"`
	RequestID   string `json:"token_request_id,omitempty"` // the journal entry it came from
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
// wrong_app, missing_token, unknown_app, app_<status>); Detail explains it
// in words.
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

func appViews(apps []heimdall.AppSnapshot) []AppView {
	out := make([]AppView, 0, len(apps))
	for _, a := range apps {
		v := AppView{
			ID: a.ID, Slug: a.Slug, DisplayName: a.DisplayName, Status: a.Status,
			CreatedAt: ts(a.CreatedAt), Users: a.Users, LiveSessions: a.LiveSessions,
			Roles: a.Roles, Providers: make([]ProviderView, 0, len(a.Providers)),
			AuthConfig: asMap(a.AuthConfig), Notifications: asMap(a.Notifications), Issuer: a.Issuer,
		}
		if v.Roles == nil {
			v.Roles = []string{}
		}
		for _, p := range a.Providers {
			v.Providers = append(v.Providers, ProviderView{Provider: p.Provider, Enabled: p.Enabled})
		}
		for _, k := range a.Keys {
			v.Keys = append(v.Keys, KeyView{KID: k.KID, CreatedAt: ts(k.CreatedAt), RetiredAt: tsPtr(k.RetiredAt), Signing: k.Signing})
		}
		out = append(out, v)
	}
	return out
}

// asMap turns one of the settings records into the map the page renders
// generically, so a new setting shows up without touching the inspector.
func asMap(raw json.RawMessage) map[string]any {
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return map[string]any{"error": err.Error()}
	}
	return out
}

func userList(m heimdall.UserMatches) UserList {
	out := UserList{Users: make([]UserSummary, 0, len(m.Users)), Total: m.Total}
	for _, u := range m.Users {
		out.Users = append(out.Users, userSummary(u))
	}
	return out
}

func userSummary(u heimdall.UserSnapshot) UserSummary {
	return UserSummary{
		ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Status: u.Status, Role: u.Role,
		Email: u.Email, EmailVerified: u.EmailVerified, Phone: u.Phone,
		LiveSessions: u.LiveSessions, Factors: u.Factors,
		CreatedAt: ts(u.CreatedAt), LastUsedAt: tsPtr(u.LastUsedAt),
	}
}

// userDetail shapes u; tokens holds, per session id, the access token the
// journal saw issued for it.
func userDetail(u heimdall.UserDetailSnapshot, tokens map[string]seenToken) UserDetail {
	out := UserDetail{
		UserSummary: userSummary(u.UserSnapshot), AppSlug: u.AppSlug,
		Contacts: make([]ContactView, 0, len(u.Contacts)), MFAFactors: make([]FactorView, 0, len(u.Factors)),
		Permissions: u.Permissions, FailedLogins: u.FailedLogins, LockedUntil: tsPtr(u.LockedUntil),
		RecoveryCodesLeft: u.RecoveryCodesLeft, Metadata: u.Metadata,
		Sessions: make([]UserSession, 0, len(u.Sessions)),
	}
	if out.Permissions == nil {
		out.Permissions = []string{}
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
	for _, s := range u.Sessions {
		us := UserSession{SessionView: sessionView(s)}
		if t, ok := tokens[s.ID]; ok {
			us.AccessToken, us.RequestID = t.token, t.requestID
		}
		out.Sessions = append(out.Sessions, us)
	}
	for _, f := range u.Factors {
		out.MFAFactors = append(out.MFAFactors, FactorView{
			ID: f.ID, Type: f.Type, Label: f.Label, Enabled: f.Enabled,
			EnabledAt: tsPtr(f.EnabledAt), DisabledAt: tsPtr(f.DisabledAt), CreatedAt: ts(f.CreatedAt),
		})
	}
	return out
}

func sessionView(s heimdall.SessionSnapshot) SessionView {
	amr := s.AMR
	if amr == nil {
		amr = []string{}
	}
	return SessionView{
		ID: s.ID, UserID: s.UserID, Role: s.Role, AMR: amr, MFAAt: tsPtr(s.MFAAt),
		IP: s.IP, UserAgent: s.UserAgent, CreatedAt: ts(s.CreatedAt), ExpiresAt: ts(s.ExpiresAt),
		LastUsedAt: tsPtr(s.LastUsedAt), RotatedTokens: s.RotatedTokens,
	}
}

// cleanToken accepts a token as pasted: surrounding blanks and a copied
// "Bearer " prefix are not part of it.
func cleanToken(token string) string {
	token = strings.TrimSpace(token)
	if len(token) > 7 && strings.EqualFold(token[:7], "bearer ") {
		token = strings.TrimSpace(token[7:])
	}
	return token
}

func tokenReport(c heimdall.TokenCheck) TokenReport {
	rep := TokenReport{
		Header: c.Header, Claims: c.Claims, Verifies: c.Reason == "", Reason: c.Reason,
		Detail: tokenDetail(c), Now: ts(c.Now), SignatureRedacted: c.SignatureRedacted,
	}
	if c.App != nil {
		rep.AppSlug = c.App.Slug
	}
	if c.Session != nil {
		v := sessionView(*c.Session)
		rep.Session = &v
	}
	if c.Claims != nil {
		rep.IssuedAt, rep.ExpiresAt = claimTime(c.Claims, "iat"), claimTime(c.Claims, "exp")
	}
	return rep
}

// tokenDetail words the reason a token is refused for a person.
func tokenDetail(c heimdall.TokenCheck) string {
	claims := c.Claims
	switch {
	case c.Reason == "":
		return ""
	case c.Reason == heimdall.ReasonMissingToken:
		return "no token given"
	case c.Reason == heimdall.ReasonUnknownApp:
		return "no app matches the token's aid or aud, and no app publishes its kid"
	case c.ByKeys:
		if exp, ok := claims["exp"].(float64); ok && c.Reason == keys.ReasonExpired {
			at, now := time.Unix(int64(exp), 0), c.Now
			return fmt.Sprintf("expired at %s, %s before the mock clock's %s",
				at.UTC().Format(time.DateTime+" UTC"), now.Sub(at).Round(time.Second), now.UTC().Format(time.DateTime+" UTC"))
		}
		return c.KeyDetail
	case c.App == nil:
		return c.Reason
	case c.Reason == "app_"+c.App.Status:
		return "the app is " + c.App.Status + ", so consumer calls answer 403"
	}
	a := c.App
	switch c.Reason {
	case keys.ReasonAudience:
		return fmt.Sprintf("aud %v is not the app slug %q", claims["aud"], a.Slug)
	case heimdall.ReasonWrongApp:
		return fmt.Sprintf("aid %v is not the id of app %q (%s)", claims["aid"], a.Slug, a.ID)
	case heimdall.ReasonSessionRevoked:
		if sid, _ := claims["sid"].(string); sid != "" {
			return "session " + sid + " is not live: revoked, logged out, evicted or expired"
		}
		return "the token carries no session id"
	case heimdall.ReasonUserInactive:
		if c.UserStatus != "" {
			return "the user is " + c.UserStatus
		}
		return "the user is not active"
	case heimdall.ReasonClientInactive:
		return fmt.Sprintf("M2M client %v is unknown or inactive", claims["client_id"])
	case keys.ReasonMalformed:
		return fmt.Sprintf("type %v is neither end_user nor m2m", claims["type"])
	}
	return c.Reason
}

func claimTime(claims map[string]any, name string) *string {
	v, ok := claims[name].(float64)
	if !ok {
		return nil
	}
	s := ts(time.Unix(int64(v), 0))
	return &s
}

// ts and tsPtr write times as the API does, so the page shows what a
// client of the mock sees.
var (
	ts    = heimdall.Timestamp
	tsPtr = heimdall.TimestampPtr
)
