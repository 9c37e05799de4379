package heimdall

import (
	"fmt"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/names"
)

// checkAppRefs refuses an app's rows that the API could never have made:
// roles and client scopes naming permissions the app lacks, invites for
// unknown roles, sessions pinned to unknown roles or tenants, emails that
// are not addresses, and timestamps that are missing or run backwards.
// p is the app's path in the snapshot ("apps[0]").
func checkAppRefs(p string, a *appRec, roles map[string]bool) error {
	perms := map[string]bool{}
	for j, x := range a.Permissions {
		key := x.Resource + "." + x.Action
		if x.Resource == "" || x.Action == "" {
			return fmt.Errorf("%s.permissions[%d]: resource and action are required", p, j)
		}
		if perms[key] {
			return fmt.Errorf("%s.permissions[%d]: duplicate key %q", p, j, key)
		}
		perms[key] = true
		if err := checkTime(fmt.Sprintf("%s.permissions[%d]", p, j), x.CreatedAt, nil); err != nil {
			return err
		}
	}
	for j, r := range a.Roles {
		rp := fmt.Sprintf("%s.roles[%d]", p, j)
		for k, key := range r.Permissions {
			if !perms[key] {
				return fmt.Errorf("%s.permissions[%d]: unknown permission %q (not in %s.permissions)", rp, k, key, p)
			}
		}
		if err := checkTime(rp, r.CreatedAt, &r.UpdatedAt); err != nil {
			return err
		}
	}
	for j, c := range a.Clients {
		for k, key := range c.Scopes {
			if !perms[key] {
				return fmt.Errorf("%s.m2m_clients[%d].scopes[%d]: unknown permission %q (not in %s.permissions)", p, j, k, key, p)
			}
		}
	}
	for j, u := range a.Users {
		up := fmt.Sprintf("%s.users[%d]", p, j)
		if err := checkTime(up, u.CreatedAt, &u.UpdatedAt); err != nil {
			return err
		}
		for k, c := range u.Contacts {
			if c.Type == "email" && !validEmail(c.Value) {
				return fmt.Errorf("%s.contacts[%d].value: %q must be an email address", up, k, c.Value)
			}
		}
	}
	tenants := map[string]bool{}
	for _, t := range a.Tenants {
		tenants[t.ID] = true
	}
	for j, s := range a.Sessions {
		sp := fmt.Sprintf("%s.sessions[%d]", p, j)
		if s.Role != "" && !roles[s.Role] {
			return fmt.Errorf("%s.role: unknown role %q", sp, s.Role)
		}
		if s.TenantID != "" && !tenants[s.TenantID] {
			return fmt.Errorf("%s.tenant_id: unknown tenant %q", sp, s.TenantID)
		}
		if err := checkExpiry(sp, s.CreatedAt, s.ExpiresAt); err != nil {
			return err
		}
	}
	for j, c := range a.Codes {
		if err := checkExpiry(fmt.Sprintf("%s.codes[%d]", p, j), c.CreatedAt, c.ExpiresAt); err != nil {
			return err
		}
	}
	for j, inv := range a.Invites {
		ip := fmt.Sprintf("%s.invites[%d]", p, j)
		if !roles[inv.RoleName] {
			return fmt.Errorf("%s.role_name: unknown role %q", ip, inv.RoleName)
		}
		if err := checkExpiry(ip, inv.CreatedAt, inv.ExpiresAt); err != nil {
			return err
		}
	}
	return nil
}

// checkAPIKey refuses a key whose permissions the API would not accept.
func checkAPIKey(i int, k *apiKeyRec) error {
	for j, perm := range k.Permissions {
		if !names.KeyPermission(perm) {
			return fmt.Errorf("api_keys[%d].permissions[%d]: %q must be \"*\" or resource.action (the action may be \"*\")", i, j, perm)
		}
	}
	return checkTime(fmt.Sprintf("api_keys[%d]", i), k.CreatedAt, nil)
}

// checkTime requires created_at, and updated_at (when given) not before it.
func checkTime(p string, created time.Time, updated *time.Time) error {
	if created.IsZero() {
		return fmt.Errorf("%s.created_at: required", p)
	}
	if updated != nil && updated.Before(created) {
		return fmt.Errorf("%s.updated_at: %s is before created_at %s", p, updated.Format(time.RFC3339), created.Format(time.RFC3339))
	}
	return nil
}

// checkExpiry requires created_at and an expires_at after it.
func checkExpiry(p string, created, expires time.Time) error {
	if err := checkTime(p, created, nil); err != nil {
		return err
	}
	if !expires.After(created) {
		return fmt.Errorf("%s.expires_at: %s must be after created_at %s", p, expires.Format(time.RFC3339), created.Format(time.RFC3339))
	}
	return nil
}
