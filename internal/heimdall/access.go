package heimdall

import (
	"slices"
	"strings"

	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

// Access control: which credential each operation takes and which
// permission that credential must hold. The routes table (routes.go) is
// the only place that says so; guard (one wrapper around every stateful handler) applies
// it before the handler runs, so handlers never check a credential's scope
// themselves. Narrowing (a caller never grants more than it holds) is the
// one check left to the handlers, since only they read the body.

// credential is the kind of credential an operation takes.
type credential int

const (
	// credNone: public; what authenticates is in the body (a code, a
	// refresh token, an MFA challenge, a provider id token) or nothing.
	credNone credential = iota
	// credKeyOptional: nothing, or an API key of the app (signup: the
	// app's policy may require one). A key that is sent must be valid.
	credKeyOptional
	// credKey: an API key of the app holding perm.
	credKey
	// credKeyOrUser: an API key of the app holding perm, or an end-user
	// token (tenant routes: the handler judges the user's membership).
	credKeyOrUser
	// credUser: an end-user access token of the app.
	credUser
	// credAnyToken: a live access token of the app, end user or M2M.
	credAnyToken
	// credTokenArg: the token to check is the body's token or the bearer;
	// an API key in the header must be one of the app's.
	credTokenArg
	// credClient: OAuth client credentials (body or HTTP Basic).
	credClient
	// credAdmin: the Platform API: an API key holding perm on the app, or
	// a platform user token of a member of the workspace.
	credAdmin
	// credAppAdmin: the app's own admin lane: an API key or an M2M token
	// holding perm, or an end-user token whose role holds it.
	credAppAdmin
)

var credentialNames = map[credential]string{
	credNone: "none", credKeyOptional: "api key (optional)", credKey: "api key",
	credKeyOrUser: "api key or end-user token", credUser: "end-user token",
	credAnyToken: "access token", credTokenArg: "token to check", credClient: "client credentials",
	credAdmin: "api key or platform token", credAppAdmin: "api key, m2m or end-user token",
}

func (c credential) String() string { return credentialNames[c] }

// Platform API permissions the spec names; the rest follow its
// resource.action pattern. End-user routes use the app's own catalog
// (user.*, role.*, permission.*, session.revoke).
const (
	permAppRead      = "auth.read"
	permAppCreate    = "auth.create"
	permAppUpdate    = "auth.update"
	permAppDelete    = "auth.delete"
	permAuditRead    = "auth.audit.read"
	permRotateSecret = "auth.rotate-secret"
	permKeyRead      = "auth.api-key.read"
	permKeyCreate    = "auth.api-key.create"
	permKeyDelete    = "auth.api-key.delete"
)

// AccessRule is an operation's credential and permission, for docs and
// tests outside the package.
type AccessRule struct {
	Credential string `json:"credential"`
	Permission string `json:"permission,omitempty"`
}

// grants reports whether held grants perm: "*" grants all, "resource.*"
// every permission under resource (at any depth: auth.* grants
// auth.tenant.read), else only the same name.
func grants(held []string, perm string) bool {
	if perm == "" {
		return true
	}
	for _, p := range held {
		if p == "*" || p == perm {
			return true
		}
		if strings.HasSuffix(p, ".*") && strings.HasPrefix(perm, p[:len(p)-1]) {
			return true
		}
	}
	return false
}

// covers reports whether held includes want, which may itself be a
// wildcard: granting "user.*" needs "user.*" (or broader), not just every
// user permission there is today.
func covers(held []string, want string) bool {
	if want == "*" {
		return slices.Contains(held, "*")
	}
	if strings.HasSuffix(want, ".*") {
		for _, p := range held {
			if p == "*" || p == want || (strings.HasSuffix(p, ".*") && strings.HasPrefix(want, p[:len(p)-1])) {
				return true
			}
		}
		return false
	}
	return grants(held, want)
}

// beyond lists the wanted permissions the caller does not hold.
func (k *apiKeyRec) beyond(wanted []string) []string {
	if k.Owner {
		return nil
	}
	var out []string
	for _, w := range wanted {
		if !covers(k.Permissions, w) {
			out = append(out, w)
		}
	}
	return out
}

// narrowing is the 403 for a grant beyond the caller's own rights, worded
// as the real service words it.
func narrowing(k *apiKeyRec, wanted []string) *Error {
	if miss := k.beyond(wanted); len(miss) > 0 {
		return fail(statusForbidden, "Cannot grant actions you don't have: "+strings.Join(miss, ", "))
	}
	return nil
}

// roleGrant refuses an API key or a platform member that would hand out a
// role holding more than the caller itself. Tokens on the admin lane are not narrowed here: the
// spec bounds an M2M caller by role.assign alone, and an end-user admin by
// its own role already.
func roleGrant(k *apiKeyRec, a *appRec, role string) *Error {
	if k.via == viaM2M || k.via == viaEndUser {
		return nil
	}
	return narrowing(k, a.rolePermissions(role))
}

// Caller kinds of apiKeyRec.via: the credential a request came with when
// it was not an API key.
const (
	viaPlatform = "platform"
	viaEndUser  = typeEndUser
	viaM2M      = typeM2M
)

// callerOf is the caller guard authenticated from a token (platform, M2M
// or end user), seen by handlers as a key record; nil for API keys, which
// handlers look up themselves.
func callerOf(r *Call) *apiKeyRec {
	k, _ := r.Caller.(*apiKeyRec)
	return k
}

func withCaller(r *Call, k *apiKeyRec) { r.Caller = k }

func missingCredential() *Error {
	return fail(statusUnauthorized, "Missing bearer token")
}

func invalidKey() *Error { return fail(statusUnauthorized, "Invalid API key") }

func keyLacks(perm string) *Error {
	if perm == "" {
		return fail(statusForbidden, "API key may not act on this app")
	}
	return fail(statusForbidden, "API key lacks "+perm+" on this app")
}

// Guard applies the access rule of the request's operation (Call.Operation,
// a routekey.Key): a reply refuses it, nil lets it through (with the
// caller attached when a token authenticated it).
func (d *Domain) Guard(r *Call) *Reply {
	// The guard runs only for operations with a bound handler, and
	// httpapi.Bind binds exactly the table's rows, so every one has a rule.
	rule, ok := accessByKey[r.Operation]
	if !ok {
		return nil
	}
	tok := r.Bearer()
	switch rule.Cred {
	case credKeyOptional:
		if tok == "" {
			required := read(d, func() bool {
				a := d.st.appBySlug[r.Param(0)]
				return a != nil && a.Config.SignupRequiresPAK
			})
			if required {
				return refuse(fail(statusUnauthorized, "This app requires an API key to sign up"))
			}
			return nil
		}
		return d.checkAppKey(r, tok, "")
	case credClient:
		return basicClientBody(r)
	case credTokenArg:
		if tok == "" && !bodyHasToken(r) {
			return refuse(fail(statusUnauthorized, "Provide a token in the body or the Authorization header"))
		}
		if tok != "" && !looksLikeJWT(tok) {
			return d.checkAppKey(r, tok, "")
		}
	case credKey:
		if tok == "" {
			return refuse(missingCredential())
		}
		return d.checkAppKey(r, tok, rule.Perm)
	case credKeyOrUser:
		if tok == "" {
			return refuse(missingCredential())
		}
		if !looksLikeJWT(tok) {
			return d.checkAppKey(r, tok, rule.Perm)
		}
	case credAdmin:
		if tok == "" {
			return refuse(missingCredential())
		}
		if looksLikeJWT(tok) {
			k, resp := d.platformCaller(r, tok)
			if resp != nil {
				return refuse(resp)
			}
			if !k.Owner && !grants(k.Permissions, rule.Perm) {
				return refuse(fail(statusForbidden, "Missing permission "+rule.Perm))
			}
			withCaller(r, k)
			return nil
		}
		return d.checkAdminKey(r, rule, tok)
	case credAppAdmin:
		if tok == "" {
			return refuse(missingCredential())
		}
		if looksLikeJWT(tok) {
			k, resp := d.tokenCaller(r, tok, rule.Perm)
			if resp != nil {
				return resp
			}
			withCaller(r, k)
			return nil
		}
		return d.checkAppKey(r, tok, rule.Perm)
	}
	return nil
}

// bodyHasToken reports whether a verify/authorize body names the token.
func bodyHasToken(r *Call) bool {
	var in struct {
		Token any `json:"token"`
	}
	if r.Decode(&in) != nil {
		return false
	}
	s, _ := in.Token.(string)
	return s != ""
}

// checkAppKey checks an API key sent to a consumer route (app by slug):
// unknown 401, another app's 403, perm not held 403. An unknown app is
// left to the handler (404, or 403 for a suspended one).
func (d *Domain) checkAppKey(r *Call, tok, perm string) *Reply {
	return read(d, func() *Reply {
		k := d.st.keyByHash[tokenHash(tok)]
		if k == nil {
			return refuse(invalidKey())
		}
		a := d.st.appBySlug[r.Param(0)]
		if a == nil {
			return nil
		}
		if !k.allows(a, "") {
			return refuse(keyLacks(""))
		}
		if !k.allows(a, perm) {
			return refuse(keyLacks(perm))
		}
		return nil
	})
}

// checkAdminKey checks an API key sent to the Platform API: the app is the
// first path parameter (id, or slug for hand-written calls), if any.
func (d *Domain) checkAdminKey(r *Call, rule accessRule, tok string) *Reply {
	perm := rule.Perm
	return read(d, func() *Reply {
		k := d.st.keyByHash[tokenHash(tok)]
		if k == nil {
			return refuse(invalidKey())
		}
		if !strings.Contains(rule.Path, "{") {
			// /v1/apps and /v1/stats/me: lists filter by the key's app; an
			// app-scoped key creates no apps (the handler says so).
			if !k.Owner && !grants(k.Permissions, perm) {
				return refuse(keyLacks(perm))
			}
			return nil
		}
		ref := r.Param(0)
		a := d.st.appByID[ref]
		if a == nil {
			a = d.st.appBySlug[ref]
		}
		if a == nil {
			return nil // the handler answers 404
		}
		if !k.allows(a, "") {
			return refuse(keyLacks(""))
		}
		if !k.allows(a, perm) {
			return refuse(keyLacks(perm))
		}
		return nil
	})
}

// platformCaller verifies a platform user token and checks what it
// claims: a platform user (type), of this workspace (workspace_id), who is
// a member of it (sub). It stands for the member's rights: the owner's
// are all, another member's those of its role (see platformMemberRec).
func (d *Domain) platformCaller(r *Call, tok string) (*apiKeyRec, *Error) {
	claims, err := d.platformKeystore().Verify(tok, keys.Expect{
		Issuers: d.acceptedIssuers(r.Origin, "platform", false), Audience: platformAudience, Now: d.now(),
	})
	if err != nil {
		reason := keys.ReasonOf(err)
		if reason == "" {
			reason = keys.ReasonMalformed
		}
		return nil, failCode(statusUnauthorized, reason, "Invalid platform token")
	}
	if typ, _ := claims["type"].(string); typ != typePlatformUser {
		return nil, failCode(statusUnauthorized, "wrong_token_type", "Not a platform user token")
	}
	sub, _ := claims["sub"].(string)
	ws, _ := claims["workspace_id"].(string)
	var k *apiKeyRec
	denied := read(d, func() *Error {
		if ws != d.st.WorkspaceID {
			return failCode(statusForbidden, "NOT_A_WORKSPACE_MEMBER", "Token is for another workspace")
		}
		m := d.st.platformMember(sub)
		if m == nil {
			return failCode(statusForbidden, "NOT_A_WORKSPACE_MEMBER", "Not a member of this workspace")
		}
		k = &apiKeyRec{ID: sub, Name: "platform token", Owner: m.Role == platformRoleOwner,
			Permissions: append([]string{}, m.Permissions...), via: viaPlatform}
		return nil
	})
	if denied != nil {
		return nil, denied
	}
	return k, nil
}

// tokenCaller authenticates an access token of the app on its admin lane:
// an M2M token must hold perm among its scopes, an end user's role must
// hold it. The caller acts with exactly those permissions.
func (d *Domain) tokenCaller(r *Call, tok, perm string) (*apiKeyRec, *Reply) {
	var k *apiKeyRec
	resp := d.verifyToken(r, r.Param(0), tok, func(a *appRec, p *principal, reason string) *Reply {
		if p == nil {
			return refuse(failCode(statusUnauthorized, reason, "Invalid or expired token"))
		}
		held := p.permissions()
		if !grants(held, perm) {
			return refuse(fail(statusForbidden, "Missing permission "+perm))
		}
		k = &apiKeyRec{ID: p.sub, AppID: a.ID, Name: p.typ + " token", Permissions: held, via: p.typ}
		return nil
	})
	return k, resp
}
