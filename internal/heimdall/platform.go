package heimdall

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/keys"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
)

// Platform user tokens: what the real Platform API (/v1/...) is signed in
// with. The mock issues them through POST /__mock/tokens (type platform)
// from a keystore of its own and accepts them on every /v1/ route with the
// workspace owner's rights.
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

func (d *Domain) platformIssuer(r *http.Request) string { return d.baseURL(r) + "/platform" }

// platformControlRoutes publishes the platform keys, so a client can check
// platform tokens as it would the real ones.
func (d *Domain) platformControlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /__mock/platform/jwks.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(d.platformKeystore().JWKSJSON())
	})
}

// mintPlatform issues a platform user token: sub is a platform user id
// (default the workspace owner).
func (d *Domain) mintPlatform(r *http.Request, in MintRequest) (map[string]any, error) {
	ttl := accessTTL
	if in.TTL != "" {
		var err error
		if ttl, err = time.ParseDuration(in.TTL); err != nil {
			return nil, errMint{"bad_ttl", "ttl: " + err.Error()}
		}
	}
	d.mu.Lock()
	sub, ws := in.Sub, d.st.WorkspaceID
	if sub == "" {
		sub = d.st.OwnerID
	}
	d.mu.Unlock()
	now := d.now()
	claims := map[string]any{
		"iss": d.platformIssuer(r), "aud": platformAudience, "sub": sub, "type": typePlatformUser,
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

type platformCallerKey struct{}

// platformCaller is the owner-rights key record a verified platform token
// stands for, or nil when the request carries none.
func platformCaller(r *router.Request) *apiKeyRec {
	k, _ := r.HTTP.Context().Value(platformCallerKey{}).(*apiKeyRec)
	return k
}

// looksLikeJWT tells a JWT from an API key (pcft_...), which has no dots.
func looksLikeJWT(tok string) bool { return strings.Count(tok, ".") == 2 }

// acceptPlatformTokens wraps every /v1/ handler in reg so a platform token
// is verified (outside d.mu: RSA work never holds the state lock) before
// the handler runs; the handler then sees it as the owner's API key.
func (d *Domain) acceptPlatformTokens(reg *router.Registry) {
	for _, key := range reg.Keys() {
		method, tmpl, ok := strings.Cut(key, " ")
		if !ok || !strings.HasPrefix(tmpl, "/v1/") {
			continue
		}
		h, _ := reg.Lookup(key)
		reg.Handle(method, tmpl, d.withPlatformToken(h))
	}
}

func (d *Domain) withPlatformToken(h router.Handler) router.Handler {
	return func(r *router.Request) *router.Response {
		tok := r.Bearer()
		if !looksLikeJWT(tok) {
			return h(r)
		}
		claims, err := d.platformKeystore().Verify(tok, keys.Expect{
			Issuers: d.acceptedIssuers(r.HTTP, "platform", false), Audience: platformAudience, Now: d.now(),
		})
		if err != nil {
			reason := keys.ReasonOf(err)
			if reason == "" {
				reason = keys.ReasonMalformed
			}
			return router.ErrorCode(http.StatusUnauthorized, reason, "Invalid platform token")
		}
		sub, _ := claims["sub"].(string)
		caller := &apiKeyRec{ID: sub, Name: "platform token", Owner: true, Permissions: []string{"*"}}
		r.HTTP = r.HTTP.WithContext(context.WithValue(r.HTTP.Context(), platformCallerKey{}, caller))
		return h(r)
	}
}
