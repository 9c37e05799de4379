package heimdall

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/control"
	"github.com/heimdall-mock/heimdall-mock/internal/fixtures"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/httpapi"
	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

// ControlRoutes mounts the domain's /__mock routes. Their 4xx bodies are
// {"error","detail"}, the control plane's shape, not NestJS's.
func (d *Domain) ControlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /__mock/outbox", d.listOutbox)
	mux.HandleFunc("DELETE /__mock/outbox", d.clearOutbox)
	mux.HandleFunc("POST /__mock/tokens", d.mintToken)
	mux.HandleFunc("POST /__mock/apps/{slug}/keys/rotate", d.rotateKeys)
	d.avatarControlRoutes(mux)
	d.platformControlRoutes(mux)
	d.federatedControlRoutes(mux)
}

// ControlModule is the domain as a module of the control plane: its
// routes, its reset, and its whole state as the snapshot's "domain" part.
func (d *Domain) ControlModule() control.Domain { return controlModule{d} }

type controlModule struct{ d *Domain }

func (m controlModule) Name() string              { return "domain" }
func (m controlModule) Routes(mux *http.ServeMux) { m.d.ControlRoutes(mux) }
func (m controlModule) Reset()                    { m.d.Reset() }
func (m controlModule) Export(w io.Writer) error  { return m.d.ExportTo(w) }
func (m controlModule) ApplyFixtures(doc []byte) (map[string]any, error) {
	parsed, err := fixtures.Parse(doc)
	if err != nil {
		return nil, err
	}
	return m.d.ApplyFixtures(parsed)
}

// Import checks the snapshot's domain part; one without it leaves the
// state alone.
func (m controlModule) Import(part json.RawMessage) (func(), error) {
	if len(part) == 0 {
		return func() {}, nil
	}
	return m.d.prepareImport(part)
}

// BootstrapInfo is the fixed values the health route hands a newcomer,
// with the issuer and base URL as seen from baseURL.
func (m controlModule) BootstrapInfo(baseURL string) map[string]any {
	b := m.d.Bootstrap()
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

var outboxKinds = map[string]bool{"": true, kindPasswordReset: true, kindVerification: true, "invite": true, "otp": true}

func (d *Domain) listOutbox(w http.ResponseWriter, r *http.Request) {
	to, kind := r.URL.Query().Get("to"), r.URL.Query().Get("kind")
	if !outboxKinds[kind] {
		control.Error(w, statusBadRequest, "bad_kind", "kind must be password_reset, verification, invite or otp")
		return
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
	control.WriteJSON(w, statusOK, out)
}

func (d *Domain) clearOutbox(w http.ResponseWriter, _ *http.Request) {
	_ = update(d, func() error {
		d.st.Outbox = nil
		return nil
	})
	w.WriteHeader(statusNoContent)
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

func (d *Domain) mintToken(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		control.Error(w, statusBadRequest, "bad_body", err.Error())
		return
	}
	var in MintRequest
	if len(strings.TrimSpace(string(body))) > 0 {
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			control.Error(w, statusBadRequest, "bad_body", err.Error())
			return
		}
	}
	out, err := d.Mint(httpapi.OriginOf(r), in)
	if err != nil {
		var me errMint
		if errors.As(err, &me) {
			status := statusBadRequest
			if me.code == "not_found" {
				status = statusNotFound
			}
			control.Error(w, status, me.code, me.detail)
			return
		}
		control.Error(w, statusInternalServerError, "internal", err.Error())
		return
	}
	control.WriteJSON(w, statusOK, out)
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

func (d *Domain) rotateKeys(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	var a *appRec
	_ = read(d, func() error {
		a = d.st.appBySlug[slug]
		return nil
	})
	if a == nil {
		control.Error(w, statusNotFound, "not_found", "no app with slug "+slug)
		return
	}
	kid := a.keystore.Rotate(d.now())
	control.WriteJSON(w, statusOK, map[string]string{"kid": kid})
}
