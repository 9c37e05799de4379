package heimdall

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/heimdall-mock/heimdall-mock/internal/idp"
)

// The fake identity providers' side of the control plane: their JWKS, an
// ID-token minting route for native-flow tests, and the sign-in page the
// web flow redirects to.
// FormPaths are the control routes that take HTML form posts: the fake
// providers' sign-in page submits to them.
var FormPaths = []string{"/__mock/idp/"}

func (d *Domain) federatedControlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /__mock/idp/{provider}/jwks", d.idpJWKS)
	mux.HandleFunc("POST /__mock/idp/{provider}/id-token", d.idpMintIDToken)
	mux.HandleFunc("GET /__mock/idp/{provider}/authorize", d.idpSignInPage)
	mux.HandleFunc("POST /__mock/idp/{provider}/authorize", d.idpSignInSubmit) // one of FormPaths
}

func (d *Domain) identityProviders() *idp.Set {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.st.idps
}

func (d *Domain) idpJWKS(w http.ResponseWriter, r *http.Request) {
	provider := r.PathValue("provider")
	jwks, ok := d.identityProviders().JWKSJSON(provider)
	if !ok {
		controlError(w, http.StatusNotFound, "unknown_provider", "no fake provider "+provider+" publishes keys (apple, google)")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(jwks)
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
	d.mu.Lock()
	set := d.st.idps
	aud := in.Aud
	if aud == "" {
		a := d.st.appBySlug[in.AppSlug]
		if a == nil {
			d.mu.Unlock()
			return "", nil, errField{"app_slug", "no app with slug " + in.AppSlug}
		}
		auds, denied := providerAudiences(a, provider)
		if denied != nil {
			d.mu.Unlock()
			return "", nil, errField{"aud", "app " + in.AppSlug + " has no enabled " + provider + " client id; give aud"}
		}
		aud = auds[0]
	}
	d.mu.Unlock()
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

func (d *Domain) idpMintIDToken(w http.ResponseWriter, r *http.Request) {
	provider := r.PathValue("provider")
	if !idp.IssuesIDTokens(provider) {
		controlError(w, http.StatusNotFound, "unknown_provider", "no fake provider "+provider+" issues ID tokens (apple, google)")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		controlError(w, http.StatusBadRequest, "bad_body", err.Error())
		return
	}
	var in IDTokenRequest
	if len(bytes.TrimSpace(body)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil {
			controlError(w, http.StatusBadRequest, "bad_body", err.Error())
			return
		}
	}
	tok, claims, err := d.MintIDToken(provider, in)
	if err != nil {
		var fe errField
		if errors.As(err, &fe) {
			controlError(w, http.StatusBadRequest, "bad_"+fe.field, fe.Error())
			return
		}
		controlError(w, http.StatusInternalServerError, "internal", err.Error())
		return
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
	writeJSON(w, http.StatusOK, out)
}

// callbackPath is the only place the sign-in page sends a browser back to:
// a callback of this mock, so the page can never act as an open redirect.
var callbackPath = regexp.MustCompile(`^/[A-Za-z0-9._~-]+/v1/auth/oauth/(apple|google|github)/callback$`)

// callbackTarget checks redirect_uri and returns its path, which the page
// redirects to relative to the mock's own origin.
func callbackTarget(provider, redirectURI string) (string, bool) {
	u, err := url.Parse(redirectURI)
	if err != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	m := callbackPath.FindStringSubmatch(u.Path)
	if m == nil || m[1] != provider {
		return "", false
	}
	return u.Path, true
}

var providerTitles = map[string]string{idp.Apple: "Apple", idp.Google: "Google", idp.GitHub: "GitHub"}

var signInPage = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in with {{.Title}} (mock)</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#111}
label{display:block;margin-top:1rem;font-weight:600}
input[type=email],input[type=text]{width:100%;padding:.5rem;font:inherit;border:1px solid #555;border-radius:4px;box-sizing:border-box}
.check{display:flex;gap:.5rem;align-items:center;font-weight:400}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font:inherit;border-radius:4px;border:1px solid #111}
button{background:#111;color:#fff}
button[value=cancel]{background:#fff;color:#111}
:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}
</style>
</head>
<body>
<main>
<h1>Sign in with {{.Title}}</h1>
<p>A fake {{.Title}} sign-in page served by heimdall-mock, for <strong>{{.ClientID}}</strong>. Nothing here reaches {{.Title}}.</p>
<form method="post" action="/__mock/idp/{{.Provider}}/authorize">
<input type="hidden" name="client_id" value="{{.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.RedirectURI}}">
<input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="nonce" value="{{.Nonce}}">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required>
<label for="name">Name</label>
<input id="name" name="name" type="text" autocomplete="name">
<label class="check" for="email_verified"><input id="email_verified" name="email_verified" type="checkbox" value="true" checked> Email verified</label>
<button type="submit" name="action" value="allow">Continue</button>
<button type="submit" name="action" value="cancel" formnovalidate>Cancel</button>
</form>
</main>
</body>
</html>
`))

func (d *Domain) idpSignInPage(w http.ResponseWriter, r *http.Request) {
	provider := r.PathValue("provider")
	if !idp.Known(provider) {
		controlError(w, http.StatusNotFound, "unknown_provider", "no fake provider "+provider+" (apple, google, github)")
		return
	}
	q := r.URL.Query()
	if _, ok := callbackTarget(provider, q.Get("redirect_uri")); !ok {
		controlError(w, http.StatusBadRequest, "bad_redirect_uri", "redirect_uri must be this mock's /{app_slug}/v1/auth/oauth/"+provider+"/callback")
		return
	}
	if q.Get("state") == "" {
		controlError(w, http.StatusBadRequest, "bad_state", "state is required")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = signInPage.Execute(w, map[string]string{
		"Title": providerTitles[provider], "Provider": provider, "ClientID": q.Get("client_id"),
		"RedirectURI": q.Get("redirect_uri"), "State": q.Get("state"), "Nonce": q.Get("nonce"),
	})
}

// idpSignInSubmit is the provider approving (or the user cancelling) the
// sign-in: it issues an authorization code for what the form said and
// sends the browser to the callback, as a real provider's redirect does.
func (d *Domain) idpSignInSubmit(w http.ResponseWriter, r *http.Request) {
	provider := r.PathValue("provider")
	if !idp.Known(provider) {
		controlError(w, http.StatusNotFound, "unknown_provider", "no fake provider "+provider+" (apple, google, github)")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		controlError(w, http.StatusBadRequest, "bad_body", err.Error())
		return
	}
	path, ok := callbackTarget(provider, r.PostForm.Get("redirect_uri"))
	if !ok {
		controlError(w, http.StatusBadRequest, "bad_redirect_uri", "redirect_uri must be this mock's /{app_slug}/v1/auth/oauth/"+provider+"/callback")
		return
	}
	state := r.PostForm.Get("state")
	if state == "" {
		controlError(w, http.StatusBadRequest, "bad_state", "state is required")
		return
	}
	back := url.Values{"state": {state}}
	if r.PostForm.Get("action") == "cancel" {
		back.Set("error", "access_denied")
		http.Redirect(w, r, path+"?"+back.Encode(), http.StatusSeeOther)
		return
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	if !validEmail(email) {
		controlError(w, http.StatusBadRequest, "bad_email", "email must be an email")
		return
	}
	verified := r.PostForm.Get("email_verified")
	id := idp.Identity{
		Sub: idp.SubFor(provider, email), Email: email, EmailVerified: verified == "true" || verified == "on",
		IsPrivateEmail: idp.IsPrivateRelay(email), Name: strings.TrimSpace(r.PostForm.Get("name")),
	}
	code := d.identityProviders().IssueCode(idp.Grant{
		Provider: provider, ClientID: r.PostForm.Get("client_id"), Nonce: r.PostForm.Get("nonce"), Identity: id,
	}, d.now())
	back.Set("code", code)
	http.Redirect(w, r, path+"?"+back.Encode(), http.StatusSeeOther)
}
