package heimdall

import (
	"net/http"
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

// looksLikeJWT tells a JWT from an API key (pcft_...), which has no dots.
func looksLikeJWT(tok string) bool { return strings.Count(tok, ".") == 2 }
