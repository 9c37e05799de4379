package heimdall

import (
	"fmt"
	"strings"

	"github.com/heimdall-mock/heimdall-mock/internal/fixtures"
)

// fixtureHashes hashes every user password of doc, [app][user]. Callers do
// it before taking the lock: it is the slow part of seeding.
func fixtureHashes(doc *fixtures.Document) [][]string {
	hashes := make([][]string, len(doc.Apps))
	for i, fa := range doc.Apps {
		hashes[i] = make([]string, len(fa.Users))
		for j, fu := range fa.Users {
			hashes[i][j] = hashPassword(fu.Password)
		}
	}
	return hashes
}

// applyFixtures adds doc to st, with passwords hashed by fixtureHashes.
// Every conflict is found before anything changes, so a failing document
// leaves st as it was. Caller holds d.mu.
func (d *Domain) applyFixtures(st *state, doc *fixtures.Document, hashes [][]string) (map[string]any, error) {
	if err := checkFixtures(st, doc); err != nil {
		return nil, err
	}
	saved := d.st
	d.st = st // the helpers below write to d.st
	defer func() { d.st = saved }()
	now := d.now()
	created := map[string]any{}
	for i, fa := range doc.Apps {
		a := st.appBySlug[fa.Slug]
		if a == nil {
			name := fa.DisplayName
			if name == "" {
				name = fa.Slug
			}
			a = d.newApp(st, newID(), fa.Slug, name, st.OwnerID, now, nil)
		} else if fa.DisplayName != "" {
			a.DisplayName = fa.DisplayName
		}
		if fa.AppleClientID != "" {
			setNativeClient(a, "apple", fa.AppleClientID, now)
		}
		if fa.GoogleClientID != "" {
			setNativeClient(a, "google", fa.GoogleClientID, now)
		}
		if fa.OAuthLinkPolicy != "" {
			a.Config.OAuthLinkPolicy = fa.OAuthLinkPolicy
		}
		configPatch{AuthConfig: fa.AuthConfig}.apply(&a.Config)
		for _, key := range fa.Permissions {
			if a.permByKey[key] == nil {
				d.addPermission(a, key, "")
			}
		}
		for _, fr := range fa.Roles {
			r := a.roleByName[fr.Name]
			if r == nil {
				r = d.addRole(a, fr.Name, fr.Description)
			}
			if fr.Description != "" {
				r.Description = ptr(fr.Description)
			}
			for _, p := range fr.Permissions {
				if a.permByKey[p] == nil {
					d.addPermission(a, p, "")
				}
			}
			r.Permissions = append([]string{}, fr.Permissions...)
		}
		users := map[string]string{}
		for j, fu := range fa.Users {
			role := fu.Role
			if role == "" {
				role = a.Config.SignupDefaultRole
			}
			u := d.createUser(a, fu.Username, fu.Email, hashes[i][j], fu.DisplayName, role, fu.EmailVerified)
			if fu.Status != "" {
				u.Status = fu.Status
			}
			users[fu.Username] = u.ID
		}
		keysOut := map[string]string{}
		for _, fk := range fa.APIKeys {
			k := d.addAPIKey(a, fk.Name, fk.Key, fk.Permissions)
			keysOut[fk.Name] = k.ID
		}
		clients := map[string]string{}
		for _, fc := range fa.M2MClients {
			name := fc.Name
			if name == "" {
				name = fc.ClientID
			}
			for _, sc := range fc.Scopes { // scopes are permissions of the app
				if a.permByKey[sc] == nil {
					d.addPermission(a, sc, "")
				}
			}
			c := d.addClient(a, name, fc.ClientID, fc.Secret, fc.Scopes)
			clients[fc.ClientID] = c.ID
		}
		created[fa.Slug] = map[string]any{"id": a.ID, "users": users, "api_keys": keysOut, "m2m_clients": clients}
	}
	return map[string]any{"apps": created}, nil
}

// checkFixtures finds what would collide with st.
func checkFixtures(st *state, doc *fixtures.Document) error {
	for i, fa := range doc.Apps {
		p := fmt.Sprintf("apps[%d]", i)
		a := st.appBySlug[fa.Slug]
		roleKnown := func(name string) bool { return a != nil && a.roleByName[name] != nil }
		declared := map[string]bool{}
		for _, r := range fa.Roles {
			declared[r.Name] = true
		}
		if a != nil {
			for j, r := range fa.Roles {
				if ex := a.roleByName[r.Name]; ex != nil && ex.IsSystem && ex.Name == "owner" {
					return fmt.Errorf("%s.roles[%d].name: owner cannot be redefined", p, j)
				}
			}
		}
		for j, u := range fa.Users {
			up := fmt.Sprintf("%s.users[%d]", p, j)
			if a != nil {
				if a.byUsername[foldKey(u.Username)] != nil {
					return fmt.Errorf("%s.username: %q already exists in app %s", up, u.Username, fa.Slug)
				}
				if a.byContact[contactKey("email", u.Email)] != nil {
					return fmt.Errorf("%s.email: %q already exists in app %s", up, u.Email, fa.Slug)
				}
			}
			if u.Role != "" && !declared[u.Role] && !roleKnown(u.Role) && u.Role != "admin" && u.Role != "member" {
				return fmt.Errorf("%s.role: unknown role %q", up, u.Role)
			}
		}
		if def := fa.AuthConfig.SignupDefaultRole; def != nil && !declared[*def] && !roleKnown(*def) && *def != "admin" && *def != "member" {
			return fmt.Errorf("%s.auth_config.signup_default_role: unknown role %q", p, *def)
		}
		for j, k := range fa.APIKeys {
			if st.keyByHash[tokenHash(k.Key)] != nil {
				return fmt.Errorf("%s.api_keys[%d].key: already exists", p, j)
			}
		}
		if a != nil {
			for j, c := range fa.M2MClients {
				if a.clientByID[c.ClientID] != nil {
					return fmt.Errorf("%s.m2m_clients[%d].client_id: %q already exists", p, j, c.ClientID)
				}
			}
		}
	}
	return nil
}

// addPermission adds resource.action to a's catalog. Caller holds d.mu.
func (d *Domain) addPermission(a *appRec, key, desc string) *permRec {
	res, act, _ := strings.Cut(key, ".")
	p := &permRec{Seq: d.st.nextSeq(), ID: newID(), Resource: res, Action: act, Description: strPtrOrNil(desc), CreatedAt: d.now()}
	a.Permissions = append(a.Permissions, p)
	a.permByKey[key] = p
	return p
}

// addRole adds a custom role. Caller holds d.mu.
func (d *Domain) addRole(a *appRec, name, desc string) *roleRec {
	now := d.now()
	r := &roleRec{Seq: d.st.nextSeq(), ID: newID(), Name: name, Description: strPtrOrNil(desc), Permissions: []string{}, CreatedAt: now, UpdatedAt: now}
	a.Roles = append(a.Roles, r)
	a.roleByName[name] = r
	return r
}

// addAPIKey stores a key (only its hash) scoped to app a. Caller holds d.mu.
func (d *Domain) addAPIKey(a *appRec, name, plaintext string, perms []string) *apiKeyRec {
	if perms == nil {
		perms = []string{}
	}
	k := &apiKeyRec{
		Seq: d.st.nextSeq(), ID: newID(), AppID: a.ID, Name: name, Prefix: plaintext[:min(14, len(plaintext))],
		Hash: tokenHash(plaintext), Permissions: append([]string{}, perms...), CreatedAt: d.now(),
	}
	d.st.APIKeys = append(d.st.APIKeys, k)
	d.st.keyByHash[k.Hash] = k
	return k
}

// addClient stores an M2M client (only its secret's hash). Caller holds d.mu.
func (d *Domain) addClient(a *appRec, name, clientID, secret string, scopes []string) *clientRec {
	if scopes == nil {
		scopes = []string{}
	}
	c := &clientRec{
		Seq: d.st.nextSeq(), ID: newID(), ClientID: clientID, Name: name, SecretHash: tokenHash(secret),
		Scopes: append([]string{}, scopes...), IsActive: true, CreatedAt: d.now(),
	}
	a.Clients = append(a.Clients, c)
	a.clientByID[c.ID], a.clientByID[c.ClientID] = c, c
	return c
}
