package heimdall

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/names"
)

// tenantRec is an organisation inside an app. Members hold one of the app's
// roles inside it (role_name), independent of their app-level role.
type tenantRec struct {
	Seq         int64          `json:"seq"`
	ID          string         `json:"id"`
	DisplayID   string         `json:"display_id"` // tnt_<12hex>
	Slug        string         `json:"slug"`
	DisplayName string         `json:"display_name"`
	Status      string         `json:"status"`
	Metadata    map[string]any `json:"metadata"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	// IdempotencyKey is the Idempotency-Key header of the create call: a
	// retry with the same key within idempotencyTTL gets this tenant back.
	IdempotencyKey string `json:"idempotency_key,omitempty"`
}

// idempotencyTTL is how long a create's Idempotency-Key is remembered.
const idempotencyTTL = 24 * time.Hour

// memberRec is a tenant membership.
type memberRec struct {
	Seq       int64     `json:"seq"`
	ID        string    `json:"id"`
	TenantID  string    `json:"tenant_id"`
	AccountID string    `json:"account_id"`
	RoleName  string    `json:"role_name"`
	InvitedBy *string   `json:"invited_by"`
	JoinedAt  time.Time `json:"joined_at"`
}

func memberKey(tenantID, accountID string) string { return tenantID + "\x00" + accountID }

var tenantStatuses = []string{"active", "suspended", "archived"}

// Tenant permissions a PAK must hold on the consumer tenant routes.
const (
	permTenantRead       = "auth.tenant.read"
	permTenantCreate     = "auth.tenant.create"
	permTenantUpdate     = "auth.tenant.update"
	permTenantDelete     = "auth.tenant.delete"
	permMembersAdd       = "auth.tenant.members.add"
	permMembersRemove    = "auth.tenant.members.remove"
	permMembersSetRole   = "auth.tenant.members.update-role"
	tenantAdminRoleOwner = "owner"
	tenantAdminRoleAdmin = "admin"
)

// checkTenantRows refuses duplicate tenants and memberships of unknown
// tenants or accounts in a snapshot.
func checkTenantRows(a *appRec, users map[string]bool) error {
	refs := map[string]bool{}
	for i, t := range a.Tenants {
		if t.ID == "" || t.DisplayID == "" || refs[t.ID] || refs[t.DisplayID] || refs["slug:"+t.Slug] {
			return fmt.Errorf("tenants[%d]: missing or duplicate id, display_id or slug", i)
		}
		refs[t.ID], refs[t.DisplayID], refs["slug:"+t.Slug] = true, true, true
	}
	seen := map[string]bool{}
	for i, m := range a.Memberships {
		k := memberKey(m.TenantID, m.AccountID)
		if !refs[m.TenantID] || !users[m.AccountID] || seen[k] {
			return fmt.Errorf("tenant_members[%d]: unknown tenant or account, or duplicate", i)
		}
		seen[k] = true
	}
	if a.Webhook != nil && len(a.Webhook.Secret) < 4 {
		return fmt.Errorf("webhook.signing_secret: too short")
	}
	return nil
}

func (a *appRec) reindexTenants() {
	a.tenantByRef = make(map[string]*tenantRec, 3*len(a.Tenants))
	for _, t := range a.Tenants {
		a.indexTenant(t)
	}
	a.memberByKey = make(map[string]*memberRec, len(a.Memberships))
	for _, m := range a.Memberships {
		a.memberByKey[memberKey(m.TenantID, m.AccountID)] = m
	}
}

func (a *appRec) indexTenant(t *tenantRec) {
	a.tenantByRef[t.ID], a.tenantByRef[t.DisplayID], a.tenantByRef["slug:"+t.Slug] = t, t, t
	if t.IdempotencyKey != "" {
		a.tenantByRef["idem:"+t.IdempotencyKey] = t
	}
}

func (a *appRec) unindexTenant(t *tenantRec) {
	delete(a.tenantByRef, t.ID)
	delete(a.tenantByRef, t.DisplayID)
	delete(a.tenantByRef, "slug:"+t.Slug)
	if t.IdempotencyKey != "" {
		delete(a.tenantByRef, "idem:"+t.IdempotencyKey)
	}
}

// tenant resolves a tenant by uuid or display id (slugs are looked up only
// for uniqueness, never as a reference: the spec names id and display id).
func (a *appRec) tenant(ref string) *tenantRec {
	if strings.HasPrefix(ref, "slug:") || strings.HasPrefix(ref, "idem:") {
		return nil
	}
	return a.tenantByRef[ref]
}

// dropMemberships removes every membership of an account (its deletion).
func (a *appRec) dropMemberships(accountID string) {
	a.Memberships = slices.DeleteFunc(a.Memberships, func(m *memberRec) bool {
		if m.AccountID == accountID {
			delete(a.memberByKey, memberKey(m.TenantID, m.AccountID))
			return true
		}
		return false
	})
}

func tenantJSON(a *appRec, t *tenantRec) map[string]any {
	md := t.Metadata
	if md == nil {
		md = map[string]any{}
	}
	return map[string]any{
		"id": t.ID, "display_id": t.DisplayID, "app_id": a.ID, "slug": t.Slug,
		"display_name": t.DisplayName, "status": t.Status, "metadata": md,
		"created_at": ts(t.CreatedAt), "updated_at": ts(t.UpdatedAt),
	}
}

func memberJSON(a *appRec, m *memberRec) map[string]any {
	roleID := ""
	if r := a.roleByName[m.RoleName]; r != nil {
		roleID = r.ID
	}
	return map[string]any{
		"id": m.ID, "tenant_id": m.TenantID, "account_id": m.AccountID, "role_id": roleID,
		"role_name": m.RoleName, "joined_at": ts(m.JoinedAt), "invited_by": m.InvitedBy,
	}
}

// tenantActor is who calls a tenant route: an API key, or (consumer routes
// only) an end user acting inside the tenants they belong to.
type tenantActor struct {
	key  *apiKeyRec
	user *userRec
}

func (c tenantActor) id() string {
	if c.user != nil {
		return c.user.ID
	}
	return c.key.ID
}

type tenantFn func(r *Call, a *appRec, c tenantActor) *Reply

// consumerTenantRoute authenticates a /{app_slug}/v1/tenants... call. An
// API key must hold perm; an end-user token may read the tenants it
// belongs to and, as the tenant's owner or admin, manage them (checked by
// the handlers through canManage).
func (d *Domain) consumerTenantRoute(perm string, fn tenantFn) Handler {
	return func(r *Call) *Reply {
		tok := r.Bearer()
		if tok == "" {
			return refuse(fail(statusUnauthorized, "Missing bearer token"))
		}
		// An API key answers under one lock; a token is verified outside it
		// (verifyToken locks for the lookup around the RSA check).
		isKey := false
		if resp := update(d, func() *Reply {
			if isKey = d.st.keyByHash[tokenHash(tok)] != nil; !isKey {
				return nil
			}
			a, denied := d.consumerApp(r.Param(0))
			if denied != nil {
				return refuse(denied)
			}
			k, denied := d.pakFor(r, a, perm)
			if denied != nil {
				return refuse(denied)
			}
			return fn(r, a, tenantActor{key: k})
		}); isKey {
			return resp
		}
		return d.verifyToken(r, r.Param(0), tok, func(a *appRec, p *principal, reason string) *Reply {
			if p == nil {
				return refuse(failCode(statusUnauthorized, reason, "Invalid API key or token"))
			}
			if p.typ != typeEndUser {
				return refuse(fail(statusForbidden, "M2M tokens cannot manage tenants"))
			}
			return fn(r, a, tenantActor{user: p.user})
		})
	}
}

// platformTenantRoute wraps a /v1/apps/{app_id}/tenants... handler.
func (d *Domain) platformTenantRoute(fn tenantFn) Handler {
	return d.platform(func(r *Call, a *appRec, k *apiKeyRec) *Reply {
		return fn(r, a, tenantActor{key: k})
	})
}

// memberOf reports the caller's membership of t (nil for API keys).
func (c tenantActor) memberOf(a *appRec, t *tenantRec) *memberRec {
	if c.user == nil {
		return nil
	}
	return a.memberByKey[memberKey(t.ID, c.user.ID)]
}

// canSee refuses an end user outside the tenant: 403, per the spec's "not
// a member" rule; keys see every tenant of their app.
func (c tenantActor) canSee(a *appRec, t *tenantRec) *Error {
	if c.user != nil && c.memberOf(a, t) == nil {
		return failCode(statusForbidden, "NOT_A_MEMBER", "Not a member of this tenant")
	}
	return nil
}

// canManage refuses an end user who is not the tenant's owner or admin.
func (c tenantActor) canManage(a *appRec, t *tenantRec) *Error {
	if resp := c.canSee(a, t); resp != nil {
		return resp
	}
	if m := c.memberOf(a, t); m != nil && m.RoleName != tenantAdminRoleOwner && m.RoleName != tenantAdminRoleAdmin {
		return failCode(statusForbidden, "NOT_TENANT_ADMIN", "Only the tenant's owner or admin may do this")
	}
	return nil
}

// grantsRole refuses to give a tenant member a role with more rights than
// the caller holds: an API key's permissions bound it as they bound every
// role it assigns, an end user's own role in the tenant bounds it, and
// only an owner makes owners.
func (c tenantActor) grantsRole(a *appRec, t *tenantRec, role string) *Error {
	if c.user == nil {
		return roleGrant(c.key, a, role)
	}
	own := c.memberOf(a, t)
	if own == nil {
		return failCode(statusForbidden, "NOT_A_MEMBER", "Not a member of this tenant")
	}
	if role == tenantAdminRoleOwner && own.RoleName != tenantAdminRoleOwner {
		return failCode(statusForbidden, "NOT_TENANT_OWNER", "Only an owner may make owners")
	}
	return narrowing(&apiKeyRec{Permissions: a.rolePermissions(own.RoleName)}, a.rolePermissions(role))
}

// openTenant resolves {tenant_id} (404 when unknown) and lets check, the
// caller's canSee or canManage, refuse it.
func openTenant(r *Call, a *appRec, check func(*appRec, *tenantRec) *Error) (*tenantRec, *Error) {
	t := a.tenant(r.Param(1))
	if t == nil {
		return nil, tenantNotFound()
	}
	if resp := check(a, t); resp != nil {
		return nil, resp
	}
	return t, nil
}

func tenantNotFound() *Error { return fail(statusNotFound, "Tenant not found") }

// unknownMemberRole is a 400, not a 404: the spec's member routes name an
// unknown role as a bad body and keep 404 for the tenant, account and
// membership.
func unknownMemberRole() *Error {
	return invalid("role_name must name an existing role")
}

func (d *Domain) listTenants(r *Call, a *appRec, c tenantActor) *Reply {
	status := r.Query("status")
	if status != "" && !slices.Contains(tenantStatuses, status) {
		return badRequest("status must be one of the following values: active, suspended, archived")
	}
	return listPage(r, a.Tenants, tenantSeq, true,
		func(t *tenantRec) bool { return (status == "" || t.Status == status) && c.canSee(a, t) == nil },
		func(t *tenantRec) map[string]any { return tenantJSON(a, t) })
}

// tenantSlugFrom derives a slug from a display name: lower-case letters and
// digits, other runs become one dash.
func tenantSlugFrom(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
		if b.Len() >= 56 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = "tenant"
	}
	return s
}

func (d *Domain) createTenant(r *Call, a *appRec, c tenantActor) *Reply {
	var in struct {
		DisplayName string         `json:"display_name"`
		Slug        *string        `json:"slug"`
		Metadata    map[string]any `json:"metadata"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	idem := strings.TrimSpace(r.Header("Idempotency-Key"))
	if len(idem) > 255 {
		return badRequest("Idempotency-Key must be at most 255 characters")
	}
	if t := a.tenantByRef["idem:"+idem]; idem != "" && t != nil && d.now().Before(t.CreatedAt.Add(idempotencyTTL)) {
		return replyJSON(statusCreated, tenantJSON(a, t)) // a retry: the first answer again
	}
	name := strings.TrimSpace(in.DisplayName)
	if name == "" || len([]rune(in.DisplayName)) > 200 {
		return badRequest("display_name must be 1-200 characters")
	}
	var slug string
	if in.Slug != nil {
		if !names.TenantSlug(*in.Slug) {
			return badRequest("slug must be lower-case letters, digits and inner dashes, at most 64 characters")
		}
		slug = *in.Slug
		if a.tenantByRef["slug:"+slug] != nil {
			return refuse(failCode(statusConflict, "SLUG_TAKEN", "Tenant slug already in use"))
		}
	} else {
		// A derived slug never conflicts: a taken one gets a random suffix.
		slug = tenantSlugFrom(name)
		for a.tenantByRef["slug:"+slug] != nil {
			slug = tenantSlugFrom(name) + "-" + randomHex(3)
		}
	}
	if in.Metadata == nil {
		in.Metadata = map[string]any{}
	}
	now := d.now()
	t := &tenantRec{
		Seq: d.st.nextSeq(), ID: newID(), DisplayID: "tnt_" + randomHex(6), Slug: slug,
		DisplayName: in.DisplayName, Status: "active", Metadata: in.Metadata, CreatedAt: now, UpdatedAt: now,
		IdempotencyKey: idem,
	}
	if old := a.tenantByRef["idem:"+idem]; idem != "" && old != nil {
		old.IdempotencyKey = "" // expired: the key now names the new tenant
	}
	a.Tenants = append(a.Tenants, t)
	a.indexTenant(t)
	if c.user != nil {
		// An end user creating a tenant owns it; otherwise nobody could
		// manage it through the consumer API.
		d.addMembership(a, t, c.user.ID, tenantAdminRoleOwner, nil)
	}
	d.audit(a, "tenant.created", c.id(), "tenant", t.ID, "", map[string]any{"tenant_id": t.ID, "slug": t.Slug})
	return replyJSON(statusCreated, tenantJSON(a, t))
}

func (d *Domain) getTenant(r *Call, a *appRec, c tenantActor) *Reply {
	t, resp := openTenant(r, a, c.canSee)
	if resp != nil {
		return refuse(resp)
	}
	return replyJSON(statusOK, tenantJSON(a, t))
}

func (d *Domain) updateTenant(r *Call, a *appRec, c tenantActor) *Reply {
	t, resp := openTenant(r, a, c.canManage)
	if resp != nil {
		return refuse(resp)
	}
	var in struct {
		DisplayName *string        `json:"display_name"`
		Slug        *string        `json:"slug"`
		Status      *string        `json:"status"`
		Metadata    map[string]any `json:"metadata"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	var problems []string
	if in.DisplayName != nil && (strings.TrimSpace(*in.DisplayName) == "" || len([]rune(*in.DisplayName)) > 200) {
		problems = append(problems, "display_name must be 1-200 characters")
	}
	if in.Slug != nil && !names.TenantSlug(*in.Slug) {
		problems = append(problems, "slug must be lower-case letters, digits and inner dashes, at most 64 characters")
	}
	if in.Status != nil && !slices.Contains(tenantStatuses, *in.Status) {
		problems = append(problems, "status must be one of the following values: active, suspended, archived")
	}
	if len(problems) > 0 {
		return badRequest(problems...)
	}
	if in.Slug != nil && *in.Slug != t.Slug && a.tenantByRef["slug:"+*in.Slug] != nil {
		return refuse(failCode(statusConflict, "SLUG_TAKEN", "Tenant slug already in use"))
	}
	a.unindexTenant(t)
	changed := []string{}
	if in.DisplayName != nil {
		t.DisplayName = *in.DisplayName
		changed = append(changed, "display_name")
	}
	if in.Slug != nil {
		t.Slug = *in.Slug
		changed = append(changed, "slug")
	}
	if in.Status != nil {
		t.Status = *in.Status
		changed = append(changed, "status")
	}
	if in.Metadata != nil {
		t.Metadata = in.Metadata
		changed = append(changed, "metadata")
	}
	a.indexTenant(t)
	t.UpdatedAt = d.now()
	d.audit(a, "tenant.updated", c.id(), "tenant", t.ID, "", map[string]any{"tenant_id": t.ID, "fields": changed})
	return replyJSON(statusOK, tenantJSON(a, t))
}

func (d *Domain) deleteTenant(r *Call, a *appRec, c tenantActor) *Reply {
	t := a.tenant(r.Param(1))
	if t == nil {
		return refuse(tenantNotFound())
	}
	if m := c.memberOf(a, t); c.user != nil && (m == nil || m.RoleName != tenantAdminRoleOwner) {
		return refuse(failCode(statusForbidden, "NOT_TENANT_OWNER", "Only the tenant's owner may delete it"))
	}
	a.unindexTenant(t)
	a.Tenants = removeBySeq(a.Tenants, t.Seq, tenantSeq)
	a.Memberships = slices.DeleteFunc(a.Memberships, func(m *memberRec) bool {
		if m.TenantID == t.ID {
			delete(a.memberByKey, memberKey(m.TenantID, m.AccountID))
			return true
		}
		return false
	})
	// Sessions switched into the tenant fall back to the app context.
	for _, s := range a.sessionByID {
		if s.TenantID == t.ID {
			s.TenantID = ""
		}
	}
	d.audit(a, "tenant.deleted", c.id(), "tenant", t.ID, "", map[string]any{"tenant_id": t.ID})
	return noContent(statusNoContent)
}

func (d *Domain) listTenantMembers(r *Call, a *appRec, c tenantActor) *Reply {
	t, resp := openTenant(r, a, c.canSee)
	if resp != nil {
		return refuse(resp)
	}
	return listPage(r, a.Memberships, memberSeq, true,
		func(m *memberRec) bool { return m.TenantID == t.ID },
		func(m *memberRec) map[string]any { return memberJSON(a, m) })
}

// addMembership stores a membership. Caller holds d.mu and has checked it
// is new.
func (d *Domain) addMembership(a *appRec, t *tenantRec, accountID, role string, invitedBy *string) *memberRec {
	m := &memberRec{
		Seq: d.st.nextSeq(), ID: newID(), TenantID: t.ID, AccountID: accountID,
		RoleName: role, InvitedBy: invitedBy, JoinedAt: d.now(),
	}
	a.Memberships = append(a.Memberships, m)
	a.memberByKey[memberKey(t.ID, accountID)] = m
	return m
}

func (d *Domain) addTenantMember(r *Call, a *appRec, c tenantActor) *Reply {
	t, resp := openTenant(r, a, c.canManage)
	if resp != nil {
		return refuse(resp)
	}
	var in struct {
		AccountID   string `json:"account_id"`
		Email       string `json:"email"`
		DisplayName string `json:"display_name"`
		Username    string `json:"username"`
		RoleName    string `json:"role_name"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	switch {
	case controlProblems("email", in.Email, "username", in.Username) != nil:
		return badRequest(controlProblems("email", in.Email, "username", in.Username)...)
	case in.RoleName == "":
		return badRequest("role_name should not be empty")
	case in.AccountID == "" && in.Email == "":
		return badRequest("account_id or email is required")
	case in.AccountID != "" && in.Email != "":
		return badRequest("give account_id or email, not both")
	case in.Email != "" && !validEmail(in.Email):
		return badRequest("email must be an email")
	}
	if a.roleByName[in.RoleName] == nil {
		return refuse(unknownMemberRole())
	}
	if resp := c.grantsRole(a, t, in.RoleName); resp != nil {
		return refuse(resp)
	}
	var u *userRec
	created := false
	if in.AccountID != "" {
		if u = a.userByID[in.AccountID]; u == nil {
			return refuse(userNotFound())
		}
	} else if u = a.byContact[contactKey("email", in.Email)]; u == nil {
		if resp := d.userRoom(a); resp != nil {
			return refuse(resp)
		}
		username := in.Username
		if username == "" {
			username = localPart(in.Email)
		}
		if a.byUsername[foldKey(username)] != nil {
			if in.Username != "" {
				return refuse(failCode(statusConflict, "USERNAME_TAKEN", "Username already in use"))
			}
			username += "-" + randomHex(3)
		}
		u = d.createUser(a, username, in.Email, "", in.DisplayName, a.Config.SignupDefaultRole, false)
		created = true
		d.audit(a, "user.created", c.id(), "end_user", u.ID, u.ID, map[string]any{"via": "tenant_member"})
	}
	if a.memberByKey[memberKey(t.ID, u.ID)] != nil {
		return refuse(failCode(statusConflict, "MEMBER_EXISTS", "Account is already a member of this tenant"))
	}
	by := c.id()
	m := d.addMembership(a, t, u.ID, in.RoleName, &by)
	d.audit(a, "tenant.member.added", c.id(), "tenant", t.ID, u.ID,
		map[string]any{"tenant_id": t.ID, "account_id": u.ID, "role_name": in.RoleName})
	return replyJSON(statusCreated, map[string]any{
		"membership": memberJSON(a, m), "account_id": u.ID, "created_account": created,
	})
}

func (d *Domain) tenantMember(r *Call, a *appRec, c tenantActor, manage bool) (*tenantRec, *memberRec, *Error) {
	check := c.canSee
	if manage {
		check = c.canManage
	}
	t, denied := openTenant(r, a, check)
	if denied != nil {
		return nil, nil, denied
	}
	m := a.memberByKey[memberKey(t.ID, r.Param(2))]
	if m == nil {
		return nil, nil, fail(statusNotFound, "Membership not found")
	}
	return t, m, nil
}

// lastOwner reports whether m is the only owner of its tenant; the mock
// keeps every tenant manageable by refusing to remove or demote that one.
func (a *appRec) lastOwner(m *memberRec) bool {
	if m.RoleName != tenantAdminRoleOwner {
		return false
	}
	for _, x := range a.Memberships {
		if x.TenantID == m.TenantID && x != m && x.RoleName == tenantAdminRoleOwner {
			return false
		}
	}
	return true
}

func (d *Domain) updateTenantMember(r *Call, a *appRec, c tenantActor) *Reply {
	var in struct {
		RoleName string `json:"role_name"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if in.RoleName == "" {
		return badRequest("role_name should not be empty")
	}
	t, m, resp := d.tenantMember(r, a, c, true)
	if resp != nil {
		return refuse(resp)
	}
	if a.roleByName[in.RoleName] == nil {
		return refuse(unknownMemberRole())
	}
	if resp := c.grantsRole(a, t, in.RoleName); resp != nil {
		return refuse(resp)
	}
	if in.RoleName != tenantAdminRoleOwner && a.lastOwner(m) && c.user != nil {
		return badRequest("a tenant must keep an owner")
	}
	old := m.RoleName
	m.RoleName = in.RoleName
	d.audit(a, "tenant.member.role_changed", c.id(), "tenant", t.ID, m.AccountID,
		map[string]any{"tenant_id": t.ID, "account_id": m.AccountID, "role_name": in.RoleName, "previous_role_name": old})
	return replyJSON(statusOK, memberJSON(a, m))
}

func (d *Domain) removeTenantMember(r *Call, a *appRec, c tenantActor) *Reply {
	t := a.tenant(r.Param(1))
	if t == nil {
		return refuse(tenantNotFound())
	}
	m := a.memberByKey[memberKey(t.ID, r.Param(2))]
	// End users may always leave a tenant themselves; removing others
	// takes the tenant's owner or admin.
	if !(c.user != nil && m != nil && m.AccountID == c.user.ID) {
		if resp := c.canManage(a, t); resp != nil {
			return refuse(resp)
		}
	}
	if m == nil {
		return refuse(fail(statusNotFound, "Membership not found"))
	}
	if c.user != nil && a.lastOwner(m) {
		return badRequest("a tenant must keep an owner")
	}
	delete(a.memberByKey, memberKey(m.TenantID, m.AccountID))
	a.Memberships = removeBySeq(a.Memberships, m.Seq, memberSeq)
	for _, s := range a.userSess[m.AccountID] {
		if s.TenantID == t.ID {
			s.TenantID = ""
		}
	}
	d.audit(a, "tenant.member.removed", c.id(), "tenant", t.ID, m.AccountID,
		map[string]any{"tenant_id": t.ID, "account_id": m.AccountID})
	return noContent(statusNoContent)
}

func (d *Domain) myTenants(_ *Call, a *appRec, p *principal) *Reply {
	data := make([]map[string]any, 0)
	for _, m := range a.Memberships {
		if m.AccountID != p.user.ID {
			continue
		}
		t := a.tenantByRef[m.TenantID]
		if t == nil {
			continue
		}
		data = append(data, map[string]any{
			"tenant_id": t.ID, "display_id": t.DisplayID, "tenant_slug": t.Slug,
			"display_name": t.DisplayName, "role_name": m.RoleName, "joined_at": ts(m.JoinedAt),
		})
	}
	return replyJSON(statusOK, map[string]any{"data": data})
}

// switchTenant re-issues the caller's tokens inside another tenant: the
// session remembers the tenant, so later refreshes keep org_id/org_role,
// and the refresh token rotates as on /auth/refresh.
func (d *Domain) switchTenant(r *Call) *Reply {
	var in struct {
		TenantID string `json:"tenant_id"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	var is issued
	resp := d.me(func(r *Call, a *appRec, p *principal) *Reply {
		if in.TenantID == "" { // after the token check, as the real service's guard runs first
			return badRequest("tenant_id should not be empty")
		}
		t := a.tenant(in.TenantID)
		if t == nil {
			return refuse(tenantNotFound())
		}
		if a.memberByKey[memberKey(t.ID, p.user.ID)] == nil {
			return refuse(failCode(statusForbidden, "NOT_A_MEMBER", "Not a member of this tenant"))
		}
		if t.Status != "active" {
			return refuse(failCode(statusForbidden, "tenant_"+t.Status, "Tenant is "+t.Status))
		}
		s, now := p.session, d.now()
		refresh := a.rotateRefresh(s)
		s.TenantID, s.LastUsedAt = t.ID, &now
		d.audit(a, "user.tenant_switched", p.user.ID, "tenant", t.ID, p.user.ID, map[string]any{"tenant_id": t.ID})
		is = issued{claims: d.userClaims(r.Origin, a, p.user, s, now), refresh: refresh, ttl: accessTTLFor(a.Config), ks: a.keystore}
		return nil
	})(r)
	if resp != nil {
		return resp
	}
	return tokenResponse(is)
}

// tenantClaims adds the tenant claims to an access token of a session
// inside a tenant the user still belongs to. The spec names them twice:
// org_id/org_role (switch-tenant) and tid/trole (signin's tenant_id), so
// both pairs are set, with the same values. Caller holds d.mu.
func (a *appRec) tenantClaims(u *userRec, s *sessionRec, claims map[string]any) {
	if s.TenantID == "" {
		return
	}
	if m := a.memberByKey[memberKey(s.TenantID, u.ID)]; m != nil {
		claims["org_id"], claims["org_role"] = s.TenantID, m.RoleName
		claims["tid"], claims["trole"] = s.TenantID, m.RoleName
	}
}

// signinTenant checks the tenant_id of a sign-in: the user must be a
// member of that active tenant, else 403. Caller holds d.mu.
func (a *appRec) signinTenant(u *userRec, ref string) (*tenantRec, *Error) {
	t := a.tenant(ref)
	if t == nil || a.memberByKey[memberKey(t.ID, u.ID)] == nil {
		return nil, failCode(statusForbidden, "NOT_A_MEMBER", "Not a member of this tenant")
	}
	if t.Status != "active" {
		return nil, failCode(statusForbidden, "tenant_"+t.Status, "Tenant is "+t.Status)
	}
	return t, nil
}

// enterTenant pins a new session (named by claims' sid) to t and adds the
// tenant claims to its first token; nil t leaves it outside any tenant.
// Caller holds d.mu.
func (a *appRec) enterTenant(u *userRec, t *tenantRec, claims map[string]any) {
	if t == nil {
		return
	}
	sid, _ := claims["sid"].(string)
	if s := a.sessionByID[sid]; s != nil {
		s.TenantID = t.ID
		a.tenantClaims(u, s, claims)
	}
}

// tenantRole is the caller's role in the tenant its token was switched
// into, or "" outside any tenant. Caller holds d.mu.
func (p *principal) tenantRole() string {
	if p.session == nil || p.session.TenantID == "" || p.user == nil {
		return ""
	}
	if m := p.app.memberByKey[memberKey(p.session.TenantID, p.user.ID)]; m != nil {
		return m.RoleName
	}
	return ""
}
