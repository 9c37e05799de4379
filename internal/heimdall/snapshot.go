package heimdall

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

// snapshotVersion guards Import against snapshots of another layout.
const snapshotVersion = 1

type snapshot struct {
	Version int `json:"version"`
	*state
}

// encodeState returns st as a snapshot; see exportState.
func encodeState(st *state) ([]byte, error) {
	var buf bytes.Buffer
	if err := exportState(&buf, st); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// exportState streams st to w as a snapshot. The export-only fields (keys,
// sessions, codes) are filled for the encoding and cleared afterwards so
// the live maps stay the single source of truth.
func exportState(w io.Writer, st *state) error {
	for _, a := range st.Apps {
		a.Keys = a.keystore.Export()
		a.Sessions = make([]*sessionRec, 0, len(a.sessionByID))
		for _, s := range a.sessionByID {
			a.Sessions = append(a.Sessions, s)
		}
		sort.Slice(a.Sessions, func(i, j int) bool { return a.Sessions[i].Seq < a.Sessions[j].Seq })
		a.Codes = make([]*codeRec, 0, len(a.codeByHash))
		for _, c := range a.codeByHash {
			a.Codes = append(a.Codes, c)
		}
		sort.Slice(a.Codes, func(i, j int) bool { return a.Codes[i].Hash < a.Codes[j].Hash })
	}
	st.exportIdentityProviders()
	defer func() {
		for _, a := range st.Apps {
			a.Keys, a.Sessions, a.Codes = keys.Exported{}, nil, nil
		}
		st.IdentityProviders = nil
	}()
	if err := writeSnapshot(w, st); err != nil {
		return fmt.Errorf("heimdall: encoding state: %w", err)
	}
	return nil
}

// decodeState parses and checks a snapshot and builds its indexes. Keys the
// snapshot lacks (a fake provider's, say) come from pool.
func decodeState(raw []byte, pool *keys.Pool) (*state, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, errors.New("import: empty snapshot")
	}
	snap := snapshot{state: &state{}}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&snap); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if snap.Version != snapshotVersion {
		return nil, fmt.Errorf("import: snapshot version %d, want %d", snap.Version, snapshotVersion)
	}
	st := snap.state
	if err := checkNils(st); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	sortBySeq(st)
	if err := checkState(st); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	for i, a := range st.Apps {
		ks, err := keys.ImportKeystore(a.Keys)
		if err != nil {
			return nil, fmt.Errorf("import: apps[%d].signing_keys: %w", i, err)
		}
		a.keystore, a.Keys = ks, keys.Exported{}
	}
	if err := st.importIdentityProviders(pool); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	st.reindex()
	return st, nil
}

// checkNils refuses null rows, which a hand-edited snapshot may hold and
// every later check would trip over.
func checkNils(st *state) error {
	if i := slices.Index(st.Apps, nil); i >= 0 {
		return fmt.Errorf("apps[%d]: null", i)
	}
	if i := slices.Index(st.APIKeys, nil); i >= 0 {
		return fmt.Errorf("api_keys[%d]: null", i)
	}
	if i := slices.Index(st.Outbox, nil); i >= 0 {
		return fmt.Errorf("outbox[%d]: null", i)
	}
	if i := slices.Index(st.PlatformMembers, nil); i >= 0 {
		return fmt.Errorf("platform_members[%d]: null", i)
	}
	for i, a := range st.Apps {
		for name, bad := range map[string]int{
			"users": slices.Index(a.Users, nil), "sessions": slices.Index(a.Sessions, nil),
			"roles": slices.Index(a.Roles, nil), "permissions": slices.Index(a.Permissions, nil),
			"m2m_clients": slices.Index(a.Clients, nil), "codes": slices.Index(a.Codes, nil),
			"audit": slices.Index(a.Audit, nil), "invites": slices.Index(a.Invites, nil),
			"providers": slices.Index(a.Providers, nil), "mfa_factors": slices.Index(a.Factors, nil),
			"tenants": slices.Index(a.Tenants, nil), "tenant_members": slices.Index(a.Memberships, nil),
			"webhook_deliveries": slices.Index(a.Deliveries, nil), "webhook_attempts": slices.Index(a.Attempts, nil),
		} {
			if bad >= 0 {
				return fmt.Errorf("apps[%d].%s[%d]: null", i, name, bad)
			}
		}
		for j, u := range a.Users {
			if k := slices.Index(u.Contacts, nil); k >= 0 {
				return fmt.Errorf("apps[%d].users[%d].contacts[%d]: null", i, j, k)
			}
		}
	}
	return nil
}

// sortBySeq puts every paginated list in creation order, which cursors rely
// on; a snapshot written by Export already is.
func sortBySeq(st *state) {
	bySeq := func(x, y int64) int { return cmp.Compare(x, y) }
	slices.SortStableFunc(st.Apps, func(x, y *appRec) int { return bySeq(x.Seq, y.Seq) })
	for _, a := range st.Apps {
		slices.SortStableFunc(a.Users, func(x, y *userRec) int { return bySeq(x.Seq, y.Seq) })
		slices.SortStableFunc(a.Roles, func(x, y *roleRec) int { return bySeq(x.Seq, y.Seq) })
		slices.SortStableFunc(a.Permissions, func(x, y *permRec) int { return bySeq(x.Seq, y.Seq) })
		slices.SortStableFunc(a.Clients, func(x, y *clientRec) int { return bySeq(x.Seq, y.Seq) })
		slices.SortStableFunc(a.Invites, func(x, y *inviteRec) int { return bySeq(x.Seq, y.Seq) })
		slices.SortStableFunc(a.Audit, func(x, y *auditRec) int { return bySeq(x.Seq, y.Seq) })
		slices.SortStableFunc(a.Factors, func(x, y *factorRec) int { return bySeq(x.Seq, y.Seq) })
		slices.SortStableFunc(a.Tenants, func(x, y *tenantRec) int { return bySeq(x.Seq, y.Seq) })
		slices.SortStableFunc(a.Memberships, func(x, y *memberRec) int { return bySeq(x.Seq, y.Seq) })
		slices.SortStableFunc(a.Attempts, func(x, y *attemptRec) int { return bySeq(x.Seq, y.Seq) })
	}
}

// checkState refuses snapshots whose rows contradict each other: duplicate
// ids or slugs, sessions of unknown users, users with unknown roles.
func checkState(st *state) error {
	if st.WorkspaceID == "" {
		return errors.New("workspace_id: required")
	}
	ids, slugs := map[string]bool{}, map[string]bool{}
	for i, a := range st.Apps {
		p := fmt.Sprintf("apps[%d]", i)
		if a.ID == "" || ids[a.ID] {
			return fmt.Errorf("%s.id: missing or duplicate", p)
		}
		if a.Slug == "" || slugs[a.Slug] || strings.HasPrefix(a.Slug, "__") {
			return fmt.Errorf("%s.slug: missing, duplicate or reserved", p)
		}
		ids[a.ID], slugs[a.Slug] = true, true
		if a.Seq > st.Seq {
			return fmt.Errorf("%s.seq: beyond the snapshot's seq", p)
		}
		if !slices.Contains(appStatuses, a.Status) {
			return fmt.Errorf("%s.status: %q must be one of the following values: %s", p, a.Status, strings.Join(appStatuses, ", "))
		}
		roles := map[string]bool{}
		for j, r := range a.Roles {
			if r.Name == "" || roles[r.Name] {
				return fmt.Errorf("%s.roles[%d]: missing or duplicate name", p, j)
			}
			roles[r.Name] = true
		}
		c := a.Config
		var cfg configPatch
		if c.OAuthLinkPolicy != "" {
			cfg.OAuthLinkPolicy = &c.OAuthLinkPolicy
		}
		cfg.PasswordMinLength, cfg.MaxFailedLoginAttempts = &c.PasswordMinLength, &c.MaxFailedLoginAttempts
		cfg.MaxSessions, cfg.SessionDurationMinutes = &c.MaxSessions, &c.SessionDurationMinutes
		if c.SignupDefaultRole != "" {
			cfg.SignupDefaultRole = &c.SignupDefaultRole
		}
		if probs := cfg.problems(func(r string) bool { return roles[r] }); len(probs) > 0 {
			return fmt.Errorf("%s.auth_config: %s", p, strings.Join(probs, "; "))
		}
		users := map[string]bool{}
		names, contacts := map[string]bool{}, map[string]bool{}
		var last int64
		for j, u := range a.Users {
			up := fmt.Sprintf("%s.users[%d]", p, j)
			if u.ID == "" || users[u.ID] {
				return fmt.Errorf("%s.id: missing or duplicate", up)
			}
			if u.Seq == last {
				return fmt.Errorf("%s.seq: duplicate", up)
			}
			last = u.Seq
			users[u.ID] = true
			if u.Username == "" || names[foldKey(u.Username)] {
				return fmt.Errorf("%s.username: missing or duplicate", up)
			}
			names[foldKey(u.Username)] = true
			if !slices.Contains(userStatuses, u.Status) {
				return fmt.Errorf("%s.status: %q must be one of the following values: %s", up, u.Status, strings.Join(userStatuses, ", "))
			}
			if u.Role != "" && !roles[u.Role] {
				return fmt.Errorf("%s.role: unknown role %q", up, u.Role)
			}
			for k, c := range u.Contacts {
				if c.Type != "email" && c.Type != "phone" {
					return fmt.Errorf("%s.contacts[%d].type: %q must be one of the following values: email, phone", up, k, c.Type)
				}
				// Emails compare as sign-in does: NFC, case-folded.
				if contacts[contactKey(c.Type, c.Value)] {
					return fmt.Errorf("%s.contacts[%d].value: %q is already a contact of a user of this app (compared case-folded)", up, k, c.Value)
				}
				contacts[contactKey(c.Type, c.Value)] = true
			}
		}
		for j, s := range a.Sessions {
			if !users[s.UserID] {
				return fmt.Errorf("%s.sessions[%d].user_id: unknown user %q", p, j, s.UserID)
			}
		}
		for j, c := range a.Codes {
			if !users[c.UserID] {
				return fmt.Errorf("%s.codes[%d].user_id: unknown user %q", p, j, c.UserID)
			}
		}
		for j, f := range a.Factors {
			if !users[f.UserID] {
				return fmt.Errorf("%s.mfa_factors[%d].user_id: unknown user %q", p, j, f.UserID)
			}
			if f.Type != "totp" && f.Type != "email" {
				return fmt.Errorf("%s.mfa_factors[%d].type: %q must be one of the following values: totp, email", p, j, f.Type)
			}
		}
		if err := checkTenantRows(a, users); err != nil {
			return fmt.Errorf("%s.%w", p, err)
		}
		if err := checkAppRefs(p, a, roles); err != nil {
			return err
		}
	}
	for i, k := range st.APIKeys {
		if k.Hash == "" {
			return fmt.Errorf("api_keys[%d].key_hash: required", i)
		}
		if k.AppID != "" && !ids[k.AppID] {
			return fmt.Errorf("api_keys[%d].app_id: unknown app", i)
		}
		if err := checkAPIKey(i, k); err != nil {
			return err
		}
	}
	return nil
}
