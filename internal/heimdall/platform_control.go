package heimdall

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/heimdall-mock/heimdall-mock/internal/control"
)

// platformControlRoutes publishes the platform keys, so a client can check
// platform tokens as it would the real ones, and manages the workspace's
// members.
func (d *Domain) platformControlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /__mock/platform/jwks.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(d.platformKeystore().JWKSJSON())
	})
	mux.HandleFunc("GET /__mock/platform/members", d.listPlatformMembers)
	mux.HandleFunc("PUT /__mock/platform/members/{sub}", d.putPlatformMember)
	mux.HandleFunc("DELETE /__mock/platform/members/{sub}", d.deletePlatformMember)
}

func (d *Domain) listPlatformMembers(w http.ResponseWriter, _ *http.Request) {
	out := read(d, func() []map[string]any {
		out := []map[string]any{platformMemberJSON(d.st.platformMember(d.st.OwnerID))}
		for _, m := range d.st.PlatformMembers {
			out = append(out, platformMemberJSON(m))
		}
		return out
	})
	control.WriteJSON(w, statusOK, out)
}

// putPlatformMember adds or changes a member: {"role":"admin|viewer"} or
// {"permissions":[...]} (role "custom").
func (d *Domain) putPlatformMember(w http.ResponseWriter, r *http.Request) {
	sub := r.PathValue("sub")
	var in struct {
		Role        string   `json:"role"`
		Permissions []string `json:"permissions"`
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, 1<<16))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		control.Error(w, statusBadRequest, "bad_body", err.Error())
		return
	}
	perms, known := platformRoles[in.Role]
	switch {
	case in.Role != "" && in.Permissions != nil:
		control.Error(w, statusBadRequest, "bad_body", "give role or permissions, not both")
		return
	case in.Permissions != nil:
		in.Role, perms = "custom", in.Permissions
	case !known || in.Role == platformRoleOwner:
		control.Error(w, statusBadRequest, "bad_role", "role must be admin or viewer (or give permissions); the workspace has one owner")
		return
	}
	for _, p := range perms {
		if p == "" || strings.ContainsAny(p, " \t\r\n") {
			control.Error(w, statusBadRequest, "bad_permission", "permissions are resource.action names without spaces")
			return
		}
	}
	update(d, func() error {
		if sub == d.st.OwnerID {
			control.Error(w, statusConflict, "owner", "the workspace owner's rights cannot change")
			return nil
		}
		status := statusOK
		m := d.st.platformMember(sub)
		if m == nil {
			m = &platformMemberRec{ID: sub, AddedAt: d.now()}
			d.st.PlatformMembers = append(d.st.PlatformMembers, m)
			status = statusCreated
		}
		m.Role, m.Permissions = in.Role, append([]string{}, perms...)
		control.WriteJSON(w, status, platformMemberJSON(m))
		return nil
	})
}

func (d *Domain) deletePlatformMember(w http.ResponseWriter, r *http.Request) {
	sub := r.PathValue("sub")
	update(d, func() error {
		if sub == d.st.OwnerID {
			control.Error(w, statusConflict, "owner", "the workspace owner stays a member")
			return nil
		}
		n := len(d.st.PlatformMembers)
		d.st.PlatformMembers = slices.DeleteFunc(d.st.PlatformMembers, func(m *platformMemberRec) bool { return m.ID == sub })
		if len(d.st.PlatformMembers) == n {
			control.Error(w, statusNotFound, "not_found", "no platform member "+sub)
			return nil
		}
		w.WriteHeader(statusNoContent)
		return nil
	})
}
