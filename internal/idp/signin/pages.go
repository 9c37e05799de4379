package signin

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/control"
	"github.com/heimdall-mock/heimdall-mock/internal/idp"
	"github.com/heimdall-mock/heimdall-mock/internal/lazyre"
)

// FormPaths are the control routes that take HTML form posts: the fake
// providers' sign-in page submits to them.
var FormPaths = []string{control.Prefix + "/idp/"}

// Pages is the fake providers' sign-in page, where the web flow's
// authorize step sends the browser, and the form it submits, which plays
// the provider approving (or the user cancelling) and redirects back to the
// mock's callback with an authorization code.
//
// The domain that embeds the providers supplies what the pages cannot
// know themselves, as function values, so this package need not import it.
type Pages struct {
	// Set is the providers of the current state; it is asked per request
	// because a reset or an import replaces it.
	Set func() *idp.Set
	// Now is the mock's clock, which the codes' expiry follows.
	Now func() time.Time
	// ValidEmail is the domain's rule for an address, so the page accepts
	// what the domain's sign-up would.
	ValidEmail func(string) bool
}

// Routes registers the sign-in page and its form target.
func (p Pages) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+control.Prefix+"/idp/{provider}/authorize", p.signInPage)
	mux.HandleFunc("POST "+control.Prefix+"/idp/{provider}/authorize", p.signInSubmit) // one of FormPaths
}

// callbackPath is the only place the sign-in page sends a browser back to:
// a callback of this mock, so the page can never act as an open redirect.
var callbackPath = lazyre.New(`^/[A-Za-z0-9._~-]+/v1/auth/oauth/(apple|google|github)/callback$`)

// callbackTarget checks redirect_uri and returns its path, which the page
// redirects to relative to the mock's own origin.
func callbackTarget(provider, redirectURI string) (string, bool) {
	u, err := url.Parse(redirectURI)
	if err != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	m := callbackPath().FindStringSubmatch(u.Path)
	if m == nil || m[1] != provider {
		return "", false
	}
	return u.Path, true
}

var providerTitles = map[string]string{idp.Apple: "Apple", idp.Google: "Google", idp.GitHub: "GitHub"}

var signInTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("signin").Parse(`<!doctype html>
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
})

func (p Pages) signInPage(w http.ResponseWriter, r *http.Request) {
	provider := r.PathValue("provider")
	if !idp.Known(provider) {
		control.Error(w, http.StatusNotFound, "unknown_provider", "no fake provider "+provider+" (apple, google, github)")
		return
	}
	q := r.URL.Query()
	if _, ok := callbackTarget(provider, q.Get("redirect_uri")); !ok {
		control.Error(w, http.StatusBadRequest, "bad_redirect_uri", "redirect_uri must be this mock's /{app_slug}/v1/auth/oauth/"+provider+"/callback")
		return
	}
	if q.Get("state") == "" {
		control.Error(w, http.StatusBadRequest, "bad_state", "state is required")
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = signInTemplate().Execute(w, map[string]string{
		"Title": providerTitles[provider], "Provider": provider, "ClientID": q.Get("client_id"),
		"RedirectURI": q.Get("redirect_uri"), "State": q.Get("state"), "Nonce": q.Get("nonce"),
	})
}

// signInSubmit is the provider approving (or the user cancelling) the
// sign-in: it issues an authorization code for what the form said and
// sends the browser to the callback, as a real provider's redirect does.
func (p Pages) signInSubmit(w http.ResponseWriter, r *http.Request) {
	provider := r.PathValue("provider")
	if !idp.Known(provider) {
		control.Error(w, http.StatusNotFound, "unknown_provider", "no fake provider "+provider+" (apple, google, github)")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		control.Error(w, http.StatusBadRequest, "bad_body", err.Error())
		return
	}
	path, ok := callbackTarget(provider, r.PostForm.Get("redirect_uri"))
	if !ok {
		control.Error(w, http.StatusBadRequest, "bad_redirect_uri", "redirect_uri must be this mock's /{app_slug}/v1/auth/oauth/"+provider+"/callback")
		return
	}
	state := r.PostForm.Get("state")
	if state == "" {
		control.Error(w, http.StatusBadRequest, "bad_state", "state is required")
		return
	}
	back := url.Values{"state": {state}}
	if r.PostForm.Get("action") == "cancel" {
		back.Set("error", "access_denied")
		http.Redirect(w, r, path+"?"+back.Encode(), http.StatusSeeOther)
		return
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	if !p.ValidEmail(email) {
		control.Error(w, http.StatusBadRequest, "bad_email", "email must be an email")
		return
	}
	verified := r.PostForm.Get("email_verified")
	id := idp.Identity{
		Sub: idp.SubFor(provider, email), Email: email, EmailVerified: verified == "true" || verified == "on",
		IsPrivateEmail: idp.IsPrivateRelay(email), Name: strings.TrimSpace(r.PostForm.Get("name")),
	}
	code := p.Set().IssueCode(idp.Grant{
		Provider: provider, ClientID: r.PostForm.Get("client_id"), Nonce: r.PostForm.Get("nonce"), Identity: id,
	}, p.Now())
	back.Set("code", code)
	http.Redirect(w, r, path+"?"+back.Encode(), http.StatusSeeOther)
}
