package heimdall

import (
	"slices"
	"sort"
	"strings"

	"github.com/heimdall-mock/heimdall-mock/internal/fixtures"
	"github.com/heimdall-mock/heimdall-mock/internal/names"
)

// adminFn is an admin handler: the app is resolved, the key checked and
// d.mu held.
type adminFn func(r *Call, a *appRec, k *apiKeyRec) *Reply

// platform wraps a /v1/apps/{app_id}/... handler.
func (d *Domain) platform(fn adminFn) Handler { return d.adminRoute(false, fn) }

// consumerAdmin wraps a /{app_slug}/v1/admin/... handler.
func (d *Domain) consumerAdmin(fn adminFn) Handler { return d.adminRoute(true, fn) }

func (d *Domain) adminRoute(bySlug bool, fn adminFn) Handler {
	return func(r *Call) *Reply {
		return update(d, func() *Reply {
			k, denied := d.apiKey(r)
			if denied != nil {
				return refuse(denied)
			}
			ref := r.Param(0)
			var a *appRec
			if bySlug {
				if strings.HasPrefix(ref, "__") {
					return refuse(fail(statusBadRequest, "App slugs beginning with __ are reserved"))
				}
				a = d.st.appBySlug[ref]
			} else {
				// Ids are what the API hands out; slugs are accepted too, for
				// hand-written calls against the mock.
				if a = d.st.appByID[ref]; a == nil {
					a = d.st.appBySlug[ref]
				}
			}
			if a == nil {
				return refuse(fail(statusNotFound, "App not found"))
			}
			if !k.allows(a, "") {
				return refuse(fail(statusForbidden, "API key may not act on this app"))
			}
			return fn(r, a, k)
		})
	}
}

func appJSON(a *appRec) map[string]any {
	md := a.Metadata
	if md == nil {
		md = map[string]any{}
	}
	return map[string]any{
		"id": a.ID, "slug": a.Slug, "display_name": a.DisplayName, "workspace_id": a.WorkspaceID,
		"created_by": a.CreatedBy, "status": a.Status, "metadata": md,
		"created_at": ts(a.CreatedAt), "updated_at": ts(a.UpdatedAt),
	}
}

func (d *Domain) listApps(r *Call) *Reply {
	return read(d, func() *Reply {
		k, denied := d.apiKey(r)
		if denied != nil {
			return refuse(denied)
		}
		ws := r.Query("workspace_id")
		return listPage(r, d.st.Apps, appSeq, false,
			func(a *appRec) bool { return k.allows(a, "") && (ws == "" || a.WorkspaceID == ws) }, appJSON)
	})
}

func (d *Domain) createApp(r *Call) *Reply {
	var in struct {
		DisplayName string `json:"display_name"`
		Slug        string `json:"slug"`
		WorkspaceID string `json:"workspace_id"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	switch {
	case strings.HasPrefix(in.Slug, "__"):
		return badRequest("slug must not begin with __")
	case !names.Slug(in.Slug):
		return badRequest("slug must be 2-63 lower-case letters, digits or dashes")
	case strings.TrimSpace(in.DisplayName) == "":
		return badRequest("display_name should not be empty")
	}
	// Checks run twice: before drawing the app's RSA key (so refused calls
	// cost no key) and after (the state may have changed meanwhile). The
	// key is drawn outside the lock, since generating one when the pool is
	// empty takes tens of milliseconds and must not stall other requests.
	check := func() (*apiKeyRec, *Reply) {
		k, denied := d.apiKey(r)
		if denied != nil {
			return nil, refuse(denied)
		}
		if k.AppID != "" {
			return nil, refuse(fail(statusForbidden, "An app-scoped API key cannot create apps"))
		}
		if in.WorkspaceID != "" && in.WorkspaceID != d.st.WorkspaceID {
			return nil, refuse(fail(statusForbidden, "Not a member of this workspace"))
		}
		if d.st.appBySlug[in.Slug] != nil {
			return nil, refuse(failCode(statusConflict, "SLUG_TAKEN", "App slug already in use"))
		}
		return k, nil
	}
	// Refuse before drawing a key (slow when the pool is empty), and
	// check again once it is drawn: the slug may have been taken meanwhile.
	if resp := read(d, func() *Reply { _, resp := check(); return resp }); resp != nil {
		return resp
	}
	now := d.now()
	ks := d.keystore(now)
	return update(d, func() *Reply {
		k, resp := check()
		if resp != nil {
			return resp
		}
		a := d.newApp(d.st, newID(), in.Slug, in.DisplayName, d.st.OwnerID, now, ks)
		d.audit(a, "app.created", k.ID, "app", a.ID, "", map[string]any{"slug": a.Slug})
		return replyJSON(statusCreated, appJSON(a))
	})
}

func (d *Domain) stats(r *Call) *Reply {
	return read(d, func() *Reply {
		k, denied := d.apiKey(r)
		if denied != nil {
			return refuse(denied)
		}
		var apps, users, keysN int
		for _, a := range d.st.Apps {
			if k.allows(a, "") {
				apps++
				users += len(a.Users)
			}
		}
		for _, x := range d.st.APIKeys {
			if k.AppID == "" || x.AppID == k.AppID {
				keysN++
			}
		}
		return replyJSON(statusOK, map[string]any{"apps": apps, "end_users": users, "api_keys_active": keysN})
	})
}

func (d *Domain) getApp(_ *Call, a *appRec, _ *apiKeyRec) *Reply {
	return replyJSON(statusOK, appJSON(a))
}

func (d *Domain) updateApp(r *Call, a *appRec, k *apiKeyRec) *Reply {
	var in struct {
		DisplayName *string        `json:"display_name"`
		Slug        *string        `json:"slug"`
		Metadata    map[string]any `json:"metadata"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	var details map[string]any
	if in.Slug != nil && *in.Slug != a.Slug {
		if strings.HasPrefix(*in.Slug, "__") || !names.Slug(*in.Slug) {
			return badRequest("slug must be 2-63 lower-case letters, digits or dashes, not beginning with __")
		}
		if d.st.appBySlug[*in.Slug] != nil {
			return refuse(failCode(statusConflict, "SLUG_TAKEN", "App slug already in use"))
		}
		delete(d.st.appBySlug, a.Slug)
		details = map[string]any{"slug": *in.Slug, "previous_slug": a.Slug} // fires app.slug_changed
		a.Slug = *in.Slug
		d.st.appBySlug[a.Slug] = a
	}
	if in.DisplayName != nil {
		if strings.TrimSpace(*in.DisplayName) == "" {
			return badRequest("display_name should not be empty")
		}
		a.DisplayName = *in.DisplayName
	}
	if in.Metadata != nil {
		a.Metadata = in.Metadata
	}
	a.UpdatedAt = d.now()
	d.audit(a, "app.updated", k.ID, "app", a.ID, "", details)
	return replyJSON(statusOK, appJSON(a))
}

// deleteApp needs auth.delete (the access table); the app's own keys go
// with it.
func (d *Domain) deleteApp(_ *Call, a *appRec, _ *apiKeyRec) *Reply {
	d.st.Apps = removeBySeq(d.st.Apps, a.Seq, appSeq)
	delete(d.st.appByID, a.ID)
	delete(d.st.appBySlug, a.Slug)
	d.st.APIKeys = slices.DeleteFunc(d.st.APIKeys, func(x *apiKeyRec) bool {
		if x.AppID == a.ID {
			delete(d.st.keyByHash, x.Hash)
			return true
		}
		return false
	})
	return noContent(statusNoContent)
}

func (d *Domain) updateAppStatus(r *Call, a *appRec, k *apiKeyRec) *Reply {
	var in struct {
		Status string `json:"status"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if !slices.Contains(appStatuses, in.Status) {
		return badRequest("status must be one of the following values: active, suspended, archived")
	}
	// Archiving is final, as the spec's example transition (archived →
	// active) says; archived → archived is a harmless repeat.
	if a.Status == "archived" && in.Status != "archived" {
		return badRequest("Invalid status transition: archived → " + in.Status)
	}
	a.Status, a.UpdatedAt = in.Status, d.now()
	d.audit(a, "app.status_changed", k.ID, "app", a.ID, "", map[string]any{"status": in.Status})
	return replyJSON(statusOK, appJSON(a))
}

func (d *Domain) listMembers(r *Call, a *appRec, _ *apiKeyRec) *Reply {
	return listPage(r, a.Users, userSeq, false,
		func(u *userRec) bool { return u.Role != "" && a.roleByName[u.Role] != nil },
		func(u *userRec) map[string]any {
			var email any
			if c := u.primary("email"); c != nil {
				email = c.Value
			}
			role := a.roleByName[u.Role]
			return map[string]any{
				"id": u.ID, "account_id": u.ID, "username": u.Username, "display_name": u.DisplayName,
				"primary_email": email, "role_id": role.ID, "role_name": role.Name, "joined_at": ts(u.CreatedAt),
			}
		})
}

// removeMember takes the account's role away; the account itself stays.
func (d *Domain) removeMember(r *Call, a *appRec, k *apiKeyRec) *Reply {
	u := a.userByID[r.Param(1)]
	if u == nil || u.Role == "" {
		return refuse(fail(statusNotFound, "Member not found"))
	}
	u.Role, u.UpdatedAt = "", d.now()
	d.audit(a, "member.removed", k.ID, "end_user", u.ID, u.ID, nil)
	return noContent(statusNoContent)
}

func configJSON(c authConfig) map[string]any {
	return map[string]any{
		"signup_enabled": c.SignupEnabled, "signin_enabled": c.SigninEnabled,
		"signup_default_role": c.SignupDefaultRole, "signup_allowed_email_domains": nonNil(c.SignupAllowedEmailDomains),
		"password_min_length": c.PasswordMinLength, "password_require_number": c.PasswordRequireNumber,
		"password_require_symbol": c.PasswordRequireSymbol, "password_require_uppercase": c.PasswordRequireUppercase,
		"max_failed_login_attempts": c.MaxFailedLoginAttempts, "max_sessions": c.MaxSessions,
		"session_duration_minutes": c.SessionDurationMinutes, "enforce_app_permissions": c.EnforceAppPermissions,
		"allowed_redirect_origins": nonNil(c.AllowedRedirectOrigins), "oauth_link_policy": c.OAuthLinkPolicy,
		"signup_requires_pak": c.SignupRequiresPAK,
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func (d *Domain) getAuthConfig(_ *Call, a *appRec, _ *apiKeyRec) *Reply {
	return replyJSON(statusOK, configJSON(a.Config))
}

// configPatch is a partial auth config: the admin PATCH body, and (without
// the link policy, which fixtures set per app) a fixture's overrides. Absent
// fields leave the config as it is.
type configPatch struct {
	fixtures.AuthConfig
	OAuthLinkPolicy *string `json:"oauth_link_policy"`
}

// problems lists the rules p breaks, in the API's words; a state import
// checks an app's whole config with the same rules.
func (p configPatch) problems(roleExists func(string) bool) []string {
	var probs []string
	atLeast := func(name string, v *int, lo int) {
		if v != nil && *v < lo {
			probs = append(probs, name+" must not be less than "+itoa(int64(lo)))
		}
	}
	atLeast("password_min_length", p.PasswordMinLength, 1)
	atLeast("max_failed_login_attempts", p.MaxFailedLoginAttempts, 0)
	atLeast("max_sessions", p.MaxSessions, 0)
	atLeast("session_duration_minutes", p.SessionDurationMinutes, 1)
	if p.SignupDefaultRole != nil && !roleExists(*p.SignupDefaultRole) {
		probs = append(probs, "signup_default_role must name an existing role")
	}
	if p.OAuthLinkPolicy != nil && !slices.Contains([]string{"auto", "confirm", "reject"}, *p.OAuthLinkPolicy) {
		probs = append(probs, "oauth_link_policy must be one of the following values: auto, confirm, reject")
	}
	return probs
}

func (p configPatch) apply(c *authConfig) {
	setIfGiven(&c.SignupEnabled, p.SignupEnabled)
	setIfGiven(&c.SigninEnabled, p.SigninEnabled)
	setIfGiven(&c.SignupDefaultRole, p.SignupDefaultRole)
	if p.SignupAllowedEmailDomains != nil {
		c.SignupAllowedEmailDomains = slices.Clone(p.SignupAllowedEmailDomains)
	}
	setIfGiven(&c.PasswordMinLength, p.PasswordMinLength)
	setIfGiven(&c.PasswordRequireNumber, p.PasswordRequireNumber)
	setIfGiven(&c.PasswordRequireSymbol, p.PasswordRequireSymbol)
	setIfGiven(&c.PasswordRequireUppercase, p.PasswordRequireUppercase)
	setIfGiven(&c.MaxFailedLoginAttempts, p.MaxFailedLoginAttempts)
	setIfGiven(&c.MaxSessions, p.MaxSessions)
	setIfGiven(&c.SessionDurationMinutes, p.SessionDurationMinutes)
	setIfGiven(&c.EnforceAppPermissions, p.EnforceAppPermissions)
	if p.AllowedRedirectOrigins != nil {
		c.AllowedRedirectOrigins = slices.Clone(p.AllowedRedirectOrigins)
	}
	setIfGiven(&c.OAuthLinkPolicy, p.OAuthLinkPolicy)
	setIfGiven(&c.SignupRequiresPAK, p.SignupRequiresPAK)
}

func (d *Domain) updateAuthConfig(r *Call, a *appRec, k *apiKeyRec) *Reply {
	var in configPatch
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if probs := in.problems(func(role string) bool { return a.roleByName[role] != nil }); len(probs) > 0 {
		return badRequest(probs...)
	}
	in.apply(&a.Config)
	d.audit(a, "auth_config.updated", k.ID, "app", a.ID, "", nil)
	return replyJSON(statusOK, configJSON(a.Config))
}

func notifyJSON(a *appRec) map[string]any {
	n := a.Notify
	return map[string]any{
		"app_id": a.ID, "notifications_via_envoi": n.Enabled, "default_sender_address": n.Sender,
		"verification_template_name": n.VerificationTemplate, "password_reset_template_name": n.PasswordResetTemplate,
		"mfa_code_template_name": n.MFATemplate, "welcome_template_name": n.WelcomeTemplate, "web_origin": n.WebOrigin,
		"created_at": ts(n.CreatedAt), "updated_at": ts(n.UpdatedAt),
	}
}

func (d *Domain) getNotify(_ *Call, a *appRec, _ *apiKeyRec) *Reply {
	return replyJSON(statusOK, notifyJSON(a))
}

func (d *Domain) updateNotify(r *Call, a *appRec, k *apiKeyRec) *Reply {
	// Absent fields are kept; null clears a field; that needs the raw map.
	var in map[string]any
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	n := &a.Notify
	fields := map[string]**string{
		"default_sender_address": &n.Sender, "verification_template_name": &n.VerificationTemplate,
		"password_reset_template_name": &n.PasswordResetTemplate, "mfa_code_template_name": &n.MFATemplate,
		"welcome_template_name": &n.WelcomeTemplate, "web_origin": &n.WebOrigin,
	}
	for name, dst := range fields {
		v, ok := in[name]
		if !ok {
			continue
		}
		switch x := v.(type) {
		case nil:
			*dst = nil
		case string:
			*dst = ptr(x)
		default:
			return badRequest(name + " must be a string or null")
		}
	}
	if v, ok := in["notifications_via_envoi"]; ok {
		b, isBool := v.(bool)
		if !isBool {
			return badRequest("notifications_via_envoi must be a boolean value")
		}
		n.Enabled = b
	}
	if n.Sender != nil && !validEmail(*n.Sender) {
		return badRequest("default_sender_address must be an email")
	}
	n.UpdatedAt = d.now()
	d.audit(a, "notification_settings.updated", k.ID, "app", a.ID, "", nil)
	return replyJSON(statusOK, notifyJSON(a))
}

func (d *Domain) auditLogs(r *Call, a *appRec, _ *apiKeyRec) *Reply {
	action, actor := r.Query("action"), r.Query("actor_id")
	return listPage(r, a.auditFor(action, actor), auditSeq, true,
		func(e *auditRec) bool {
			return (action == "" || e.Action == action) && (actor == "" || (e.ActorID != nil && *e.ActorID == actor))
		},
		func(e *auditRec) map[string]any { return auditEntry(a, e) })
}

// userSummary is EndUserSummaryDto (and ConsumerAdminEndUserDto).
func (d *Domain) userSummary(a *appRec, u *userRec) map[string]any {
	email, verified, role := identityFields(u)
	return map[string]any{
		"id": u.ID, "username": u.Username, "display_name": u.DisplayName, "email": email,
		"email_verified_at": verified, "status": u.Status, "role": role,
		"active_session_count": len(a.liveSessions(u.ID, d.now())),
		"created_at":           ts(u.CreatedAt), "joined_at": ts(u.CreatedAt), "last_used_at": tsPtr(u.LastUsedAt),
	}
}

// matchesFilter is the end-user status/search filter of lists and bulk ops.
func matchesFilter(u *userRec, status, search string) bool {
	return userFilter(status, search)(u)
}

// userFilter is matchesFilter with the search lower-cased once, for the
// list walks that call it on every user from the cursor on (a search has
// no index, so a rare term walks the rest of the list).
func userFilter(status, search string) func(u *userRec) bool {
	s := strings.ToLower(search)
	return func(u *userRec) bool {
		if status != "" && u.Status != status {
			return false
		}
		if s == "" {
			return true
		}
		if containsFold(u.Username, s) || (u.DisplayName != nil && containsFold(*u.DisplayName, s)) {
			return true
		}
		for _, c := range u.Contacts {
			if containsFold(c.Value, s) {
				return true
			}
		}
		return false
	}
}

// containsFold reports whether lower (lower-case) is in s, ignoring case,
// without allocating a lower-cased copy of s when s is ASCII.
func containsFold(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return strings.Contains(strings.ToLower(s), lower)
		}
	}
	n := len(lower)
	for i := 0; i+n <= len(s); i++ {
		j := 0
		for j < n {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != lower[j] {
				break
			}
			j++
		}
		if j == n {
			return true
		}
	}
	return false
}

var userStatuses = []string{"active", "suspended", "deactivated"}

var appStatuses = []string{"active", "suspended", "archived"}

func (d *Domain) listUsers(r *Call, a *appRec, _ *apiKeyRec) *Reply {
	status, search := r.Query("status"), r.Query("search")
	if status != "" && !slices.Contains(userStatuses, status) {
		return badRequest("status must be one of the following values: active, suspended, deactivated")
	}
	return listPage(r, a.Users, userSeq, false, userFilter(status, search),
		func(u *userRec) map[string]any { return d.userSummary(a, u) })
}

func userNotFound() *Error { return fail(statusNotFound, "User not found") }

// userFn is an admin handler of one end user: the {user_id} path
// parameter resolved.
type userFn func(r *Call, a *appRec, k *apiKeyRec, u *userRec) *Reply

// forUser resolves {user_id} (the second path parameter) before fn, and
// answers 404 for an unknown one.
func forUser(fn userFn) adminFn {
	return func(r *Call, a *appRec, k *apiKeyRec) *Reply {
		u := a.userByID[r.Param(1)]
		if u == nil {
			return refuse(userNotFound())
		}
		return fn(r, a, k, u)
	}
}

func (d *Domain) getUser(r *Call, a *appRec, _ *apiKeyRec, u *userRec) *Reply {
	return replyJSON(statusOK, d.userSummary(a, u))
}

func (d *Domain) adminCreateUser(r *Call, a *appRec, k *apiKeyRec) *Reply {
	var in struct {
		Email       string `json:"email"`
		Username    string `json:"username"`
		Password    string `json:"password"`
		DisplayName string `json:"display_name"`
		RoleName    string `json:"role_name"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	in.Email = strings.TrimSpace(in.Email)
	if p := controlProblems("email", in.Email, "username", in.Username); p != nil {
		return badRequest(p...)
	}
	if !validEmail(in.Email) {
		return badRequest("email must be an email")
	}
	if in.Username == "" { // the username defaults to the email's local part
		in.Username = localPart(in.Email)
	}
	role := in.RoleName
	if role == "" {
		role = a.Config.SignupDefaultRole
	}
	if a.roleByName[role] == nil {
		return badRequest("role_name must name an existing role")
	}
	if resp := roleGrant(k, a, role); resp != nil {
		return refuse(resp)
	}
	var hash string
	if in.Password != "" {
		if p := passwordProblems(a.Config, in.Password); len(p) > 0 {
			return badRequest(p...)
		}
		hash = hashPassword(in.Password)
	}
	if resp := d.checkUnique(a, in.Username, in.Email, nil); resp != nil {
		return refuse(resp)
	}
	u := d.createUser(a, in.Username, in.Email, hash, in.DisplayName, role, false)
	d.audit(a, "user.created", k.ID, "end_user", u.ID, u.ID, nil)
	return replyJSON(statusCreated, map[string]any{
		"id": u.ID, "username": u.Username, "email": in.Email, "display_name": u.DisplayName,
		"email_verified": false, "role": role, "status": u.Status, "created_at": ts(u.CreatedAt),
	})
}

func (d *Domain) updateUser(r *Call, a *appRec, k *apiKeyRec, u *userRec) *Reply {
	var in struct {
		DisplayName *string `json:"display_name"`
		Email       *string `json:"email"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if in.Email != nil {
		email := strings.TrimSpace(*in.Email)
		if p := controlProblems("email", email); p != nil {
			return badRequest(p...)
		}
		if !validEmail(email) {
			return badRequest("email must be an email")
		}
		if resp := d.checkUnique(a, "", email, u); resp != nil {
			return refuse(resp)
		}
		// A changed primary email starts unverified, as at signup.
		if c := u.primary("email"); c == nil {
			c = &contactRec{ID: newID(), Type: "email", Value: email, IsPrimary: true, CreatedAt: d.now()}
			u.Contacts = append(u.Contacts, c)
			a.byContact[contactKey("email", email)] = u
		} else if !sameIdentity(c.Value, email) {
			delete(a.byContact, contactKey("email", c.Value))
			c.Value, c.VerifiedAt = email, nil
			a.byContact[contactKey("email", email)] = u
		}
	}
	if in.DisplayName != nil {
		u.DisplayName = strPtrOrNil(*in.DisplayName)
	}
	u.UpdatedAt = d.now()
	d.audit(a, "user.updated", k.ID, "end_user", u.ID, u.ID, nil)
	return replyJSON(statusOK, d.userSummary(a, u))
}

func (d *Domain) deleteUser(r *Call, a *appRec, k *apiKeyRec, u *userRec) *Reply {
	a.removeUser(u)
	d.audit(a, "user.deleted", k.ID, "end_user", u.ID, "", nil)
	return noContent(statusNoContent)
}

// setStatus changes a user's status; leaving active ends every session.
func (d *Domain) setStatus(a *appRec, u *userRec, status, actor string) {
	u.Status, u.UpdatedAt = status, d.now()
	if status != "active" {
		d.revokeSessions(a, u)
	}
	d.audit(a, "user.status_changed", actor, "end_user", u.ID, u.ID, map[string]any{"status": status})
}

func (d *Domain) revokeSessions(a *appRec, u *userRec) {
	for _, s := range append([]*sessionRec(nil), a.userSess[u.ID]...) {
		a.dropSession(s)
	}
}

func (d *Domain) updateUserStatus(r *Call, a *appRec, k *apiKeyRec, u *userRec) *Reply {
	var in struct {
		Status string `json:"status"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if !slices.Contains(userStatuses, in.Status) {
		return badRequest("status must be one of the following values: active, suspended, deactivated")
	}
	d.setStatus(a, u, in.Status, k.ID)
	return replyJSON(statusOK, d.userSummary(a, u))
}

func (d *Domain) updateUserRole(r *Call, a *appRec, k *apiKeyRec, u *userRec) *Reply {
	var in struct {
		RoleName string `json:"role_name"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if a.roleByName[in.RoleName] == nil {
		return refuse(fail(statusNotFound, "Role not found"))
	}
	if resp := roleGrant(k, a, in.RoleName); resp != nil {
		return refuse(resp)
	}
	u.Role, u.UpdatedAt = in.RoleName, d.now()
	d.audit(a, "user.role_changed", k.ID, "end_user", u.ID, u.ID, map[string]any{"role": in.RoleName})
	return replyJSON(statusOK, map[string]any{"user_id": u.ID, "role_name": in.RoleName})
}

func (d *Domain) revokeAll(r *Call, a *appRec, k *apiKeyRec, u *userRec) *Reply {
	d.revokeSessions(a, u)
	d.audit(a, "user.sessions_revoked", k.ID, "end_user", u.ID, u.ID, nil)
	return noContent(statusNoContent)
}

// bulk returns the handler of one bulk end-user operation.
func (d *Domain) bulk(op string) adminFn {
	return func(r *Call, a *appRec, k *apiKeyRec) *Reply {
		var in struct {
			Selection struct {
				Mode   string   `json:"mode"`
				IDs    []string `json:"ids"`
				Status string   `json:"status"`
				Search string   `json:"search"`
			} `json:"selection"`
			ConfirmAll bool   `json:"confirm_all_in_app"`
			RoleName   string `json:"role_name"`
			Status     string `json:"status"`
		}
		if err := r.Decode(&in); err != nil {
			return badRequest(err.Error())
		}
		sel := in.Selection
		var targets []*userRec
		switch sel.Mode {
		case "ids":
			for _, id := range sel.IDs {
				if u := a.userByID[id]; u != nil {
					targets = append(targets, u)
				}
			}
		case "filter":
			if sel.Status != "" && !slices.Contains(userStatuses, sel.Status) {
				return badRequest("selection.status must be one of the following values: active, suspended, deactivated")
			}
			// Deleting a whole app's users by an empty filter needs an
			// explicit confirmation.
			if op == "delete" && sel.Status == "" && sel.Search == "" && !in.ConfirmAll {
				return badRequest("confirm_all_in_app must be true to delete every user of the app")
			}
			for _, u := range a.Users {
				if matchesFilter(u, sel.Status, sel.Search) {
					targets = append(targets, u)
				}
			}
		default:
			return badRequest("selection.mode must be one of the following values: ids, filter")
		}
		switch op {
		case "role":
			if a.roleByName[in.RoleName] == nil {
				return refuse(fail(statusNotFound, "Role not found"))
			}
			if resp := roleGrant(k, a, in.RoleName); resp != nil {
				return refuse(resp)
			}
		case "status":
			if !slices.Contains(userStatuses, in.Status) {
				return badRequest("status must be one of the following values: active, suspended, deactivated")
			}
		}
		for _, u := range targets {
			switch op {
			case "delete":
				a.removeUser(u)
			case "revoke":
				d.revokeSessions(a, u)
			case "role":
				u.Role, u.UpdatedAt = in.RoleName, d.now()
			case "status":
				d.setStatus(a, u, in.Status, k.ID)
			}
		}
		d.audit(a, "user.bulk_"+op, k.ID, "app", a.ID, "", map[string]any{"affected_users": len(targets)})
		return replyJSON(statusOK, map[string]any{"affected_users": len(targets)})
	}
}

func (d *Domain) userContacts(r *Call, a *appRec, _ *apiKeyRec, u *userRec) *Reply {
	return replyJSON(statusOK, contactList(u))
}

func (d *Domain) addUserContact(r *Call, a *appRec, k *apiKeyRec, u *userRec) *Reply {
	c, resp := d.addContact(r, a, u)
	if resp != nil {
		return resp
	}
	d.audit(a, "user.contact_added", k.ID, "contact", c.ID, u.ID, nil)
	return replyJSON(statusCreated, contactJSON(c))
}

func (d *Domain) deleteUserContact(r *Call, a *appRec, k *apiKeyRec, u *userRec) *Reply {
	return noContentOr(d.deleteContact(a, u, r.Param(2), k.ID))
}

func (d *Domain) promoteUserContact(r *Call, a *appRec, k *apiKeyRec, u *userRec) *Reply {
	return noContentOr(d.promoteContact(a, u, r.Param(2), k.ID))
}

// resendVerification issues a verification code for the named contact (or
// the primary email), mailing it when the app's mail is on.
func (d *Domain) resendVerification(r *Call, a *appRec, k *apiKeyRec, u *userRec) *Reply {
	c := u.primary("email")
	if id := r.Param(2); id != "" {
		c = u.contact(id)
	}
	if c == nil {
		return refuse(fail(statusNotFound, "Contact not found"))
	}
	if c.VerifiedAt != nil {
		return refuse(failCode(statusConflict, "ALREADY_VERIFIED", "Contact is already verified"))
	}
	code, exp := d.issueCode(r.Origin, a, kindVerification, u, c, a.Notify.Enabled && c.Type == "email")
	return replyJSON(statusCreated, map[string]any{"code": code, "expires_at": ts(exp)})
}

func roleJSON(a *appRec, r *roleRec) map[string]any {
	return map[string]any{
		"id": r.ID, "app_id": a.ID, "name": r.Name, "description": r.Description, "is_system": r.IsSystem,
		"created_at": ts(r.CreatedAt), "updated_at": ts(r.UpdatedAt),
	}
}

func (d *Domain) listRoles(r *Call, a *appRec, _ *apiKeyRec) *Reply {
	return listPage(r, a.Roles, roleSeq, false, nil,
		func(x *roleRec) map[string]any { return roleJSON(a, x) })
}

func (d *Domain) createRole(r *Call, a *appRec, k *apiKeyRec) *Reply {
	var in struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if !names.RoleName(in.Name) {
		return badRequest("name must be lower-case letters, digits, dashes or underscores")
	}
	if a.roleByName[in.Name] != nil {
		return refuse(failCode(statusConflict, "ROLE_EXISTS", "Role already exists"))
	}
	role := d.addRole(a, in.Name, in.Description)
	d.audit(a, "role.created", k.ID, "role", role.ID, "", map[string]any{"name": in.Name})
	return replyJSON(statusCreated, roleJSON(a, role))
}

func roleNotFound() *Error { return fail(statusNotFound, "Role not found") }

func (d *Domain) getRole(r *Call, a *appRec, _ *apiKeyRec) *Reply {
	role := a.roleByName[r.Param(1)]
	if role == nil {
		return refuse(roleNotFound())
	}
	out := roleJSON(a, role)
	perms := make([]map[string]any, 0, len(role.Permissions))
	for _, key := range role.Permissions {
		if p := a.permByKey[key]; p != nil {
			perms = append(perms, map[string]any{"id": p.ID, "resource": p.Resource, "action": p.Action, "description": p.Description})
		}
	}
	out["permissions"] = perms
	return replyJSON(statusOK, out)
}

func (d *Domain) updateRole(r *Call, a *appRec, k *apiKeyRec) *Reply {
	role := a.roleByName[r.Param(1)]
	if role == nil {
		return refuse(roleNotFound())
	}
	var in struct {
		Description *string `json:"description"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if in.Description != nil {
		role.Description = strPtrOrNil(*in.Description)
	}
	role.UpdatedAt = d.now()
	d.audit(a, "role.updated", k.ID, "role", role.ID, "", nil)
	return replyJSON(statusOK, roleJSON(a, role))
}

func (d *Domain) deleteRole(r *Call, a *appRec, k *apiKeyRec) *Reply {
	role := a.roleByName[r.Param(1)]
	if role == nil {
		return refuse(roleNotFound())
	}
	if role.IsSystem {
		return refuse(fail(statusForbidden, "System roles cannot be deleted"))
	}
	for _, u := range a.Users {
		if u.Role == role.Name {
			return refuse(failCode(statusConflict, "ROLE_IN_USE", "Role is assigned to members; reassign them first"))
		}
	}
	if a.Config.SignupDefaultRole == role.Name {
		return refuse(failCode(statusConflict, "ROLE_IN_USE", "Role is the signup default role"))
	}
	a.Roles = removeBySeq(a.Roles, role.Seq, roleSeq)
	delete(a.roleByName, role.Name)
	d.audit(a, "role.deleted", k.ID, "role", role.ID, "", map[string]any{"name": role.Name})
	return noContent(statusNoContent)
}

// permissionSet reads the {permissions} body that replaces a role's
// permissions or a client's scopes: every key must exist in the app (400
// naming the unknown ones); the set comes back sorted, without repeats.
func permissionSet(r *Call, a *appRec) ([]string, *Error) {
	var in struct {
		Permissions []string `json:"permissions"`
	}
	if err := r.Decode(&in); err != nil {
		return nil, invalid(err.Error())
	}
	if in.Permissions == nil {
		return nil, invalid("permissions must be an array")
	}
	var unknown []string
	for _, p := range in.Permissions {
		if a.permByKey[p] == nil {
			unknown = append(unknown, "unknown permission "+p)
		}
	}
	if len(unknown) > 0 {
		return nil, invalid(unknown...)
	}
	set := slices.Clone(in.Permissions)
	sort.Strings(set)
	return slices.Compact(set), nil
}

func (d *Domain) setRolePermissions(r *Call, a *appRec, k *apiKeyRec) *Reply {
	role := a.roleByName[r.Param(1)]
	if role == nil {
		return refuse(roleNotFound())
	}
	if role.Name == "owner" {
		return refuse(fail(statusForbidden, "The owner role's permissions cannot be changed"))
	}
	perms, denied := permissionSet(r, a)
	if denied != nil {
		return refuse(denied)
	}
	// Caller-narrowed for every kind of caller, as the spec says.
	if resp := narrowing(k, perms); resp != nil {
		return refuse(resp)
	}
	role.Permissions, role.UpdatedAt = perms, d.now()
	d.audit(a, "role.permissions_set", k.ID, "role", role.ID, "", map[string]any{"permissions": role.Permissions})
	return replyJSON(statusOK, map[string]any{"role": role.Name, "permissions": role.Permissions})
}

func (d *Domain) assignRole(r *Call, a *appRec, k *apiKeyRec) *Reply {
	var in struct {
		AccountID string `json:"account_id"`
		Role      string `json:"role"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	u := a.userByID[in.AccountID]
	if u == nil {
		return refuse(userNotFound())
	}
	role := a.roleByName[in.Role]
	if role == nil {
		return refuse(roleNotFound())
	}
	if resp := roleGrant(k, a, role.Name); resp != nil {
		return refuse(resp)
	}
	u.Role, u.UpdatedAt = role.Name, d.now()
	d.audit(a, "role.assigned", k.ID, "end_user", u.ID, u.ID, map[string]any{"role": role.Name})
	return replyJSON(statusOK, map[string]any{
		"id": u.ID, "account_id": u.ID, "app_id": a.ID, "role_id": role.ID, "joined_at": ts(u.CreatedAt),
	})
}

func permJSON(a *appRec, p *permRec, withSystem bool) map[string]any {
	out := map[string]any{
		"id": p.ID, "app_id": a.ID, "resource": p.Resource, "action": p.Action,
		"description": p.Description, "created_at": ts(p.CreatedAt),
	}
	if withSystem {
		out["is_system"] = p.IsSystem
	}
	return out
}

func (d *Domain) listPermissions(r *Call, a *appRec, _ *apiKeyRec) *Reply {
	// The consumer-admin list carries is_system; the platform one does not
	// declare it, and extra fields are harmless, so both get it.
	out := make([]map[string]any, 0, len(a.Permissions))
	for _, p := range a.Permissions {
		out = append(out, permJSON(a, p, true))
	}
	return replyJSON(statusOK, out)
}

func (d *Domain) permissionCatalog(r *Call, a *appRec, k *apiKeyRec) *Reply {
	return d.listPermissions(r, a, k)
}

func (d *Domain) createPermission(r *Call, a *appRec, k *apiKeyRec) *Reply {
	var in struct {
		Resource    string `json:"resource"`
		Action      string `json:"action"`
		Description string `json:"description"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if !names.Part(in.Resource) || !names.Part(in.Action) {
		return badRequest("resource and action must be letters, digits, dashes or underscores")
	}
	key := in.Resource + "." + in.Action
	if a.permByKey[key] != nil {
		return refuse(failCode(statusConflict, "PERMISSION_EXISTS", "Permission already exists"))
	}
	p := d.addPermission(a, key, in.Description)
	d.audit(a, "permission.created", k.ID, "permission", p.ID, "", map[string]any{"key": key})
	return replyJSON(statusCreated, permJSON(a, p, false))
}

func (d *Domain) deletePermission(r *Call, a *appRec, k *apiKeyRec) *Reply {
	key := r.Param(1)
	if res, act, ok := strings.Cut(key, "."); !ok || res == "" || act == "" {
		return badRequest("permission key must be in resource.action format")
	}
	p := a.permByKey[key]
	if p == nil {
		return refuse(fail(statusNotFound, "Permission not found"))
	}
	if p.IsSystem {
		return refuse(fail(statusForbidden, "System permissions cannot be deleted"))
	}
	a.Permissions = removeBySeq(a.Permissions, p.Seq, permSeq)
	delete(a.permByKey, key)
	for _, role := range a.Roles { // a deleted permission is granted by no role
		role.Permissions = slices.DeleteFunc(role.Permissions, func(s string) bool { return s == key })
	}
	d.audit(a, "permission.deleted", k.ID, "permission", p.ID, "", map[string]any{"key": key})
	return noContent(statusNoContent)
}

func (d *Domain) enforcement(_ *Call, _ *appRec, _ *apiKeyRec) *Reply {
	return replyJSON(statusOK, map[string]any{"data": []string{"session.revoke"}})
}

func apiKeyJSON(k *apiKeyRec) map[string]any {
	return map[string]any{
		"id": k.ID, "name": k.Name, "key_prefix": k.Prefix, "permissions": nonNil(k.Permissions),
		"created_at": ts(k.CreatedAt), "last_used_at": tsPtr(k.LastUsedAt),
	}
}

func (d *Domain) listAPIKeys(_ *Call, a *appRec, _ *apiKeyRec) *Reply {
	data := make([]map[string]any, 0)
	for _, k := range d.st.APIKeys {
		if k.AppID == a.ID {
			data = append(data, apiKeyJSON(k))
		}
	}
	return replyJSON(statusOK, map[string]any{"data": data, "pagination": page{}})
}

func (d *Domain) createAPIKey(r *Call, a *appRec, actor *apiKeyRec) *Reply {
	var in struct {
		Name        string   `json:"name"`
		Permissions []string `json:"permissions"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if strings.TrimSpace(in.Name) == "" {
		return badRequest("name should not be empty")
	}
	if resp := narrowing(actor, in.Permissions); resp != nil {
		return refuse(resp)
	}
	plaintext := "pcft_test_" + randomHex(20)
	k := d.addAPIKey(a, in.Name, plaintext, in.Permissions)
	d.audit(a, "api_key.created", actor.ID, "api_key", k.ID, "", map[string]any{"name": k.Name})
	out := apiKeyJSON(k)
	delete(out, "last_used_at")
	out["key"] = plaintext // shown once; only the hash is kept
	return replyJSON(statusCreated, out)
}

func (d *Domain) deleteAPIKey(r *Call, a *appRec, actor *apiKeyRec) *Reply {
	id := r.Param(1)
	i := slices.IndexFunc(d.st.APIKeys, func(k *apiKeyRec) bool { return k.ID == id && k.AppID == a.ID })
	if i < 0 {
		return refuse(fail(statusNotFound, "API key not found"))
	}
	k := d.st.APIKeys[i]
	d.st.APIKeys = slices.Delete(d.st.APIKeys, i, i+1)
	delete(d.st.keyByHash, k.Hash)
	d.audit(a, "api_key.deleted", actor.ID, "api_key", k.ID, "", nil)
	return noContent(statusNoContent)
}

func clientJSON(a *appRec, c *clientRec) map[string]any {
	return map[string]any{
		"id": c.ID, "app_id": a.ID, "client_id": c.ClientID, "name": c.Name, "is_active": c.IsActive,
		"created_at": ts(c.CreatedAt), "last_used_at": tsPtr(c.LastUsedAt),
	}
}

func (d *Domain) listClients(r *Call, a *appRec, _ *apiKeyRec) *Reply {
	return listPage(r, a.Clients, clientSeq, false, nil,
		func(c *clientRec) map[string]any { return clientJSON(a, c) })
}

func (d *Domain) createClient(r *Call, a *appRec, k *apiKeyRec) *Reply {
	var in struct {
		Name string `json:"name"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if strings.TrimSpace(in.Name) == "" {
		return badRequest("name should not be empty")
	}
	secret := randomToken(32)
	c := d.addClient(a, in.Name, "m2m_"+randomHex(12), secret, nil)
	d.audit(a, "m2m_client.created", k.ID, "m2m_client", c.ID, "", map[string]any{"name": c.Name})
	return replyJSON(statusCreated, map[string]any{
		"id": c.ID, "client_id": c.ClientID, "client_secret": secret, "name": c.Name, "created_at": ts(c.CreatedAt),
	})
}

// client finds an M2M client by its id or client_id.
func client(a *appRec, ref string) *clientRec { return a.clientByID[ref] }

func clientNotFound() *Error { return fail(statusNotFound, "Client not found") }

func (d *Domain) getClient(r *Call, a *appRec, _ *apiKeyRec) *Reply {
	c := client(a, r.Param(1))
	if c == nil {
		return refuse(clientNotFound())
	}
	out := clientJSON(a, c)
	scopes := make([]map[string]any, 0, len(c.Scopes))
	for _, s := range c.Scopes {
		res, act, _ := strings.Cut(s, ".")
		scopes = append(scopes, map[string]any{"resource": res, "action": act})
	}
	out["scopes"] = scopes
	return replyJSON(statusOK, out)
}

func (d *Domain) updateClient(r *Call, a *appRec, k *apiKeyRec) *Reply {
	c := client(a, r.Param(1))
	if c == nil {
		return refuse(clientNotFound())
	}
	var in struct {
		IsActive *bool `json:"is_active"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if in.IsActive != nil {
		c.IsActive = *in.IsActive
	}
	d.audit(a, "m2m_client.updated", k.ID, "m2m_client", c.ID, "", map[string]any{"is_active": c.IsActive})
	return replyJSON(statusOK, clientJSON(a, c))
}

func (d *Domain) deleteClient(r *Call, a *appRec, k *apiKeyRec) *Reply {
	c := client(a, r.Param(1))
	if c == nil {
		return refuse(clientNotFound())
	}
	a.Clients = removeBySeq(a.Clients, c.Seq, clientSeq)
	delete(a.clientByID, c.ID)
	delete(a.clientByID, c.ClientID)
	d.audit(a, "m2m_client.deleted", k.ID, "m2m_client", c.ID, "", nil)
	return noContent(statusNoContent)
}

func (d *Domain) rotateClient(r *Call, a *appRec, k *apiKeyRec) *Reply {
	c := client(a, r.Param(1))
	if c == nil {
		return refuse(clientNotFound())
	}
	secret := randomToken(32)
	c.SecretHash = tokenHash(secret)
	d.audit(a, "m2m_client.secret_rotated", k.ID, "m2m_client", c.ID, "", nil)
	return replyJSON(statusOK, map[string]any{"client_id": c.ClientID, "client_secret": secret})
}

func (d *Domain) setClientScopes(r *Call, a *appRec, k *apiKeyRec) *Reply {
	c := client(a, r.Param(1))
	if c == nil {
		return refuse(clientNotFound())
	}
	scopes, denied := permissionSet(r, a)
	if denied != nil {
		return refuse(denied)
	}
	if resp := narrowing(k, scopes); resp != nil {
		return refuse(resp)
	}
	c.Scopes = scopes
	d.audit(a, "m2m_client.scopes_set", k.ID, "m2m_client", c.ID, "", map[string]any{"scopes": c.Scopes})
	return replyJSON(statusOK, map[string]any{"client_id": c.ClientID, "scopes": c.Scopes})
}
