package heimdall

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

var errInvalidCredentials = fail(statusUnauthorized, "Invalid credentials")

type signupDTO struct {
	Username    string `json:"username"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	DisplayName string `json:"display_name"`
}

func (d *Domain) signup(r *Call) *Reply {
	var in signupDTO
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	in.Username, in.Email = strings.TrimSpace(in.Username), strings.TrimSpace(in.Email)
	problems := controlProblems("username", in.Username, "email", in.Email)
	if in.Username == "" {
		problems = append(problems, "username should not be empty")
	}
	if !validEmail(in.Email) {
		problems = append(problems, "email must be an email")
	}
	if in.Password == "" {
		problems = append(problems, "password should not be empty")
	}
	if len(problems) > 0 {
		return badRequest(problems...)
	}
	hash := hashPassword(in.Password) // before the lock: it is the slow part
	var is issued
	err := update(d, func() error {
		a, denied := d.consumerApp(r.Param(0))
		if denied != nil {
			return denied
		}
		cfg := a.Config
		if !cfg.SignupEnabled {
			return failCode(statusForbidden, "signup_disabled", "Signup is disabled for this app")
		}
		if p := passwordProblems(cfg, in.Password); len(p) > 0 {
			return invalid(p...)
		}
		if len(cfg.SignupAllowedEmailDomains) > 0 {
			domain := strings.ToLower(in.Email[strings.LastIndexByte(in.Email, '@')+1:])
			if !slices.ContainsFunc(cfg.SignupAllowedEmailDomains, func(s string) bool { return strings.EqualFold(s, domain) }) {
				return failCode(statusForbidden, "email_domain_not_allowed", "Email domain is not allowed to sign up")
			}
		}
		if taken := d.checkUnique(a, in.Username, in.Email, nil); taken != nil {
			return taken
		}
		u := d.createUser(a, in.Username, in.Email, hash, in.DisplayName, cfg.SignupDefaultRole, false)
		d.audit(a, "user.signup", u.ID, "end_user", u.ID, u.ID, nil)
		if a.Notify.Enabled {
			c := u.primary("email")
			d.issueCode(r.Origin, a, kindVerification, u, c, true)
		}
		is = d.startSession(r, a, u, []string{"pwd"})
		return nil
	})
	if err != nil {
		return refusal(err)
	}
	return tokenResponse(is)
}

// userRoom refuses a new user once the app holds --max-users of them: 507
// naming the cap, rather than dropping anyone a test may still sign in
// as. Caller holds d.mu.
func (d *Domain) userRoom(a *appRec) *Error {
	if len(a.Users) < d.limits.UsersPerApp {
		return nil
	}
	return failCode(statusInsufficientStorage, "mock_user_cap",
		fmt.Sprintf("App %s holds %d users, the mock's cap (--max-users); delete users, reset the mock or raise the cap", a.Slug, d.limits.UsersPerApp))
}

// checkUnique refuses a username or email already held in the app by
// anyone but self. Caller holds d.mu.
func (d *Domain) checkUnique(a *appRec, username, email string, self *userRec) *Error {
	if self == nil {
		if resp := d.userRoom(a); resp != nil {
			return resp
		}
	}
	if username != "" {
		if o := a.byUsername[foldKey(username)]; o != nil && o != self {
			return failCode(statusConflict, "USERNAME_TAKEN", "Username already in use")
		}
	}
	if email != "" {
		if o := a.byContact[contactKey("email", email)]; o != nil && o != self {
			return failCode(statusConflict, "EMAIL_TAKEN", "Email already in use")
		}
	}
	return nil
}

// createUser adds an end user with a primary email contact. Caller holds d.mu.
func (d *Domain) createUser(a *appRec, username, email, passwordHash, displayName, role string, verified bool) *userRec {
	now := d.now()
	u := &userRec{
		Seq: d.st.nextSeq(), ID: newID(), Username: username, DisplayName: strPtrOrNil(displayName),
		Status: "active", Role: role, PasswordHash: passwordHash, Metadata: map[string]any{},
		CreatedAt: now, UpdatedAt: now,
	}
	if email != "" {
		c := &contactRec{ID: newID(), Type: "email", Value: email, IsPrimary: true, CreatedAt: now}
		if verified {
			c.VerifiedAt = &now
		}
		u.Contacts = append(u.Contacts, c)
	}
	a.Users = append(a.Users, u)
	a.indexUser(u)
	return u
}

type signinDTO struct {
	Identifier string `json:"identifier"`
	Password   string `json:"password"`
	TenantID   string `json:"tenant_id"`
}

// findForSignin resolves a signin identifier: a username, or the verified
// primary email (the spec's rule: unverified emails do not sign in).
func findForSignin(a *appRec, identifier string) *userRec {
	if u := a.byUsername[foldKey(identifier)]; u != nil {
		return u
	}
	u := a.byContact[contactKey("email", identifier)]
	if u == nil {
		return nil
	}
	c := u.primary("email")
	if c == nil || !sameIdentity(c.Value, identifier) || c.VerifiedAt == nil {
		return nil
	}
	return u
}

func (d *Domain) signin(r *Call) *Reply {
	var in signinDTO
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if strings.TrimSpace(in.Identifier) == "" || in.Password == "" {
		return badRequest("identifier should not be empty", "password should not be empty")
	}
	if p := controlProblems("identifier", in.Identifier); p != nil {
		return badRequest(p...)
	}
	slug := r.Param(0)
	// Two sections around the password check, the slow part: the first
	// finds the account, the second judges the attempt against the
	// account as it is then (it may have changed or gone meanwhile).
	var (
		u    *userRec
		hash = dummyHash
	)
	err := read(d, func() error {
		a, denied := d.consumerApp(slug)
		if denied != nil {
			return denied
		}
		if !a.Config.SigninEnabled {
			return failCode(statusForbidden, "signin_disabled", "Signin is disabled for this app")
		}
		if u = findForSignin(a, strings.TrimSpace(in.Identifier)); u != nil {
			if u.LockedUntil != nil && d.now().Before(*u.LockedUntil) {
				return failCode(statusUnauthorized, "account_locked", "Too many failed sign-in attempts; try again later")
			}
			hash = u.PasswordHash
		}
		return nil
	})
	if err != nil {
		return refusal(err)
	}

	ok := checkPassword(hash, in.Password) && u != nil

	var (
		is        issued
		challenge *Reply // the MFA step's answer, when the account has factors
	)
	err = update(d, func() error {
		a, denied := d.consumerApp(slug)
		if denied != nil {
			return denied
		}
		if u == nil || a.userByID[u.ID] != u {
			return errInvalidCredentials
		}
		if !ok || u.PasswordHash != hash {
			u.FailedLogins++
			d.audit(a, "user.signin_failed", u.ID, "end_user", u.ID, u.ID, map[string]any{"failed_attempts": u.FailedLogins})
			if maxN := a.Config.MaxFailedLoginAttempts; maxN > 0 && u.FailedLogins >= maxN {
				until := d.now().Add(lockoutDuration)
				u.LockedUntil, u.FailedLogins = &until, 0
				d.audit(a, "user.locked", u.ID, "end_user", u.ID, u.ID, map[string]any{"locked_until": ts(until)})
			}
			return errInvalidCredentials
		}
		if denied := statusRefusal(u); denied != nil {
			return denied
		}
		var tenant *tenantRec
		if in.TenantID != "" {
			if tenant, denied = a.signinTenant(u, in.TenantID); denied != nil {
				return denied
			}
		}
		if factors := a.enabledFactors(u.ID); len(factors) > 0 {
			tenantID := ""
			if tenant != nil {
				tenantID = tenant.ID
			}
			challenge = d.mfaChallenge(a, u, factors, tenantID)
			return nil
		}
		u.FailedLogins, u.LockedUntil = 0, nil
		d.audit(a, "user.signin", u.ID, "end_user", u.ID, u.ID, nil)
		is = d.startSession(r, a, u, []string{"pwd"})
		a.enterTenant(u, tenant, is.claims)
		return nil
	})
	switch {
	case err != nil:
		return refusal(err)
	case challenge != nil:
		return challenge
	}
	return tokenResponse(is)
}

// statusRefusal is the answer for an account that may not sign in.
func statusRefusal(u *userRec) *Error {
	switch u.Status {
	case "active":
		return nil
	case "suspended":
		return failCode(statusForbidden, "account_suspended", "Account is suspended")
	default:
		return failCode(statusForbidden, "account_deactivated", "Account is deactivated")
	}
}

type refreshDTO struct {
	RefreshToken string `json:"refresh_token"`
}

func (d *Domain) refresh(r *Call) *Reply {
	var in refreshDTO
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if in.RefreshToken == "" {
		return badRequest("refresh_token should not be empty")
	}
	var is issued
	err := update(d, func() error {
		a, denied := d.consumerApp(r.Param(0))
		if denied != nil {
			return denied
		}
		now := d.now()
		h := tokenHash(in.RefreshToken)
		s := a.byRefresh[h]
		if s == nil || !now.Before(s.ExpiresAt) {
			if s != nil {
				a.dropSession(s)
			}
			return failCode(statusUnauthorized, "invalid_refresh_token", "Invalid refresh token")
		}
		if s.RefreshHash != h {
			// A rotated-out token came back: someone holds a copy. Revoke
			// the whole session so neither copy works any more.
			a.dropSession(s)
			d.audit(a, "session.refresh_reuse_detected", s.UserID, "session", s.ID, s.UserID, nil)
			return failCode(statusUnauthorized, "refresh_token_reused", "Refresh token already used; session revoked")
		}
		u := a.userByID[s.UserID]
		if u == nil || u.Status != "active" {
			a.dropSession(s)
			if u != nil {
				return statusRefusal(u)
			}
			return failCode(statusUnauthorized, "invalid_refresh_token", "Invalid refresh token")
		}
		refresh := a.rotateRefresh(s)
		s.LastUsedAt = &now
		s.ExpiresAt = now.Add(time.Duration(a.Config.SessionDurationMinutes) * time.Minute)
		u.LastUsedAt = &now
		is = issued{claims: d.userClaims(r.Origin, a, u, s, now), refresh: refresh, ttl: accessTTLFor(a.Config), ks: a.keystore}
		return nil
	})
	if err != nil {
		return refusal(err)
	}
	return tokenResponse(is)
}

func (d *Domain) logout(r *Call) *Reply {
	var in refreshDTO
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	err := update(d, func() error {
		a, denied := d.consumerApp(r.Param(0))
		if denied != nil {
			return denied
		}
		// Unknown tokens succeed too: logout is idempotent and must not
		// tell which refresh tokens exist.
		if s := a.byRefresh[tokenHash(in.RefreshToken)]; s != nil && in.RefreshToken != "" {
			a.dropSession(s)
			d.audit(a, "user.logout", s.UserID, "session", s.ID, s.UserID, nil)
		}
		return nil
	})
	if err != nil {
		return refusal(err)
	}
	return noContent(statusNoContent)
}

func (d *Domain) jwks(r *Call) *Reply {
	var a *appRec
	if err := read(d, func() error {
		var denied *Error
		if a, denied = d.consumerApp(r.Param(0)); denied != nil {
			return denied
		}
		return nil
	}); err != nil {
		return refusal(err)
	}
	return &Reply{Status: statusOK, Raw: a.keystore.JWKSJSON(), ContentType: "application/json"}
}

func (d *Domain) discovery(r *Call) *Reply {
	slug := r.Param(0)
	if err := read(d, func() error {
		if _, denied := d.consumerApp(slug); denied != nil {
			return denied
		}
		return nil
	}); err != nil {
		return refusal(err)
	}
	iss := d.issuer(r.Origin, slug)
	return replyJSON(statusOK, map[string]any{
		"issuer":                                iss,
		"jwks_uri":                              iss + "/v1/.well-known/jwks.json",
		"token_endpoint":                        iss + "/v1/oauth/token",
		"introspection_endpoint":                iss + "/v1/oauth/introspect",
		"userinfo_endpoint":                     iss + "/v1/me",
		"heimdall_verify_endpoint":              iss + "/v1/verify",
		"heimdall_authorize_endpoint":           iss + "/v1/authorize",
		"heimdall_admin_users_endpoint":         iss + "/v1/admin/users",
		"grant_types_supported":                 []string{"password", "refresh_token", "client_credentials"},
		"response_types_supported":              []string{"token"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic"},
	})
}

type tokenBody struct {
	Token       string   `json:"token"`
	Permission  string   `json:"permission"`
	Permissions []string `json:"permissions"`
	Checks      []struct {
		ID          string   `json:"id"`
		Permission  string   `json:"permission"`
		Permissions []string `json:"permissions"`
	} `json:"checks"`
}

// bodyOrBearer is the token of verify/authorize: body.token, else the header.
func bodyOrBearer(r *Call, in tokenBody) string {
	if in.Token != "" {
		return in.Token
	}
	return r.Bearer()
}

func (d *Domain) verify(r *Call) *Reply {
	var in tokenBody
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	tok := bodyOrBearer(r, in)
	if tok == "" {
		return refuse(fail(statusUnauthorized, "Provide a token in the body or the Authorization header"))
	}
	return d.verifyToken(r, r.Param(0), tok, func(a *appRec, p *principal, reason string) *Reply {
		if p == nil {
			return replyJSON(statusOK, map[string]any{"valid": false, "error": reason})
		}
		// The spec sets permissions only for M2M tokens: end users resolve
		// theirs through /me/permissions or /authorize.
		pr := map[string]any{"sub": p.sub, "aid": a.ID, "type": p.typ}
		if p.typ == typeEndUser {
			pr["role"] = p.role
		} else {
			pr["permissions"] = p.permissions()
		}
		return replyJSON(statusOK, map[string]any{"valid": true, "principal": pr})
	})
}

// missing lists the wanted permissions not in held.
func missing(held, wanted []string) []string {
	out := []string{}
	for _, w := range wanted {
		if !slices.Contains(held, w) {
			out = append(out, w)
		}
	}
	return out
}

func wantedOf(one string, many []string) []string {
	if one != "" {
		return append([]string{one}, many...)
	}
	return many
}

func (d *Domain) authorize(r *Call) *Reply {
	var in tokenBody
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	wanted := wantedOf(in.Permission, in.Permissions)
	if len(wanted) == 0 {
		return badRequest("provide permission or permissions")
	}
	tok := bodyOrBearer(r, in)
	if tok == "" {
		return refuse(fail(statusUnauthorized, "Provide a token in the body or the Authorization header"))
	}
	return d.verifyToken(r, r.Param(0), tok, func(a *appRec, p *principal, reason string) *Reply {
		if p == nil {
			return replyJSON(statusOK, map[string]any{"authorized": false, "error": reason, "missing_permissions": wanted})
		}
		miss := missing(p.permissions(), wanted)
		return replyJSON(statusOK, map[string]any{"authorized": len(miss) == 0, "missing_permissions": miss})
	})
}

func (d *Domain) authorizeBatch(r *Call) *Reply {
	var in tokenBody
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if in.Checks == nil {
		return badRequest("checks must be an array")
	}
	tok := bodyOrBearer(r, in)
	if tok == "" {
		return refuse(fail(statusUnauthorized, "Provide a token in the body or the Authorization header"))
	}
	return d.verifyToken(r, r.Param(0), tok, func(a *appRec, p *principal, reason string) *Reply {
		var held []string
		if p != nil {
			held = p.permissions()
		}
		results := make([]map[string]any, 0, len(in.Checks))
		for _, c := range in.Checks {
			wanted := wantedOf(c.Permission, c.Permissions)
			miss := missing(held, wanted)
			res := map[string]any{"authorized": p != nil && len(miss) == 0 && len(wanted) > 0, "missing_permissions": miss}
			if c.ID != "" {
				res["id"] = c.ID
			}
			results = append(results, res)
		}
		return replyJSON(statusOK, map[string]any{"results": results})
	})
}

// me wraps a /me handler: a live end-user bearer token is required.
func (d *Domain) me(fn func(r *Call, a *appRec, p *principal) *Reply) Handler {
	return func(r *Call) *Reply {
		tok := r.Bearer()
		if tok == "" {
			return refuse(fail(statusUnauthorized, "Missing bearer token"))
		}
		return d.verifyToken(r, r.Param(0), tok, func(a *appRec, p *principal, reason string) *Reply {
			if p == nil {
				return refuse(failCode(statusUnauthorized, reason, "Invalid or expired token"))
			}
			if p.typ != typeEndUser {
				return refuse(fail(statusForbidden, "M2M tokens cannot call /me; use oauth/introspect"))
			}
			return fn(r, a, p)
		})
	}
}

// identityFields are the nullable email, email_verified_at and role of
// the user views: null for a user without a primary email or a role.
func identityFields(u *userRec) (email, verified, role any) {
	if c := u.primary("email"); c != nil {
		email, verified = c.Value, tsPtr(c.VerifiedAt)
	}
	if u.Role != "" {
		role = u.Role
	}
	return email, verified, role
}

func profile(u *userRec) map[string]any {
	email, verified, role := identityFields(u)
	return map[string]any{
		"id": u.ID, "username": u.Username, "display_name": u.DisplayName,
		"email": email, "email_verified_at": verified, "avatar_url": nil, "role": role,
		"created_at": ts(u.CreatedAt), "joined_at": ts(u.CreatedAt),
	}
}

func (d *Domain) getMe(r *Call, a *appRec, p *principal) *Reply {
	out := profile(p.user)
	if av := p.user.Avatar; av != nil && (len(av.Data) > 0 || av.PictureURL != "") {
		out["avatar_url"] = d.avatarURL(r.Origin, a, p.user)
	}
	return replyJSON(statusOK, out)
}

func accountRow(a *appRec, u *userRec) map[string]any {
	md := u.Metadata
	if md == nil {
		md = map[string]any{}
	}
	return map[string]any{
		"id": u.ID, "app_id": a.ID, "username": u.Username, "display_name": u.DisplayName,
		"status": u.Status, "locale": nil, "time_zone": nil, "metadata": md,
		"seq_id": itoa(u.Seq), "created_at": ts(u.CreatedAt), "updated_at": ts(u.UpdatedAt),
	}
}

func (d *Domain) updateMe(r *Call, a *appRec, p *principal) *Reply {
	var in struct {
		DisplayName *string `json:"display_name"`
		Username    *string `json:"username"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	u := p.user
	if in.Username != nil {
		name := strings.TrimSpace(*in.Username)
		if name == "" {
			return badRequest("username should not be empty")
		}
		if p := controlProblems("username", name); p != nil {
			return badRequest(p...)
		}
		if resp := d.checkUnique(a, name, "", u); resp != nil {
			return refuse(resp)
		}
		delete(a.byUsername, foldKey(u.Username))
		u.Username = name
		a.byUsername[foldKey(name)] = u
	}
	if in.DisplayName != nil {
		u.DisplayName = strPtrOrNil(*in.DisplayName)
	}
	u.UpdatedAt = d.now()
	d.audit(a, "user.profile_updated", u.ID, "end_user", u.ID, u.ID, nil)
	return replyJSON(statusOK, accountRow(a, u))
}

func (d *Domain) deleteMe(_ *Call, a *appRec, p *principal) *Reply {
	a.removeUser(p.user)
	d.audit(a, "user.deleted", p.user.ID, "end_user", p.user.ID, "", map[string]any{"self": true})
	return noContent(statusNoContent)
}

func auditEntry(a *appRec, e *auditRec) map[string]any {
	var details any
	if e.Details != nil {
		details = e.Details
	}
	return map[string]any{
		"id": e.ID, "app_id": a.ID, "action": e.Action, "actor_id": e.ActorID,
		"resource_type": e.ResourceType, "resource_id": e.ResourceID, "details": details,
		"created_at": ts(e.CreatedAt),
	}
}

func (d *Domain) meActivity(r *Call, a *appRec, p *principal) *Reply {
	return listPage(r, a.auditOf(p.user.ID), auditSeq, true, nil,
		func(e *auditRec) map[string]any { return auditEntry(a, e) })
}

func (d *Domain) changePassword(r *Call) *Reply {
	var in struct {
		Current string `json:"current_password"`
		New     string `json:"new_password"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	// The token is checked before the body, as the real service's guard
	// runs before its validation.
	return d.me(func(r *Call, a *appRec, p *principal) *Reply {
		if in.Current == "" || in.New == "" {
			return badRequest("current_password should not be empty", "new_password should not be empty")
		}
		newHash := hashPassword(in.New)
		u := p.user
		if u.PasswordHash == "" || !checkPassword(u.PasswordHash, in.Current) {
			return refuse(fail(statusUnauthorized, "Current password incorrect"))
		}
		if probs := passwordProblems(a.Config, in.New); len(probs) > 0 {
			return badRequest(probs...)
		}
		u.PasswordHash, u.UpdatedAt = newHash, d.now()
		for _, s := range append([]*sessionRec(nil), a.userSess[u.ID]...) {
			if s != p.session {
				a.dropSession(s)
			}
		}
		d.audit(a, "user.password_changed", u.ID, "end_user", u.ID, u.ID, nil)
		return noContent(statusNoContent)
	})(r)
}

func contactJSON(c *contactRec) map[string]any {
	return map[string]any{
		"id": c.ID, "type": c.Type, "value": c.Value, "is_primary": c.IsPrimary,
		"verified_at": tsPtr(c.VerifiedAt), "created_at": ts(c.CreatedAt),
	}
}

func contactList(u *userRec) map[string]any {
	data := make([]map[string]any, 0, len(u.Contacts))
	for _, c := range u.Contacts {
		data = append(data, contactJSON(c))
	}
	return map[string]any{"data": data}
}

func (d *Domain) meContacts(_ *Call, _ *appRec, p *principal) *Reply {
	return replyJSON(statusOK, contactList(p.user))
}

func (d *Domain) addMeContact(r *Call, a *appRec, p *principal) *Reply {
	c, resp := d.addContact(r, a, p.user)
	if resp != nil {
		return resp
	}
	d.audit(a, "user.contact_added", p.user.ID, "contact", c.ID, p.user.ID, map[string]any{"type": c.Type})
	return replyJSON(statusCreated, contactJSON(c))
}

// addContact reads an AddContactDto and adds it, unverified and not
// primary (is_primary is honoured only when there is no primary of the type
// yet). Caller holds d.mu.
func (d *Domain) addContact(r *Call, a *appRec, u *userRec) (*contactRec, *Reply) {
	var in struct {
		Type      string `json:"type"`
		Value     string `json:"value"`
		IsPrimary bool   `json:"is_primary"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, badRequest(err.Error())
	}
	in.Value = strings.TrimSpace(in.Value)
	switch {
	case in.Type != "email" && in.Type != "phone":
		return nil, badRequest("type must be one of the following values: email, phone")
	case in.Value == "":
		return nil, badRequest("value should not be empty")
	case controlProblems("value", in.Value) != nil:
		return nil, badRequest(controlProblems("value", in.Value)...)
	case in.Type == "email" && !validEmail(in.Value):
		return nil, badRequest("value must be an email")
	}
	key := contactKey(in.Type, in.Value)
	if a.byContact[key] != nil {
		return nil, refuse(failCode(statusConflict, "CONTACT_TAKEN", "Contact already in use"))
	}
	c := &contactRec{ID: newID(), Type: in.Type, Value: in.Value, CreatedAt: d.now()}
	c.IsPrimary = in.IsPrimary && u.primary(in.Type) == nil
	u.Contacts = append(u.Contacts, c)
	a.byContact[key] = u
	return c, nil
}

func (d *Domain) deleteMeContact(r *Call, a *appRec, p *principal) *Reply {
	return noContentOr(d.deleteContact(a, p.user, r.Param(1), p.user.ID))
}

// deleteContact removes a contact; the primary email cannot go, since it
// is how the account signs in and recovers. Caller holds d.mu.
func (d *Domain) deleteContact(a *appRec, u *userRec, id, actor string) *Error {
	c := u.contact(id)
	if c == nil {
		return fail(statusNotFound, "Contact not found")
	}
	if c.IsPrimary && c.Type == "email" {
		return failCode(statusConflict, "PRIMARY_CONTACT", "The primary email cannot be deleted; promote another email first")
	}
	u.Contacts = slices.DeleteFunc(u.Contacts, func(x *contactRec) bool { return x == c })
	delete(a.byContact, contactKey(c.Type, c.Value))
	if old := a.codeByOwner[codeOwner(kindVerification, u.ID, c.ID)]; old != nil {
		a.dropCode(old)
	}
	d.audit(a, "user.contact_deleted", actor, "contact", c.ID, u.ID, nil)
	return nil
}

func (d *Domain) promoteMeContact(r *Call, a *appRec, p *principal) *Reply {
	return noContentOr(d.promoteContact(a, p.user, r.Param(1), p.user.ID))
}

// promoteContact makes a verified contact the primary of its type.
// Caller holds d.mu.
func (d *Domain) promoteContact(a *appRec, u *userRec, id, actor string) *Error {
	c := u.contact(id)
	if c == nil {
		return fail(statusNotFound, "Contact not found")
	}
	if c.VerifiedAt == nil {
		return failCode(statusConflict, "CONTACT_UNVERIFIED", "Only verified contacts can be promoted")
	}
	for _, o := range u.Contacts {
		if o.Type == c.Type {
			o.IsPrimary = false
		}
	}
	c.IsPrimary = true
	d.audit(a, "user.contact_promoted", actor, "contact", c.ID, u.ID, nil)
	return nil
}

func (d *Domain) meSessions(_ *Call, a *appRec, p *principal) *Reply {
	live := a.liveSessions(p.user.ID, d.now())
	data := make([]map[string]any, 0, len(live))
	for i := len(live) - 1; i >= 0; i-- { // newest first
		s := live[i]
		data = append(data, map[string]any{
			"id": s.ID, "created_at": ts(s.CreatedAt), "expires_at": ts(s.ExpiresAt),
			"last_used_at": tsPtr(s.LastUsedAt), "ip": s.IP, "user_agent": s.UserAgent,
			"is_current": s == p.session,
		})
	}
	return replyJSON(statusOK, map[string]any{"data": data, "pagination": page{}})
}

func (d *Domain) revokeMeSession(r *Call, a *appRec, p *principal) *Reply {
	if a.Config.EnforceAppPermissions && !slices.Contains(p.permissions(), "session.revoke") {
		return refuse(fail(statusForbidden, "Missing permission session.revoke"))
	}
	s := a.sessionByID[r.Param(1)]
	if s == nil || s.UserID != p.user.ID {
		return refuse(fail(statusNotFound, "Session not found"))
	}
	a.dropSession(s)
	d.audit(a, "session.revoked", p.user.ID, "session", s.ID, p.user.ID, nil)
	return noContent(statusNoContent)
}

func (d *Domain) mePermissions(r *Call) *Reply {
	return d.me(func(_ *Call, a *appRec, p *principal) *Reply {
		perms := p.permissions()
		var role, orgRole any
		if p.role != "" {
			role = p.role
		}
		if tr := p.tenantRole(); tr != "" { // the union the spec describes
			orgRole = tr
			perms = append(perms, a.rolePermissions(tr)...)
		}
		sort.Strings(perms)
		perms = slices.Compact(perms)
		return replyJSON(statusOK, map[string]any{"role": role, "org_role": orgRole, "permissions": perms})
	})(r)
}
