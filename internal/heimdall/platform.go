package heimdall

import (
	"strings"
	"sync"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

// Platform user tokens: what the real Platform API (/v1/...) is signed in
// with. The mock issues them through POST /__mock/tokens (type platform)
// from a keystore of its own; the access guard (access.go) accepts them on
// every /v1/ route for members of the workspace.
const (
	typePlatform     = "platform"
	platformAudience = "platform"
	typePlatformUser = "platform_user"
)

// platformKeys holds the platform keystore, made on first use so a domain
// that never mints a platform token draws no RSA key for it. It lives on
// the Domain, not in the state: Reset and Import keep it, so tokens minted
// earlier in the process keep working.
type platformKeys struct {
	once sync.Once
	ks   *keys.Keystore
}

func (d *Domain) platformKeystore() *keys.Keystore {
	d.platformKS.once.Do(func() { d.platformKS.ks = keys.NewKeystore(d.pool, d.now()) })
	return d.platformKS.ks
}

func (d *Domain) platformIssuer(o Origin) string { return d.baseURL(o) + "/platform" }

// mintPlatform issues a platform user token: sub is a platform user id
// (default the workspace owner).
func (d *Domain) mintPlatform(o Origin, in MintRequest) (map[string]any, error) {
	ttl := accessTTL
	if in.TTL != "" {
		var err error
		if ttl, err = time.ParseDuration(in.TTL); err != nil {
			return nil, errMint{"bad_ttl", "ttl: " + err.Error()}
		}
	}
	sub, ws := in.Sub, ""
	read(d, func() error {
		if ws = d.st.WorkspaceID; sub == "" {
			sub = d.st.OwnerID
		}
		return nil
	})
	now := d.now()
	claims := map[string]any{
		"iss": d.platformIssuer(o), "aud": platformAudience, "sub": sub, "type": typePlatformUser,
		"workspace_id": ws, "iat": now.Unix(), "exp": now.Add(ttl).Unix(),
	}
	for k, v := range in.Claims {
		claims[k] = v
	}
	tok, err := d.platformKeystore().Sign(claims)
	if err != nil {
		return nil, errMint{"bad_claims", err.Error()}
	}
	return map[string]any{"access_token": tok, "sub": sub}, nil
}

// looksLikeJWT tells a JWT from an API key (pcft_...), which has no dots.
func looksLikeJWT(tok string) bool { return strings.Count(tok, ".") == 2 }

// Platform members. The spec has no route that adds a platform user to a
// workspace, so the control plane does: a member's role (or an explicit
// permission list) decides what its platform tokens may do, with the
// permissions API keys use. The workspace owner is always a member with
// every right.
type platformMemberRec struct {
	ID          string    `json:"id"` // the platform user id: a token's sub
	Role        string    `json:"role"`
	Permissions []string  `json:"permissions"`
	AddedAt     time.Time `json:"added_at"`
}

const platformRoleOwner = "owner"

// platformRoles are the workspace roles a member may be given and the
// permissions each holds; "custom" is a role named by its permissions.
var platformRoles = map[string][]string{
	platformRoleOwner: {"*"},
	"admin":           {"*"},
	"viewer": {permAppRead, permAuditRead, permKeyRead, permTenantRead,
		"user.read", "role.read", "permission.read"},
}

// platformMember is the member sub of the workspace, or nil.
func (st *state) platformMember(sub string) *platformMemberRec {
	if sub == "" {
		return nil
	}
	if sub == st.OwnerID {
		return &platformMemberRec{ID: sub, Role: platformRoleOwner, Permissions: platformRoles[platformRoleOwner]}
	}
	for _, m := range st.PlatformMembers {
		if m.ID == sub {
			return m
		}
	}
	return nil
}

func platformMemberJSON(m *platformMemberRec) map[string]any {
	out := map[string]any{"id": m.ID, "role": m.Role, "permissions": append([]string{}, m.Permissions...)}
	if !m.AddedAt.IsZero() {
		out["added_at"] = ts(m.AddedAt)
	}
	return out
}
