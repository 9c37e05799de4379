package heimdall

import (
	"errors"

	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/operation"
	"github.com/heimdall-mock/heimdall-mock/internal/routekey"
)

// The routes table is the one list of operations the domain answers: for
// each, the credential it takes, the permission that credential must hold
// and the handler. httpapi.Bind binds exactly these rows (Routes), Guard applies the
// credential and permission, and a test pins the rows to the newest spec
// (every operation bound, nothing the spec lacks).

// route is one operation's row. Paths match as routekey.Key does:
// parameter names do not matter.
type route struct {
	Method, Path string
	Cred         credential
	Perm         string
	// bind makes the handler for a domain; it sees the row, so the wrapper
	// of an operation follows from its credential kind instead of being
	// chosen again by hand.
	bind binder
}

// accessRule is what guard reads of a row.
type accessRule = route

type binder func(d *Domain, rt route) Handler

// plain binds a handler that reads its own request.
func plain(f func(*Domain, *Call) *Reply) binder {
	return func(d *Domain, _ route) Handler {
		return func(r *Call) *Reply { return f(d, r) }
	}
}

// admin binds a handler of the app's admin: the Platform API
// (credAdmin) or the app's own admin lane (credAppAdmin).
func admin(f func(*Domain, *Call, *appRec, *apiKeyRec) *Reply) binder {
	return func(d *Domain, rt route) Handler {
		return d.adminLane(rt, func(r *Call, a *appRec, k *apiKeyRec) *Reply { return f(d, r, a, k) })
	}
}

// adminUser is admin for a handler of one end user (the path's user_id).
func adminUser(f func(*Domain, *Call, *appRec, *apiKeyRec, *userRec) *Reply) binder {
	return func(d *Domain, rt route) Handler {
		return d.adminLane(rt, forUser(func(r *Call, a *appRec, k *apiKeyRec, u *userRec) *Reply {
			return f(d, r, a, k, u)
		}))
	}
}

// bulkOp is admin for one of the bulk end-user operations.
func bulkOp(op string) binder {
	return func(d *Domain, rt route) Handler { return d.adminLane(rt, d.bulk(op)) }
}

func (d *Domain) adminLane(rt route, fn adminFn) Handler {
	if rt.Cred == credAppAdmin {
		return d.consumerAdmin(fn)
	}
	return d.platform(fn)
}

// signedIn binds a handler of the signed-in end user.
func signedIn(f func(*Domain, *Call, *appRec, *principal) *Reply) binder {
	return func(d *Domain, _ route) Handler {
		return d.me(func(r *Call, a *appRec, p *principal) *Reply { return f(d, r, a, p) })
	}
}

// tenant binds a tenant handler: the Platform API's or the consumer's,
// whose permission is the row's.
func tenant(f func(*Domain, *Call, *appRec, tenantActor) *Reply) binder {
	return func(d *Domain, rt route) Handler {
		fn := func(r *Call, a *appRec, c tenantActor) *Reply { return f(d, r, a, c) }
		if rt.Cred == credAdmin {
			return d.platformTenantRoute(fn)
		}
		return d.consumerTenantRoute(rt.Perm, fn)
	}
}

// codeRoute binds the mint (or mail) handler of a code slot.
func codeRoute(slot codeSlot, mail bool) binder {
	return func(d *Domain, _ route) Handler {
		if mail {
			return d.mailCode(slot)
		}
		return d.mintCode(slot)
	}
}

// routeTable lists every operation the domain answers.
var routeTable = func() []route {
	const (
		app = "/v1/apps/{app_id}"
		eu  = app + "/end-users"
		cr  = app + "/credentials"
		pt  = app + "/tenants"
		wh  = app + "/webhook"
		pr  = app + "/auth-config/providers"
		c   = "/{app_slug}/v1"
		ca  = c + "/admin"
	)
	rows := []route{
		// Platform API: apps.
		{"GET", "/v1/apps", credAdmin, "", plain((*Domain).listApps)}, // lists only what the caller may see
		{"POST", "/v1/apps", credAdmin, permAppCreate, plain((*Domain).createApp)},
		{"GET", "/v1/stats/me", credAdmin, "", plain((*Domain).stats)}, // counts only what the caller may see
		{"GET", app, credAdmin, permAppRead, admin((*Domain).getApp)},
		{"PATCH", app, credAdmin, permAppUpdate, admin((*Domain).updateApp)},
		{"DELETE", app, credAdmin, permAppDelete, admin((*Domain).deleteApp)},
		{"PATCH", app + "/status", credAdmin, permAppUpdate, admin((*Domain).updateAppStatus)},
		{"GET", app + "/members", credAdmin, "user.read", admin((*Domain).listMembers)},
		{"DELETE", app + "/members/{account_id}", credAdmin, "role.assign", admin((*Domain).removeMember)},
		{"GET", app + "/auth-config", credAdmin, permAppRead, admin((*Domain).getAuthConfig)},
		{"PATCH", app + "/auth-config", credAdmin, permAppUpdate, admin((*Domain).updateAuthConfig)},
		{"GET", pr, credAdmin, permAppRead, admin((*Domain).listProviders)},
		{"GET", pr + "/{provider}", credAdmin, permAppRead, admin((*Domain).getProvider)},
		{"PUT", pr + "/{provider}", credAdmin, permAppUpdate, admin((*Domain).upsertProvider)},
		{"PATCH", pr + "/{provider}", credAdmin, permAppUpdate, admin((*Domain).patchProvider)},
		{"DELETE", pr + "/{provider}", credAdmin, permAppUpdate, admin((*Domain).deleteProvider)},
		{"GET", app + "/notification-settings", credAdmin, permAppRead, admin((*Domain).getNotify)},
		{"PATCH", app + "/notification-settings", credAdmin, permAppUpdate, admin((*Domain).updateNotify)},
		{"GET", app + "/audit-logs", credAdmin, permAuditRead, admin((*Domain).auditLogs)},
		{"GET", wh, credAdmin, permAppRead, admin((*Domain).getWebhook)},
		{"PUT", wh, credAdmin, permAppUpdate, admin((*Domain).upsertWebhook)},
		{"DELETE", wh, credAdmin, permAppUpdate, admin((*Domain).deleteWebhook)},
		{"POST", wh + "/rotate-secret", credAdmin, permRotateSecret, admin((*Domain).rotateWebhookSecret)},
		{"GET", wh + "/attempts", credAdmin, permAppRead, admin((*Domain).listWebhookAttempts)},
		{"GET", app + "/api-keys", credAdmin, permKeyRead, admin((*Domain).listAPIKeys)},
		{"POST", app + "/api-keys", credAdmin, permKeyCreate, admin((*Domain).createAPIKey)},
		{"DELETE", app + "/api-keys/{key_id}", credAdmin, permKeyDelete, admin((*Domain).deleteAPIKey)},
		{"GET", cr, credAdmin, permAppRead, admin((*Domain).listClients)},
		{"POST", cr, credAdmin, permAppCreate, admin((*Domain).createClient)},
		{"GET", cr + "/{client_id}", credAdmin, permAppRead, admin((*Domain).getClient)},
		{"PATCH", cr + "/{client_id}", credAdmin, permAppUpdate, admin((*Domain).updateClient)},
		{"DELETE", cr + "/{client_id}", credAdmin, permAppDelete, admin((*Domain).deleteClient)},
		{"POST", cr + "/{client_id}/rotate", credAdmin, permRotateSecret, admin((*Domain).rotateClient)},
		{"PUT", cr + "/{client_id}/scopes", credAdmin, permAppUpdate, admin((*Domain).setClientScopes)},
		// Platform API: end users.
		{"POST", eu + "/{user_id}/sessions/revoke-all", credAdmin, "session.revoke", adminUser((*Domain).revokeAll)},
		{"POST", eu + "/bulk-delete", credAdmin, "user.delete", bulkOp("delete")},
		{"POST", eu + "/bulk-revoke-sessions", credAdmin, "session.revoke", bulkOp("revoke")},
		{"POST", eu + "/bulk-update-role", credAdmin, "role.assign", bulkOp("role")},
		{"POST", eu + "/bulk-update-status", credAdmin, "user.update", bulkOp("status")},
		{"GET", eu + "/{user_id}/contacts", credAdmin, "user.read", adminUser((*Domain).userContacts)},
		{"POST", eu + "/{user_id}/contacts", credAdmin, "user.update", adminUser((*Domain).addUserContact)},
		{"DELETE", eu + "/{user_id}/contacts/{contact_id}", credAdmin, "user.update", adminUser((*Domain).deleteUserContact)},
		{"POST", eu + "/{user_id}/contacts/{contact_id}/promote", credAdmin, "user.update", adminUser((*Domain).promoteUserContact)},
		{"POST", eu + "/{user_id}/contacts/{contact_id}/resend-verification", credAdmin, "user.update", adminUser((*Domain).resendVerification)},
		{"POST", eu + "/{user_id}/resend-verification", credAdmin, "user.update", adminUser((*Domain).resendVerification)},
		{"GET", eu + "/invites", credAdmin, "user.read", admin((*Domain).listInvites)},
		{"POST", eu + "/invites", credAdmin, "user.create", admin((*Domain).createInvite)},
		{"DELETE", eu + "/invites/{invite_id}", credAdmin, "user.delete", admin((*Domain).revokeInvite)},
		// Platform API: roles and permissions.
		{"POST", app + "/roles/assign", credAdmin, "role.assign", admin((*Domain).assignRole)},
		{"GET", app + "/roles/permissions", credAdmin, "permission.read", admin((*Domain).permissionCatalog)},
		{"GET", app + "/permissions/enforcement", credAdmin, "permission.read", admin((*Domain).enforcement)},
		// Platform API: tenants.
		{"GET", pt, credAdmin, permTenantRead, tenant((*Domain).listTenants)},
		{"POST", pt, credAdmin, permTenantCreate, tenant((*Domain).createTenant)},
		{"GET", pt + "/{tenant_id}", credAdmin, permTenantRead, tenant((*Domain).getTenant)},
		{"PATCH", pt + "/{tenant_id}", credAdmin, permTenantUpdate, tenant((*Domain).updateTenant)},
		{"DELETE", pt + "/{tenant_id}", credAdmin, permTenantDelete, tenant((*Domain).deleteTenant)},
		{"GET", pt + "/{tenant_id}/members", credAdmin, permTenantRead, tenant((*Domain).listTenantMembers)},
		{"POST", pt + "/{tenant_id}/members", credAdmin, permMembersAdd, tenant((*Domain).addTenantMember)},
		{"PATCH", pt + "/{tenant_id}/members/{account_id}", credAdmin, permMembersSetRole, tenant((*Domain).updateTenantMember)},
		{"DELETE", pt + "/{tenant_id}/members/{account_id}", credAdmin, permMembersRemove, tenant((*Domain).removeTenantMember)},

		// Consumer API: public.
		{"GET", c + "/.well-known/jwks.json", credNone, "", plain((*Domain).jwks)},
		{"GET", c + "/.well-known/openid-configuration", credNone, "", plain((*Domain).discovery)},
		{"POST", c + "/auth/signin", credNone, "", plain((*Domain).signin)},
		{"POST", c + "/auth/refresh", credNone, "", plain((*Domain).refresh)},
		{"POST", c + "/auth/logout", credNone, "", plain((*Domain).logout)},
		{"POST", c + "/auth/verify", credNone, "", plain((*Domain).consumeVerification)},
		{"POST", c + "/auth/reset-password", credNone, "", plain((*Domain).resetPassword)},
		{"POST", c + "/auth/accept-invite", credNone, "", plain((*Domain).acceptInvite)},
		{"POST", c + "/auth/mfa/verify", credNone, "", plain((*Domain).mfaVerify)},
		{"POST", c + "/auth/mfa/recover", credNone, "", plain((*Domain).mfaRecover)},
		{"POST", c + "/auth/mfa/send-code", credNone, "", plain((*Domain).mfaSendCode)},
		{"POST", c + "/auth/oauth/{provider}", credNone, "", plain((*Domain).nativeSignIn)},
		{"GET", c + "/auth/oauth/{provider}/authorize", credNone, "", plain((*Domain).webAuthorize)},
		{"GET", c + "/auth/oauth/{provider}/callback", credNone, "", plain((*Domain).webCallbackGet)},
		{"POST", c + "/auth/oauth/{provider}/callback", credNone, "", plain((*Domain).webCallbackPost)},
		{"POST", c + "/auth/oauth/exchange", credNone, "", plain((*Domain).webExchange)},
		{"GET", c + "/avatars/{account_id}", credNone, "", plain((*Domain).avatarRedirect)},
		{"POST", c + "/oauth/token", credClient, "", plain((*Domain).clientCredentials)},
		// Consumer API: API keys.
		{"POST", c + "/auth/signup", credKeyOptional, "", plain((*Domain).signup)},
		{"POST", c + "/auth/request-verification", credKey, permVerifyCreate, codeRoute(verificationSlot, false)},
		{"POST", c + "/auth/send-verification-email", credKey, permVerifySend, codeRoute(verificationSlot, true)},
		{"POST", c + "/auth/request-password-reset", credKey, permResetCreate, codeRoute(resetSlot, false)},
		{"POST", c + "/auth/send-password-reset-email", credKey, permResetSend, codeRoute(resetSlot, true)},
		{"POST", c + "/verify", credTokenArg, "", plain((*Domain).verify)},
		{"POST", c + "/authorize", credTokenArg, "", plain((*Domain).authorize)},
		{"POST", c + "/authorize/batch", credTokenArg, "", plain((*Domain).authorizeBatch)},
		{"POST", c + "/oauth/introspect", credAnyToken, "", plain((*Domain).introspect)},
		{"GET", c + "/tenants", credKeyOrUser, permTenantRead, tenant((*Domain).listTenants)},
		{"POST", c + "/tenants", credKeyOrUser, permTenantCreate, tenant((*Domain).createTenant)},
		{"GET", c + "/tenants/{tenant_id}", credKeyOrUser, permTenantRead, tenant((*Domain).getTenant)},
		{"PATCH", c + "/tenants/{tenant_id}", credKeyOrUser, permTenantUpdate, tenant((*Domain).updateTenant)},
		{"DELETE", c + "/tenants/{tenant_id}", credKeyOrUser, permTenantDelete, tenant((*Domain).deleteTenant)},
		{"GET", c + "/tenants/{tenant_id}/members", credKeyOrUser, permTenantRead, tenant((*Domain).listTenantMembers)},
		{"POST", c + "/tenants/{tenant_id}/members", credKeyOrUser, permMembersAdd, tenant((*Domain).addTenantMember)},
		{"PATCH", c + "/tenants/{tenant_id}/members/{account_id}", credKeyOrUser, permMembersSetRole, tenant((*Domain).updateTenantMember)},
		{"DELETE", c + "/tenants/{tenant_id}/members/{account_id}", credKeyOrUser, permMembersRemove, tenant((*Domain).removeTenantMember)},
		// Consumer API: the signed-in end user.
		{"GET", c + "/auth/me/tenants", credUser, "", signedIn((*Domain).myTenants)},
		{"POST", c + "/auth/switch-tenant", credUser, "", plain((*Domain).switchTenant)},
		{"POST", c + "/me/change-password", credUser, "", plain((*Domain).changePassword)},
		{"GET", c + "/me/permissions", credUser, "", plain((*Domain).mePermissions)},
		{"POST", c + "/me/avatar", credUser, "", signedIn((*Domain).setAvatar)},
		{"DELETE", c + "/me/avatar", credUser, "", signedIn((*Domain).removeAvatar)},
		{"GET", c + "/me/mfa/factors", credUser, "", signedIn((*Domain).listFactors)},
		{"POST", c + "/me/mfa/factors", credUser, "", signedIn((*Domain).startEnrollment)},
		{"DELETE", c + "/me/mfa/factors/{id}", credUser, "", signedIn((*Domain).disableFactor)},
		{"POST", c + "/me/mfa/factors/{id}/verify", credUser, "", signedIn((*Domain).confirmEnrollment)},
		{"POST", c + "/me/mfa/recovery-codes/regenerate", credUser, "", signedIn((*Domain).regenerateRecovery)},
		{"POST", c + "/me/mfa/step-up", credUser, "", signedIn((*Domain).stepUp)},
		{"POST", c + "/me/mfa/step-up/send-code", credUser, "", signedIn((*Domain).stepUpSendCode)},
		{"GET", c + "/me", credUser, "", signedIn((*Domain).getMe)},
		{"PATCH", c + "/me", credUser, "", signedIn((*Domain).updateMe)},
		{"DELETE", c + "/me", credUser, "", signedIn((*Domain).deleteMe)},
		{"GET", c + "/me/activity", credUser, "", signedIn((*Domain).meActivity)},
		{"GET", c + "/me/contacts", credUser, "", signedIn((*Domain).meContacts)},
		{"POST", c + "/me/contacts", credUser, "", signedIn((*Domain).addMeContact)},
		{"DELETE", c + "/me/contacts/{id}", credUser, "", signedIn((*Domain).deleteMeContact)},
		{"POST", c + "/me/contacts/{id}/promote", credUser, "", signedIn((*Domain).promoteMeContact)},
		{"GET", c + "/me/sessions", credUser, "", signedIn((*Domain).meSessions)},
		{"DELETE", c + "/me/sessions/{id}", credUser, "", signedIn((*Domain).revokeMeSession)},
		// The app's admin lane.
		{"POST", ca + "/users", credAppAdmin, "user.create", admin((*Domain).adminCreateUser)},
		{"GET", c + "/users/{user_id}/factors", credAppAdmin, "user.read", adminUser((*Domain).adminListFactors)},
		{"POST", c + "/users/{user_id}/factors", credAppAdmin, "user.update", adminUser((*Domain).adminProvisionFactor)},
		{"DELETE", c + "/users/{user_id}/factors/{factor_id}", credAppAdmin, "user.update", adminUser((*Domain).adminDisableFactor)},
	}
	// End users, roles and permissions have the same routes on the
	// Platform API and in the admin lane.
	for _, lane := range []struct {
		users, base string
		cred        credential
	}{{eu, app, credAdmin}, {ca + "/users", ca, credAppAdmin}} {
		rows = append(rows,
			route{"GET", lane.users, lane.cred, "user.read", admin((*Domain).listUsers)},
			route{"GET", lane.users + "/{user_id}", lane.cred, "user.read", adminUser((*Domain).getUser)},
			route{"PATCH", lane.users + "/{user_id}", lane.cred, "user.update", adminUser((*Domain).updateUser)},
			route{"DELETE", lane.users + "/{user_id}", lane.cred, "user.delete", adminUser((*Domain).deleteUser)},
			route{"PATCH", lane.users + "/{user_id}/status", lane.cred, "user.update", adminUser((*Domain).updateUserStatus)},
			route{"PATCH", lane.users + "/{user_id}/role", lane.cred, "role.assign", adminUser((*Domain).updateUserRole)},
			route{"GET", lane.base + "/roles", lane.cred, "role.read", admin((*Domain).listRoles)},
			route{"POST", lane.base + "/roles", lane.cred, "role.create", admin((*Domain).createRole)},
			route{"GET", lane.base + "/roles/{role_name}", lane.cred, "role.read", admin((*Domain).getRole)},
			route{"PATCH", lane.base + "/roles/{role_name}", lane.cred, "role.update", admin((*Domain).updateRole)},
			route{"DELETE", lane.base + "/roles/{role_name}", lane.cred, "role.delete", admin((*Domain).deleteRole)},
			route{"PUT", lane.base + "/roles/{role_name}/permissions", lane.cred, "role.update", admin((*Domain).setRolePermissions)},
			route{"GET", lane.base + "/permissions", lane.cred, "permission.read", admin((*Domain).listPermissions)},
			route{"POST", lane.base + "/permissions", lane.cred, "permission.create", admin((*Domain).createPermission)},
			route{"DELETE", lane.base + "/permissions/{permission_key}", lane.cred, "permission.delete", admin((*Domain).deletePermission)},
		)
	}
	return rows
}()

// accessByKey indexes routeTable by routekey.Key.
var accessByKey = func() map[string]route {
	m := make(map[string]route, len(routeTable))
	for _, r := range routeTable {
		k := routekey.Key(r.Method, r.Path)
		if _, dup := m[k]; dup {
			panic("heimdall: two routes for " + k)
		}
		if r.bind == nil {
			panic("heimdall: no handler for " + k)
		}
		m[k] = r
	}
	return m
}()

// Routes is the routes table as the HTTP surface binds it; Guard runs
// before each.
func (d *Domain) Routes() []operation.Route {
	out := make([]operation.Route, 0, len(routeTable))
	for _, rt := range routeTable {
		// Standard OAuth2 clients post forms (RFC 6749 4.4.2), as the
		// discovery document's client_secret_basic implies, whatever the
		// spec declares.
		forms := rt.Method == "POST" && rt.Path == "/{app_slug}/v1/oauth/token"
		out = append(out, operation.Route{Method: rt.Method, Path: rt.Path, Handler: rt.bind(d, rt), Forms: forms})
	}
	return out
}

// refusal is the answer for an error from read or update: the domain's
// refusal as the NestJS body, anything else (a bug) as a 500 naming it.
func refusal(err error) *Reply {
	var e *Error
	if errors.As(err, &e) {
		return refuse(e)
	}
	return refuse(fail(statusInternalServerError, err.Error()))
}

// noContentOr is the 204 of a change that succeeded, or its refusal.
func noContentOr(e *Error) *Reply {
	if e != nil {
		return refuse(e)
	}
	return noContent(statusNoContent)
}
