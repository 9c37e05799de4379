package heimdall

import (
	"net/url"
	"strings"
	"time"
)

// Invite limits, as the create DTO's 400 names them.
const (
	defaultInviteHours = 7 * 24
	maxInviteHours     = 30 * 24
	maxInviteUses      = 1000
)

func inviteJSON(a *appRec, in *inviteRec) map[string]any {
	roleID := ""
	if r := a.roleByName[in.RoleName]; r != nil {
		roleID = r.ID
	}
	return map[string]any{
		"id": in.ID, "code": in.Code, "email": in.Email, "role_id": roleID, "role_name": in.RoleName,
		"max_uses": in.MaxUses, "use_count": in.UseCount, "expires_at": ts(in.ExpiresAt),
		"revoked_at": tsPtr(in.RevokedAt), "created_at": ts(in.CreatedAt),
	}
}

func (d *Domain) listInvites(r *Call, a *appRec, _ *apiKeyRec) *Reply {
	return listPage(r, a.Invites, inviteSeq, false, nil,
		func(in *inviteRec) map[string]any { return inviteJSON(a, in) })
}

func (d *Domain) createInvite(r *Call, a *appRec, k *apiKeyRec) *Reply {
	var in struct {
		Email          string `json:"email"`
		Name           string `json:"name"`
		RoleName       string `json:"role_name"`
		MaxUses        *int   `json:"max_uses"`
		ExpiresInHours *int   `json:"expires_in_hours"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	in.Email = strings.TrimSpace(in.Email)
	if p := controlProblems("email", in.Email); p != nil {
		return badRequest(p...)
	}
	if !validEmail(in.Email) {
		return badRequest("email must be an email")
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
	uses, hours := 1, defaultInviteHours
	if in.MaxUses != nil {
		uses = *in.MaxUses
	}
	if in.ExpiresInHours != nil {
		hours = *in.ExpiresInHours
	}
	if uses < 1 || uses > maxInviteUses {
		return badRequest("max_uses must be between 1 and 1000")
	}
	if hours < 1 || hours > maxInviteHours {
		return badRequest("expires_in_hours must be between 1 and 720")
	}
	if a.byContact[contactKey("email", in.Email)] != nil {
		return refuse(failCode(statusConflict, "EMAIL_TAKEN", "An end user with this email already exists"))
	}
	now := d.now()
	code := randomToken(18)
	inv := &inviteRec{
		Seq: d.st.nextSeq(), ID: newID(), Code: code, Email: in.Email, Name: in.Name, RoleName: role,
		MaxUses: uses, ExpiresAt: now.Add(time.Duration(hours) * time.Hour), CreatedAt: now,
	}
	a.Invites = append(a.Invites, inv)
	a.inviteByRef[inv.ID], a.inviteByRef[inv.Code] = inv, inv
	if a.Notify.Enabled {
		link := mailLink(d.baseURL(r.Origin), a.Slug, "accept-invite", code)
		if a.Notify.WebOrigin != nil && *a.Notify.WebOrigin != "" {
			link = strings.TrimRight(*a.Notify.WebOrigin, "/") + "/accept-invite?code=" + url.QueryEscape(code)
		}
		d.st.Outbox = appendCapped(d.st.Outbox, &outboxRec{
			ID: newID(), Kind: "invite", To: inv.Email, Token: code, Code: code,
			Link: link, AppSlug: a.Slug, CreatedAt: now,
		}, d.limits.Outbox)
	}
	d.audit(a, "invite.created", k.ID, "invite", inv.ID, "", map[string]any{"email": inv.Email, "role": role})
	return replyJSON(statusCreated, inviteJSON(a, inv))
}

func (d *Domain) revokeInvite(r *Call, a *appRec, k *apiKeyRec) *Reply {
	inv := a.inviteByRef[r.Param(1)]
	if inv == nil || inv.ID != r.Param(1) {
		return refuse(fail(statusNotFound, "Invite not found"))
	}
	if inv.RevokedAt == nil {
		now := d.now()
		inv.RevokedAt = &now
	}
	d.audit(a, "invite.revoked", k.ID, "invite", inv.ID, "", nil)
	return noContent(statusNoContent)
}

func (d *Domain) acceptInvite(r *Call) *Reply {
	var in struct {
		Code        string `json:"code"`
		Password    string `json:"password"`
		Username    string `json:"username"`
		DisplayName string `json:"display_name"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if in.Code == "" || in.Password == "" {
		return badRequest("code should not be empty", "password should not be empty")
	}
	hash := hashPassword(in.Password)
	var is issued
	if resp := update(d, func() *Reply {
		a, denied := d.consumerApp(r.Param(0))
		if denied != nil {
			return refuse(denied)
		}
		inv := a.inviteByRef[in.Code]
		if inv == nil || inv.Code != in.Code {
			return refuse(fail(statusNotFound, "Invite not found"))
		}
		if inv.RevokedAt != nil || !d.now().Before(inv.ExpiresAt) || inv.UseCount >= inv.MaxUses {
			return refuse(failCode(statusGone, "invite_unavailable", "Invite revoked, expired, or fully used"))
		}
		if p := passwordProblems(a.Config, in.Password); len(p) > 0 {
			return badRequest(p...)
		}
		username := strings.TrimSpace(in.Username)
		if p := controlProblems("username", username); p != nil {
			return badRequest(p...)
		}
		if username == "" {
			username = localPart(inv.Email)
		}
		if resp := d.checkUnique(a, username, inv.Email, nil); resp != nil {
			return refuse(resp)
		}
		role := inv.RoleName
		if a.roleByName[role] == nil { // the role was deleted after inviting
			role = a.Config.SignupDefaultRole
		}
		name := in.DisplayName
		if name == "" {
			name = inv.Name
		}
		// Verified at once: receiving the invite code proved the address.
		u := d.createUser(a, username, inv.Email, hash, name, role, true)
		inv.UseCount++
		d.audit(a, "invite.accepted", u.ID, "invite", inv.ID, u.ID, nil)
		is = d.startSession(r, a, u, []string{"pwd"})
		return nil
	}); resp != nil {
		return resp
	}
	return tokenResponse(is)
}
