package heimdall

import (
	"slices"
	"sort"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/idp"
	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

// state is everything the domain remembers. Exported fields are the
// snapshot (Export/Import); lower-case fields are indexes rebuilt by
// reindex, so a snapshot can never disagree with its indexes.
type state struct {
	WorkspaceID string       `json:"workspace_id"`
	OwnerID     string       `json:"owner_id"`
	Seq         int64        `json:"seq"`
	Apps        []*appRec    `json:"apps"`
	APIKeys     []*apiKeyRec `json:"api_keys"`
	Outbox      []*outboxRec `json:"outbox"`
	// PlatformMembers are the workspace's platform users besides its
	// owner, who is always one (OwnerID).
	PlatformMembers []*platformMemberRec `json:"platform_members,omitempty"`
	// IdentityProviders are the fake Apple/Google signing keys; filled by
	// Export only, like appRec.Keys.
	IdentityProviders idp.Exported `json:"identity_providers,omitempty"`
	idps              *idp.Set
	appByID           map[string]*appRec // id → app
	appBySlug         map[string]*appRec // slug → app
	keyByHash         map[string]*apiKeyRec
	auditCount        int // audit events over all apps, roughly (see Domain.audit)
}

type appRec struct {
	Seq         int64                `json:"seq"`
	ID          string               `json:"id"`
	Slug        string               `json:"slug"`
	DisplayName string               `json:"display_name"`
	WorkspaceID string               `json:"workspace_id"`
	CreatedBy   string               `json:"created_by"`
	Status      string               `json:"status"`
	Metadata    map[string]any       `json:"metadata"`
	CreatedAt   time.Time            `json:"created_at"`
	UpdatedAt   time.Time            `json:"updated_at"`
	Config      authConfig           `json:"auth_config"`
	Notify      notifySettings       `json:"notification_settings"`
	Providers   []*providerRec       `json:"providers"`
	Keys        keys.Exported        `json:"signing_keys"` // filled by Export only
	Users       []*userRec           `json:"users"`        // creation order
	Sessions    []*sessionRec        `json:"sessions"`
	Roles       []*roleRec           `json:"roles"`
	Permissions []*permRec           `json:"permissions"`
	Clients     []*clientRec         `json:"m2m_clients"`
	Codes       []*codeRec           `json:"codes"`
	Audit       []*auditRec          `json:"audit"`
	Invites     []*inviteRec         `json:"invites"`
	Factors     []*factorRec         `json:"mfa_factors"`
	OAuthNonces map[string]time.Time `json:"oauth_nonces,omitempty"` // consumed federated nonce hash → until when
	Tenants     []*tenantRec         `json:"tenants"`
	Memberships []*memberRec         `json:"tenant_members"`
	Webhook     *webhookRec          `json:"webhook,omitempty"`
	Deliveries  []*deliveryRec       `json:"webhook_deliveries"` // pending: not yet delivered or given up
	Attempts    []*attemptRec        `json:"webhook_attempts"`   // newest last, capped

	keystore    *keys.Keystore
	sessOrder   []*sessionRec // sessions in creation order, some already dropped; see capSessions
	userByID    map[string]*userRec
	byUsername  map[string]*userRec // lower-case username
	byContact   map[string]*userRec // contactKey(type, value) of every contact
	sessionByID map[string]*sessionRec
	byRefresh   map[string]*sessionRec   // hash of every refresh token a live session ever had
	userSess    map[string][]*sessionRec // user id → live sessions, oldest first
	roleByName  map[string]*roleRec
	permByKey   map[string]*permRec
	clientByID  map[string]*clientRec // by id and by client_id
	codeByHash  map[string]*codeRec
	codeByOwner map[string]*codeRec   // codeOwner(...) → the one code that may be used
	inviteByRef map[string]*inviteRec // by id and by code
	factorByID  map[string]*factorRec
	challenges  map[string]*challengeRec // hash of mfa_token → pending sign-in; never exported
	otpSentAt   map[string]time.Time     // address → last MFA code mailed to it, for the shared throttle; never exported
	auditIdx    auditIndex               // Audit by action, actor and subject
	byIdentity  map[string]*userRec      // identityKey(provider, sub) → user
	web         *webFlows                // pending federated web sign-ins; never exported
	tenantByRef map[string]*tenantRec    // by id, display id and slug
	memberByKey map[string]*memberRec    // memberKey(tenant id, account id)
}

type authConfig struct {
	SignupEnabled             bool     `json:"signup_enabled"`
	SigninEnabled             bool     `json:"signin_enabled"`
	SignupDefaultRole         string   `json:"signup_default_role"`
	SignupAllowedEmailDomains []string `json:"signup_allowed_email_domains"`
	PasswordMinLength         int      `json:"password_min_length"`
	PasswordRequireNumber     bool     `json:"password_require_number"`
	PasswordRequireSymbol     bool     `json:"password_require_symbol"`
	PasswordRequireUppercase  bool     `json:"password_require_uppercase"`
	MaxFailedLoginAttempts    int      `json:"max_failed_login_attempts"`
	MaxSessions               int      `json:"max_sessions"`
	SessionDurationMinutes    int      `json:"session_duration_minutes"`
	EnforceAppPermissions     bool     `json:"enforce_app_permissions"`
	AllowedRedirectOrigins    []string `json:"allowed_redirect_origins"`
	OAuthLinkPolicy           string   `json:"oauth_link_policy"`
	SignupRequiresPAK         bool     `json:"signup_requires_pak,omitempty"`
}

func defaultAuthConfig() authConfig {
	return authConfig{
		SignupEnabled:             true,
		SigninEnabled:             true,
		SignupDefaultRole:         "member",
		SignupAllowedEmailDomains: []string{},
		PasswordMinLength:         8,
		MaxFailedLoginAttempts:    5,
		MaxSessions:               10,
		SessionDurationMinutes:    60 * 24 * 30,
		AllowedRedirectOrigins:    []string{},
		OAuthLinkPolicy:           "confirm",
	}
}

type notifySettings struct {
	Enabled               bool      `json:"notifications_via_envoi"`
	Sender                *string   `json:"default_sender_address"`
	VerificationTemplate  *string   `json:"verification_template_name"`
	PasswordResetTemplate *string   `json:"password_reset_template_name"`
	MFATemplate           *string   `json:"mfa_code_template_name"`
	WelcomeTemplate       *string   `json:"welcome_template_name"`
	WebOrigin             *string   `json:"web_origin"`
	CreatedAt             time.Time `json:"created_at"`
	UpdatedAt             time.Time `json:"updated_at"`
}

type userRec struct {
	Seq          int64          `json:"seq"`
	ID           string         `json:"id"`
	Username     string         `json:"username"`
	DisplayName  *string        `json:"display_name"`
	Status       string         `json:"status"`
	Role         string         `json:"role"`
	PasswordHash string         `json:"password_hash"`
	Contacts     []*contactRec  `json:"contacts"`
	Metadata     map[string]any `json:"metadata"`
	FailedLogins int            `json:"failed_logins"`
	LockedUntil  *time.Time     `json:"locked_until,omitempty"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
	LastUsedAt   *time.Time     `json:"last_used_at,omitempty"`
	// RecoveryHashes are the unused MFA recovery codes, hashed.
	RecoveryHashes []string      `json:"recovery_code_hashes,omitempty"`
	Identities     []identityRec `json:"identities,omitempty"` // linked federated identities
	Avatar         *avatarRec    `json:"avatar,omitempty"`
}

// primary returns the primary contact of a type, or nil.
func (u *userRec) primary(kind string) *contactRec {
	for _, c := range u.Contacts {
		if c.Type == kind && c.IsPrimary {
			return c
		}
	}
	return nil
}

func (u *userRec) contact(id string) *contactRec {
	for _, c := range u.Contacts {
		if c.ID == id {
			return c
		}
	}
	return nil
}

type contactRec struct {
	ID         string     `json:"id"`
	Type       string     `json:"type"` // email | phone
	Value      string     `json:"value"`
	IsPrimary  bool       `json:"is_primary"`
	VerifiedAt *time.Time `json:"verified_at"`
	CreatedAt  time.Time  `json:"created_at"`
}

// contactKey is the uniqueness key of a contact within an app: emails
// compare case-insensitively, phones as given.
func contactKey(kind, value string) string {
	if kind == "email" {
		value = foldKey(value)
	}
	return kind + ":" + value
}

type sessionRec struct {
	Seq         int64      `json:"seq"`
	ID          string     `json:"id"`
	UserID      string     `json:"user_id"`
	RefreshHash string     `json:"refresh_hash"`       // the one refresh token that may be used
	OldHashes   []string   `json:"old_refresh_hashes"` // rotated-out tokens: presenting one is reuse
	AMR         []string   `json:"amr"`
	Role        string     `json:"role,omitempty"`      // set by /__mock/tokens: overrides the user's role
	TenantID    string     `json:"tenant_id,omitempty"` // set by switch-tenant: org_id/org_role claims
	MFAAt       *time.Time `json:"mfa_at,omitempty"`
	// Step-up state: an emailed code awaiting /me/mfa/step-up, and the
	// lock after too many wrong codes.
	StepUpCodeHash string     `json:"step_up_code_hash,omitempty"`
	StepUpCodeExp  time.Time  `json:"step_up_code_expires_at,omitempty"`
	StepUpSentAt   time.Time  `json:"step_up_sent_at,omitempty"`
	StepUpFailures int        `json:"step_up_failures,omitempty"`
	StepUpLocked   *time.Time `json:"step_up_locked_until,omitempty"`
	IP             *string    `json:"ip"`
	UserAgent      *string    `json:"user_agent"`
	CreatedAt      time.Time  `json:"created_at"`
	ExpiresAt      time.Time  `json:"expires_at"`
	LastUsedAt     *time.Time `json:"last_used_at"`
}

type roleRec struct {
	Seq         int64     `json:"seq"`
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description *string   `json:"description"`
	IsSystem    bool      `json:"is_system"`
	Permissions []string  `json:"permissions"` // resource.action keys
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

type permRec struct {
	Seq         int64     `json:"seq"`
	ID          string    `json:"id"`
	Resource    string    `json:"resource"`
	Action      string    `json:"action"`
	Description *string   `json:"description"`
	IsSystem    bool      `json:"is_system"`
	CreatedAt   time.Time `json:"created_at"`
}

func (p *permRec) key() string { return p.Resource + "." + p.Action }

type clientRec struct {
	Seq        int64      `json:"seq"`
	ID         string     `json:"id"`
	ClientID   string     `json:"client_id"`
	Name       string     `json:"name"`
	SecretHash string     `json:"secret_hash"`
	Scopes     []string   `json:"scopes"`
	IsActive   bool       `json:"is_active"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// Kinds of one-time codes, also the outbox kinds they are mailed as.
const (
	kindVerification  = "verification"
	kindPasswordReset = "password_reset"
)

type codeRec struct {
	Hash      string     `json:"hash"` // codeHash(app, kind, code)
	Kind      string     `json:"kind"`
	UserID    string     `json:"user_id"`
	ContactID string     `json:"contact_id,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at,omitempty"` // consumed, or superseded by a newer code
}

type apiKeyRec struct {
	Seq         int64    `json:"seq"`
	ID          string   `json:"id"`
	AppID       string   `json:"app_id,omitempty"` // "": every app of the workspace
	Name        string   `json:"name"`
	Prefix      string   `json:"key_prefix"`
	Hash        string   `json:"key_hash"`
	Permissions []string `json:"permissions"`
	Owner       bool     `json:"owner"` // the workspace owner's key: may do everything
	// via names the token a caller authenticated with when it is not an
	// API key (platform, end_user, m2m); such records are never stored.
	via        string
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

// allows reports whether the key grants perm on app.
func (k *apiKeyRec) allows(app *appRec, perm string) bool {
	if k.AppID != "" && (app == nil || k.AppID != app.ID) {
		return false
	}
	return k.Owner || grants(k.Permissions, perm)
}

type auditRec struct {
	Seq          int64          `json:"seq"`
	ID           string         `json:"id"`
	Action       string         `json:"action"`
	ActorID      *string        `json:"actor_id"`
	ResourceType *string        `json:"resource_type"`
	ResourceID   *string        `json:"resource_id"`
	Details      map[string]any `json:"details"`
	SubjectID    string         `json:"subject_id,omitempty"` // the end user the event concerns, for /me/activity
	CreatedAt    time.Time      `json:"created_at"`
}

// providerRec is a native sign-in provider's config for an app. Secret
// fields are stored as hashes (see storeProviderConfig).
type providerRec struct {
	Provider  string         `json:"provider"`
	Enabled   bool           `json:"enabled"`
	Config    map[string]any `json:"config"`
	CreatedAt time.Time      `json:"created_at"`
	UpdatedAt time.Time      `json:"updated_at"`
}

func (a *appRec) provider(name string) *providerRec {
	for _, p := range a.Providers {
		if p.Provider == name {
			return p
		}
	}
	return nil
}

// inviteRec is a pre-allocated account. Its code is kept in plaintext: the
// admin API lists it, so the real service must hold it too.
type inviteRec struct {
	Seq       int64      `json:"seq"`
	ID        string     `json:"id"`
	Code      string     `json:"code"`
	Email     string     `json:"email"`
	Name      string     `json:"name,omitempty"`
	RoleName  string     `json:"role_name"`
	MaxUses   int        `json:"max_uses"`
	UseCount  int        `json:"use_count"`
	ExpiresAt time.Time  `json:"expires_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
}

type outboxRec struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	To        string    `json:"to"`
	Token     string    `json:"token"`
	Code      string    `json:"code"`
	Link      string    `json:"link"`
	AppSlug   string    `json:"app_slug"`
	CreatedAt time.Time `json:"created_at"`
}

func (s *state) nextSeq() int64 {
	s.Seq++
	return s.Seq
}

// reindex rebuilds every index from the snapshot fields.
func (s *state) reindex() {
	s.appByID = make(map[string]*appRec, len(s.Apps))
	s.appBySlug = make(map[string]*appRec, len(s.Apps))
	for _, a := range s.Apps {
		s.appByID[a.ID] = a
		s.appBySlug[a.Slug] = a
		a.reindex()
	}
	s.keyByHash = make(map[string]*apiKeyRec, len(s.APIKeys))
	for _, k := range s.APIKeys {
		s.keyByHash[k.Hash] = k
	}
}

func (a *appRec) reindex() {
	a.userByID = make(map[string]*userRec, len(a.Users))
	a.byUsername = make(map[string]*userRec, len(a.Users))
	a.byContact = make(map[string]*userRec, len(a.Users))
	for _, u := range a.Users {
		a.indexUser(u)
	}
	a.sessionByID = make(map[string]*sessionRec, len(a.Sessions))
	a.byRefresh = make(map[string]*sessionRec, len(a.Sessions))
	a.userSess = make(map[string][]*sessionRec, len(a.Users))
	sort.Slice(a.Sessions, func(i, j int) bool { return a.Sessions[i].Seq < a.Sessions[j].Seq })
	for _, s := range a.Sessions {
		a.addSession(s)
	}
	a.Sessions = nil
	a.roleByName = make(map[string]*roleRec, len(a.Roles))
	for _, r := range a.Roles {
		a.roleByName[r.Name] = r
	}
	a.permByKey = make(map[string]*permRec, len(a.Permissions))
	for _, p := range a.Permissions {
		a.permByKey[p.key()] = p
	}
	a.clientByID = make(map[string]*clientRec, 2*len(a.Clients))
	for _, c := range a.Clients {
		a.clientByID[c.ID] = c
		a.clientByID[c.ClientID] = c
	}
	a.codeByHash = make(map[string]*codeRec, len(a.Codes))
	a.codeByOwner = make(map[string]*codeRec, len(a.Codes))
	for _, c := range a.Codes {
		a.addCode(c)
	}
	a.Codes = nil
	a.factorByID = make(map[string]*factorRec, len(a.Factors))
	for _, f := range a.Factors {
		a.factorByID[f.ID] = f
	}
	a.challenges = map[string]*challengeRec{}
	a.otpSentAt = map[string]time.Time{}
	a.reindexAudit()
	a.inviteByRef = make(map[string]*inviteRec, 2*len(a.Invites))
	for _, in := range a.Invites {
		a.inviteByRef[in.ID], a.inviteByRef[in.Code] = in, in
	}
	a.reindexTenants()
	a.reindexFederated()
}

// codeOwner keys the single valid code: verification codes per contact,
// reset codes per account.
func codeOwner(kind, userID, contactID string) string {
	if kind == kindPasswordReset {
		contactID = ""
	}
	return kind + ":" + userID + ":" + contactID
}

// addCode stores c and retires any earlier code of the same owner, since
// only the most recently issued code is accepted.
func (a *appRec) addCode(c *codeRec) {
	owner := codeOwner(c.Kind, c.UserID, c.ContactID)
	if old := a.codeByOwner[owner]; old != nil {
		delete(a.codeByHash, old.Hash)
	}
	a.codeByOwner[owner] = c
	a.codeByHash[c.Hash] = c
}

func (a *appRec) dropCode(c *codeRec) {
	delete(a.codeByHash, c.Hash)
	owner := codeOwner(c.Kind, c.UserID, c.ContactID)
	if a.codeByOwner[owner] == c {
		delete(a.codeByOwner, owner)
	}
}

func (a *appRec) indexUser(u *userRec) {
	a.userByID[u.ID] = u
	a.byUsername[foldKey(u.Username)] = u
	for _, c := range u.Contacts {
		a.byContact[contactKey(c.Type, c.Value)] = u
	}
}

func (a *appRec) addSession(s *sessionRec) {
	a.sessionByID[s.ID] = s
	a.byRefresh[s.RefreshHash] = s
	for _, h := range s.OldHashes {
		a.byRefresh[h] = s
	}
	a.userSess[s.UserID] = append(a.userSess[s.UserID], s)
	a.sessOrder = append(a.sessOrder, s)
}

// rotateRefresh gives s a new refresh token and returns it. The old one is
// kept for reuse detection, up to maxRefreshHashes a session, so a session
// refreshed forever holds bounded memory.
func (a *appRec) rotateRefresh(s *sessionRec) string {
	refresh := randomToken(32)
	s.OldHashes = append(s.OldHashes, s.RefreshHash)
	if len(s.OldHashes) > maxRefreshHashes+maxRefreshHashes/8 {
		// Forget the oldest in a batch; presenting one of them is then
		// an unknown token (401) rather than detected reuse.
		drop := len(s.OldHashes) - maxRefreshHashes
		for _, old := range s.OldHashes[:drop] {
			delete(a.byRefresh, old)
		}
		s.OldHashes = append([]string(nil), s.OldHashes[drop:]...)
	}
	s.RefreshHash = tokenHash(refresh)
	a.byRefresh[s.RefreshHash] = s
	return refresh
}

// capSessions drops the oldest live sessions beyond limit, and compacts
// the creation-order list when dropped sessions make up most of it.
func (a *appRec) capSessions(limit int) {
	for len(a.sessionByID) > limit && len(a.sessOrder) > 0 {
		s := a.sessOrder[0]
		a.sessOrder[0] = nil
		a.sessOrder = a.sessOrder[1:]
		if a.sessionByID[s.ID] == s {
			a.dropSession(s)
		}
	}
	if len(a.sessOrder) > 2*len(a.sessionByID)+64 {
		live := make([]*sessionRec, 0, len(a.sessionByID)+len(a.sessionByID)/2)
		for _, s := range a.sessOrder {
			if a.sessionByID[s.ID] == s {
				live = append(live, s)
			}
		}
		a.sessOrder = live
	}
}

// dropSession forgets a revoked or expired session entirely: its sid no
// longer verifies and its refresh tokens, current or old, are unknown.
func (a *appRec) dropSession(s *sessionRec) {
	delete(a.sessionByID, s.ID)
	delete(a.byRefresh, s.RefreshHash)
	for _, h := range s.OldHashes {
		delete(a.byRefresh, h)
	}
	list := a.userSess[s.UserID]
	for i, x := range list {
		if x == s {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(a.userSess, s.UserID)
	} else {
		a.userSess[s.UserID] = list
	}
}

// removeUser drops a user with its sessions and codes.
func (a *appRec) removeUser(u *userRec) {
	delete(a.userByID, u.ID)
	delete(a.byUsername, foldKey(u.Username))
	for _, c := range u.Contacts {
		delete(a.byContact, contactKey(c.Type, c.Value))
	}
	a.Users = removeBySeq(a.Users, u.Seq, userSeq)
	for _, s := range append([]*sessionRec(nil), a.userSess[u.ID]...) {
		a.dropSession(s)
	}
	for _, c := range a.codeByOwner {
		if c.UserID == u.ID {
			a.dropCode(c)
		}
	}
	a.Factors = slices.DeleteFunc(a.Factors, func(f *factorRec) bool {
		if f.UserID == u.ID {
			delete(a.factorByID, f.ID)
			return true
		}
		return false
	})
	for h, c := range a.challenges {
		if c.UserID == u.ID {
			delete(a.challenges, h)
		}
	}
	a.dropMemberships(u.ID)
	a.dropIdentities(u)
}

// liveSessions lists a user's live sessions, oldest first, forgetting the
// expired ones on the way.
func (a *appRec) liveSessions(userID string, now time.Time) []*sessionRec {
	var out []*sessionRec
	for _, s := range append([]*sessionRec(nil), a.userSess[userID]...) {
		if !now.Before(s.ExpiresAt) {
			a.dropSession(s)
			continue
		}
		out = append(out, s)
	}
	return out
}

// rolePermissions is the permission set a role grants.
func (a *appRec) rolePermissions(role string) []string {
	r := a.roleByName[role]
	if r == nil {
		return []string{}
	}
	out := append([]string{}, r.Permissions...)
	sort.Strings(out)
	return out
}

// removeBySeq deletes the element with seq from a slice sorted by seq.
func removeBySeq[T any](items []T, seq int64, seqOf func(T) int64) []T {
	i := sort.Search(len(items), func(i int) bool { return seqOf(items[i]) >= seq })
	if i < len(items) && seqOf(items[i]) == seq {
		var zero T
		copy(items[i:], items[i+1:])
		items[len(items)-1] = zero
		return items[:len(items)-1]
	}
	return items
}
