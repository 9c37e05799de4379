package heimdall

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/fixtures"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/operation"
	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

// ControlRoutes are the domain's /__mock routes (ServeMux patterns; Call
// params are their wildcards in order). httpapi.MountControl serves them,
// answering their refusals in the control plane's {"error","detail"}
// shape, not NestJS's.
func (d *Domain) ControlRoutes() []operation.Route {
	return []operation.Route{
		{Method: "GET", Path: "/__mock/outbox", Handler: d.listOutbox},
		{Method: "DELETE", Path: "/__mock/outbox", Handler: d.clearOutbox},
		{Method: "POST", Path: "/__mock/tokens", Handler: d.mintToken},
		{Method: "POST", Path: "/__mock/apps/{slug}/keys/rotate", Handler: d.rotateKeys},
		// Stored avatar images: the target of the public avatar URL's
		// redirect, standing in for a presigned storage URL.
		{Method: "GET", Path: "/__mock/avatars/{slug}/{account_id}", Handler: d.serveAvatar},
		// The platform keys, so a client checks platform tokens as it would
		// the real ones, and the workspace's members.
		{Method: "GET", Path: "/__mock/platform/jwks.json", Handler: d.platformJWKS},
		{Method: "GET", Path: "/__mock/platform/members", Handler: d.listPlatformMembers},
		{Method: "PUT", Path: "/__mock/platform/members/{sub}", Handler: d.putPlatformMember},
		{Method: "DELETE", Path: "/__mock/platform/members/{sub}", Handler: d.deletePlatformMember},
		// The fake identity providers' keys, and ID tokens for native-flow
		// tests; their sign-in page is internal/idp/signin's.
		{Method: "GET", Path: "/__mock/idp/{provider}/jwks", Handler: d.idpJWKS},
		{Method: "POST", Path: "/__mock/idp/{provider}/id-token", Handler: d.idpMintIDToken},
	}
}

// ApplyFixtureDocument loads a fixture document (JSON or YAML) on top of
// the current state, as POST /__mock/fixtures does.
func (d *Domain) ApplyFixtureDocument(doc []byte) (map[string]any, error) {
	parsed, err := fixtures.Parse(doc)
	if err != nil {
		return nil, err
	}
	return d.ApplyFixtures(parsed)
}

// PrepareImport checks a snapshot's domain part; one without it leaves the
// state alone. The returned commit swaps it in.
func (d *Domain) PrepareImport(part json.RawMessage) (func(), error) {
	if len(part) == 0 {
		return func() {}, nil
	}
	return d.prepareImport(part)
}

// BootstrapInfo is the fixed values the health route hands a newcomer,
// with the issuer and base URL as seen from baseURL.
func (d *Domain) BootstrapInfo(baseURL string) map[string]any {
	b := d.Bootstrap()
	return map[string]any{
		"workspace_id":     b.WorkspaceID,
		"api_key":          b.APIKey,
		"app_id":           b.AppID,
		"app_slug":         b.AppSlug,
		"base_url":         baseURL,
		"issuer":           baseURL + "/" + b.AppSlug,
		"apple_client_id":  b.AppleClientID,
		"google_client_id": b.GoogleClientID,
	}
}

// controlRefusal is a control route's 4xx: the control plane's code and
// detail.
func controlRefusal(status int, code, detail string) *Reply {
	return refuse(failCode(status, code, detail))
}

// decodeControl reads a control route's JSON body strictly: an unknown
// field is a typo the caller should hear about. An empty body is {}.
func decodeControl(body []byte, v any) *Reply {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return controlRefusal(statusBadRequest, "bad_body", err.Error())
	}
	return nil
}

var outboxKinds = map[string]bool{"": true, kindPasswordReset: true, kindVerification: true, "invite": true, "otp": true}

func (d *Domain) listOutbox(r *Call) *Reply {
	to, kind := r.Query("to"), r.Query("kind")
	if !outboxKinds[kind] {
		return controlRefusal(statusBadRequest, "bad_kind", "kind must be password_reset, verification, invite or otp")
	}
	out := make([]map[string]any, 0)
	_ = read(d, func() error {
		for i := len(d.st.Outbox) - 1; i >= 0; i-- { // newest first
			m := d.st.Outbox[i]
			if (to == "" || strings.EqualFold(m.To, to)) && (kind == "" || m.Kind == kind) {
				out = append(out, map[string]any{
					"id": m.ID, "kind": m.Kind, "to": m.To, "token": m.Token, "code": m.Code,
					"link": m.Link, "app_slug": m.AppSlug, "created_at": ts(m.CreatedAt),
				})
			}
		}
		return nil
	})
	return replyJSON(statusOK, out)
}

func (d *Domain) clearOutbox(*Call) *Reply {
	_ = update(d, func() error {
		d.st.Outbox = nil
		return nil
	})
	return noContent(statusNoContent)
}

// MintRequest is the body of POST /__mock/tokens.
type MintRequest struct {
	AppSlug      string         `json:"app_slug"` // default: the bootstrap app
	Sub          string         `json:"sub"`      // user id, username or email (unknown: a user is made); client_id for m2m
	Type         string         `json:"type"`     // end_user (default) | m2m
	Role         string         `json:"role"`     // default: the user's role; another role is pinned to the session
	AMR          []string       `json:"amr"`      // default ["pwd"]
	TTL          string         `json:"ttl"`      // Go duration, default 1h; negative: already expired
	LegacyIssuer bool           `json:"legacy_issuer"`
	Session      *bool          `json:"session"` // default true: a real session backs the token
	Scopes       []string       `json:"scopes"`  // m2m; default: the client's scopes
	Claims       map[string]any `json:"claims"`  // merged last, overriding
}

// errMint is a bad mint request, shown to the caller as 400.
type errMint struct{ code, detail string }

func (e errMint) Error() string { return e.code + ": " + e.detail }

func (d *Domain) mintToken(r *Call) *Reply {
	var in MintRequest
	if bad := decodeControl(r.Body, &in); bad != nil {
		return bad
	}
	out, err := d.Mint(r.Origin, in)
	if err != nil {
		var me errMint
		if errors.As(err, &me) {
			status := statusBadRequest
			if me.code == "not_found" {
				status = statusNotFound
			}
			return controlRefusal(status, me.code, me.detail)
		}
		return controlRefusal(statusInternalServerError, "internal", err.Error())
	}
	return replyJSON(statusOK, out)
}

// Mint issues a token as POST /__mock/tokens does; r supplies the base URL.
func (d *Domain) Mint(o Origin, in MintRequest) (map[string]any, error) {
	if in.AppSlug == "" {
		in.AppSlug = BootstrapAppSlug
	}
	if in.Type == "" {
		in.Type = typeEndUser
	}
	if in.Type == typePlatform {
		return d.mintPlatform(o, in)
	}
	if in.Type != typeEndUser && in.Type != typeM2M {
		return nil, errMint{"bad_type", "type must be end_user, m2m or platform"}
	}
	ttl := accessTTL
	if in.TTL != "" {
		var err error
		if ttl, err = time.ParseDuration(in.TTL); err != nil {
			return nil, errMint{"bad_ttl", "ttl: " + err.Error()}
		}
	}
	withSession := in.Session == nil || *in.Session
	amr := in.AMR
	if len(amr) == 0 {
		amr = []string{"pwd"}
	}
	var claims, out map[string]any
	var ks *keys.Keystore
	err := update(d, func() error {
		var err error
		claims, out, ks, err = d.mintLocked(o, in, ttl, withSession, amr)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Signing is slow (RSA): it runs after the lock is released.
	tok, err := ks.Sign(claims)
	if err != nil {
		return nil, errMint{"bad_claims", err.Error()}
	}
	out["access_token"], out["sub"] = tok, claims["sub"]
	return out, nil
}

// mintLocked is Mint's part under the update lock: it finds the app,
// makes the user and session a token needs, and returns the claims to sign,
// the answer so far and the app's keystore.
func (d *Domain) mintLocked(o Origin, in MintRequest, ttl time.Duration, withSession bool, amr []string) (claims, out map[string]any, ks *keys.Keystore, err error) {
	a := d.st.appBySlug[in.AppSlug]
	if a == nil {
		return nil, nil, nil, errMint{"not_found", "no app with slug " + in.AppSlug}
	}
	now := d.now()
	claims = map[string]any{
		"iss": d.issuer(o, a.Slug), "aud": a.Slug, "aid": a.ID, "type": in.Type,
		"iat": now.Unix(), "exp": now.Add(ttl).Unix(),
	}
	out = map[string]any{}
	switch in.Type {
	case typeEndUser:
		u := a.userByID[in.Sub]
		if u == nil && in.Sub != "" {
			u = a.byUsername[foldKey(in.Sub)]
			if u == nil {
				u = a.byContact[contactKey("email", in.Sub)]
			}
		}
		if u == nil && withSession {
			// A session needs a user: make one, so a token for any subject
			// the caller's own app knows verifies like a real sign-in.
			if in.Sub != "" && (strings.HasPrefix(in.Sub, "__") || len(in.Sub) > 128) {
				return nil, nil, nil, errMint{"bad_sub", "sub must be at most 128 characters and not start with __"}
			}
			u = d.mintedUser(a, in.Sub, in.Role)
		}
		sub, role := in.Sub, in.Role
		if u != nil {
			sub = u.ID
			if role == "" {
				role = u.Role
			}
		}
		claims["sub"], claims["role"], claims["amr"] = sub, role, amr
		if withSession {
			refresh := randomToken(32)
			s := &sessionRec{
				Seq: d.st.nextSeq(), ID: newID(), UserID: u.ID, RefreshHash: tokenHash(refresh), AMR: amr,
				CreatedAt: now, ExpiresAt: now.Add(time.Duration(a.Config.SessionDurationMinutes) * time.Minute), LastUsedAt: &now,
			}
			if role != u.Role { // the token's role holds for its whole session
				s.Role = role
			}
			a.addSession(s)
			a.capSessions(d.limits.SessionsPerApp)
			claims["sid"] = s.ID
			out["refresh_token"], out["session_id"] = refresh, s.ID
		}
	case typeM2M:
		scopes := in.Scopes
		if c := a.clientByID[in.Sub]; c != nil && scopes == nil {
			scopes = c.Scopes
		}
		if scopes == nil {
			scopes = []string{}
		}
		claims["sub"], claims["client_id"], claims["scopes"] = in.Sub, in.Sub, scopes
	}
	if in.LegacyIssuer {
		claims["iss"] = legacyIssuer
		delete(claims, "aud")
	}
	for k, v := range in.Claims {
		claims[k] = v
	}
	return claims, out, a.keystore, nil
}

// mintedUser creates the user behind a minted token for an unknown sub:
// its id is the sub (or a new uuid), its username the sub too, with no
// email and no password. Caller is inside d.update.
func (d *Domain) mintedUser(a *appRec, sub, role string) *userRec {
	if role == "" || a.roleByName[role] == nil {
		role = a.Config.SignupDefaultRole
	}
	id := sub
	if id == "" {
		id = newID()
	}
	u := d.createUser(a, id, "", "", "", role, false)
	delete(a.userByID, u.ID)
	u.ID = id
	a.userByID[id] = u
	d.audit(a, "user.created", "", "end_user", u.ID, u.ID, map[string]any{"via": "mock_token"})
	return u
}

func (d *Domain) rotateKeys(r *Call) *Reply {
	slug := r.Param(0)
	var a *appRec
	_ = read(d, func() error {
		a = d.st.appBySlug[slug]
		return nil
	})
	if a == nil {
		return controlRefusal(statusNotFound, "not_found", "no app with slug "+slug)
	}
	kid := a.keystore.Rotate(d.now())
	return replyJSON(statusOK, map[string]string{"kid": kid})
}
