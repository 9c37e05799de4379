package heimdall

import (
	"slices"
	"strings"
)

func (d *Domain) platformJWKS(*Call) *Reply {
	return &Reply{Status: statusOK, Raw: d.platformKeystore().JWKSJSON(), ContentType: "application/json"}
}

func (d *Domain) listPlatformMembers(*Call) *Reply {
	out := read(d, func() []map[string]any {
		out := []map[string]any{platformMemberJSON(d.st.platformMember(d.st.OwnerID))}
		for _, m := range d.st.PlatformMembers {
			out = append(out, platformMemberJSON(m))
		}
		return out
	})
	return replyJSON(statusOK, out)
}

// putPlatformMember adds or changes a member: {"role":"admin|viewer"} or
// {"permissions":[...]} (role "custom").
func (d *Domain) putPlatformMember(r *Call) *Reply {
	sub := r.Param(0)
	var in struct {
		Role        string   `json:"role"`
		Permissions []string `json:"permissions"`
	}
	if bad := decodeControl(r.Body, &in); bad != nil {
		return bad
	}
	perms, known := platformRoles[in.Role]
	switch {
	case in.Role != "" && in.Permissions != nil:
		return controlRefusal(statusBadRequest, "bad_body", "give role or permissions, not both")
	case in.Permissions != nil:
		in.Role, perms = "custom", in.Permissions
	case !known || in.Role == platformRoleOwner:
		return controlRefusal(statusBadRequest, "bad_role", "role must be admin or viewer (or give permissions); the workspace has one owner")
	}
	for _, p := range perms {
		if p == "" || strings.ContainsAny(p, " \t\r\n") {
			return controlRefusal(statusBadRequest, "bad_permission", "permissions are resource.action names without spaces")
		}
	}
	return update(d, func() *Reply {
		if sub == d.st.OwnerID {
			return controlRefusal(statusConflict, "owner", "the workspace owner's rights cannot change")
		}
		status := statusOK
		m := d.st.platformMember(sub)
		if m == nil {
			m = &platformMemberRec{ID: sub, AddedAt: d.now()}
			d.st.PlatformMembers = append(d.st.PlatformMembers, m)
			status = statusCreated
		}
		m.Role, m.Permissions = in.Role, append([]string{}, perms...)
		return replyJSON(status, platformMemberJSON(m))
	})
}

func (d *Domain) deletePlatformMember(r *Call) *Reply {
	sub := r.Param(0)
	return update(d, func() *Reply {
		if sub == d.st.OwnerID {
			return controlRefusal(statusConflict, "owner", "the workspace owner stays a member")
		}
		n := len(d.st.PlatformMembers)
		d.st.PlatformMembers = slices.DeleteFunc(d.st.PlatformMembers, func(m *platformMemberRec) bool { return m.ID == sub })
		if len(d.st.PlatformMembers) == n {
			return controlRefusal(statusNotFound, "not_found", "no platform member "+sub)
		}
		return noContent(statusNoContent)
	})
}
