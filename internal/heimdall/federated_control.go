package heimdall

import (
	"errors"
	"strings"
	"time"
	"unicode"

	"github.com/heimdall-mock/heimdall-mock/internal/idp"
)

// IdentityProviders is the fake providers of the current state: asked per
// request by their sign-in pages, since a reset or an import replaces
// them.
func (d *Domain) IdentityProviders() *idp.Set {
	var set *idp.Set
	_ = read(d, func() error {
		set = d.st.idps
		return nil
	})
	return set
}

func (d *Domain) idpJWKS(r *Call) *Reply {
	provider := r.Param(0)
	jwks, ok := d.IdentityProviders().JWKSJSON(provider)
	if !ok {
		return controlRefusal(statusNotFound, "unknown_provider", "no fake provider "+provider+" publishes keys (apple, google)")
	}
	return &Reply{Status: statusOK, Raw: jwks, ContentType: "application/json"}
}

// IDTokenRequest is the body of POST /__mock/idp/{provider}/id-token.
type IDTokenRequest struct {
	AppSlug        string `json:"app_slug"`         // whose native client id is the default aud; default the bootstrap app
	Sub            string `json:"sub"`              // default: derived from email, stable per address
	Email          string `json:"email"`            // optional, as with Apple after the first sign-in
	EmailVerified  *bool  `json:"email_verified"`   // default true
	IsPrivateEmail *bool  `json:"is_private_email"` // Apple; default: whether email is a private-relay address
	Name           string `json:"name"`             // Google: the name claim; Apple: only in the answer's user (Apple tokens carry no name)
	Aud            string `json:"aud"`              // default: the app's native client id
	Nonce          string `json:"nonce"`            // raw nonce; Apple tokens carry its sha256 hex
	ExpiresIn      *int   `json:"expires_in"`       // seconds, default 600; negative: already expired
	Signing        string `json:"signing"`          // valid (default) | wrong-key
}

// errField is a bad IDTokenRequest field, answered 400 naming it.
type errField struct{ field, detail string }

func (e errField) Error() string { return e.field + ": " + e.detail }

// MintIDToken signs an ID token as the fake provider would, per
// IDTokenRequest's defaults. It returns the token and its claims.
func (d *Domain) MintIDToken(provider string, in IDTokenRequest) (string, map[string]any, error) {
	if !idp.IssuesIDTokens(provider) {
		return "", nil, idp.ErrUnknownProvider
	}
	if in.Email != "" && !validEmail(in.Email) {
		return "", nil, errField{"email", "must be an email"}
	}
	if in.Sub == "" && in.Email == "" {
		return "", nil, errField{"sub", "give sub or email"}
	}
	if strings.IndexFunc(in.Name, unicode.IsControl) >= 0 {
		return "", nil, errField{"name", "must not contain control characters"}
	}
	switch in.Signing {
	case "", "valid", "wrong-key":
	default:
		return "", nil, errField{"signing", "must be valid or wrong-key"}
	}
	ttl := 600 * time.Second
	if in.ExpiresIn != nil {
		ttl = time.Duration(*in.ExpiresIn) * time.Second
	}
	if in.AppSlug == "" {
		in.AppSlug = BootstrapAppSlug
	}
	var set *idp.Set
	aud := in.Aud
	err := read(d, func() error {
		set = d.st.idps
		if aud != "" {
			return nil
		}
		a := d.st.appBySlug[in.AppSlug]
		if a == nil {
			return errField{"app_slug", "no app with slug " + in.AppSlug}
		}
		auds, denied := providerAudiences(a, provider)
		if denied != nil {
			return errField{"aud", "app " + in.AppSlug + " has no enabled " + provider + " client id; give aud"}
		}
		aud = auds[0]
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	id := idp.Identity{Sub: in.Sub, Email: in.Email, EmailVerified: in.EmailVerified == nil || *in.EmailVerified, Name: in.Name}
	if provider == idp.Apple {
		id.Name = "" // Apple hands the name to the app beside the token, never in it
	}
	if id.Sub == "" {
		id.Sub = idp.SubFor(provider, in.Email)
	}
	id.IsPrivateEmail = idp.IsPrivateRelay(in.Email)
	if in.IsPrivateEmail != nil {
		id.IsPrivateEmail = *in.IsPrivateEmail
	}
	return set.Mint(provider, idp.TokenRequest{
		Identity: id, Audience: aud, Nonce: in.Nonce, ExpiresIn: ttl, Now: d.now(), WrongKey: in.Signing == "wrong-key",
	})
}

func (d *Domain) idpMintIDToken(r *Call) *Reply {
	provider := r.Param(0)
	if !idp.IssuesIDTokens(provider) {
		return controlRefusal(statusNotFound, "unknown_provider", "no fake provider "+provider+" issues ID tokens (apple, google)")
	}
	var in IDTokenRequest
	if bad := decodeControl(r.Body, &in); bad != nil {
		return bad
	}
	tok, claims, err := d.MintIDToken(provider, in)
	if err != nil {
		var fe errField
		if errors.As(err, &fe) {
			return controlRefusal(statusBadRequest, "bad_"+fe.field, fe.Error())
		}
		return controlRefusal(statusInternalServerError, "internal", err.Error())
	}
	out := map[string]any{"id_token": tok, "claims": claims}
	if provider == idp.Apple && in.Name != "" {
		// What the app receives beside the token on the first sign-in, to
		// pass on as the native sign-in body's user.
		user := map[string]any{"name": in.Name}
		if in.Email != "" {
			user["email"] = in.Email
		}
		out["user"] = user
	}
	return replyJSON(statusOK, out)
}
