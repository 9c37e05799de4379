// Package linkpage serves the pages the mock's mailed links open when an
// app has no web origin of its own (/__mock/links/{slug}/{action}): each
// says what its code is for and applies it through the app's own route.
// The pages read nothing of the domain's state, so they live apart from
// it; heimdall builds the links (mailLink) with the same actions.
package linkpage

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// linkAction is what one kind of mailed link does.
type linkAction struct {
	Title    string
	Purpose  string
	Button   string
	Endpoint string // consumer route under /{app_slug}/v1/auth/
	Password bool   // the route also takes a new password
	Field    string // the password field's JSON name
}

var linkActions = map[string]linkAction{
	"verify": {
		Title: "Verify an email address", Button: "Verify this address", Endpoint: "verify",
		Purpose: "This code confirms that the recipient owns the address it was sent to. Applying it marks the address verified, after which it can be used to sign in.",
	},
	"reset-password": {
		Title: "Reset a password", Button: "Set the new password", Endpoint: "reset-password", Password: true, Field: "new_password",
		Purpose: "This code lets the recipient choose a new password without the old one. Applying it replaces the password and ends the account's sessions.",
	},
	"accept-invite": {
		Title: "Accept an invitation", Button: "Accept and create the account", Endpoint: "accept-invite", Password: true, Field: "password",
		Purpose: "This code invites the recipient to the app with the role the inviter chose. Accepting it creates the account with the password given here.",
	},
}

var linkPage = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("link").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.A.Title}} · heimdall-mock</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
code{background:#eef1f4;padding:.1rem .3rem;border-radius:4px}
label{display:block;margin:.75rem 0 .25rem}input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}
button{font:inherit;margin-top:1rem;padding:.5rem 1rem;background:#0b57d0;color:#fff;border:0;border-radius:6px;cursor:pointer}
#result{margin-top:1rem;white-space:pre-wrap}.ok{color:#146c2e}.bad{color:#b3261e}.muted{color:#555}
</style></head><body>
<h1>{{.A.Title}}</h1>
<p class="muted">A page of heimdall-mock standing in for the app's own page. App <code>{{.Slug}}</code>, code <code>{{.Code}}</code>.</p>
<p>{{.A.Purpose}}</p>
<form id="apply">
{{if .A.Password}}<label for="password">New password</label><input id="password" type="password" autocomplete="new-password" required minlength="8">{{end}}
{{if eq .A.Endpoint "accept-invite"}}<label for="username">Username (optional)</label><input id="username" autocomplete="username">{{end}}
<button type="submit">{{.A.Button}}</button>
</form>
<p id="result" role="status" aria-live="polite"></p>
<script>
document.getElementById('apply').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const body = { code: {{.Code}} };
  {{if .A.Password}}body[{{.A.Field}}] = document.getElementById('password').value;{{end}}
  {{if eq .A.Endpoint "accept-invite"}}const u = document.getElementById('username').value.trim(); if (u) body.username = u;{{end}}
  const out = document.getElementById('result');
  try {
    const res = await fetch({{.Endpoint}}, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    out.className = res.ok ? 'ok' : 'bad';
    out.textContent = (res.ok ? 'Done: ' : 'Refused: ') + res.status + (text ? '\n' + text : '');
  } catch (err) {
    out.className = 'bad';
    out.textContent = 'The mock did not answer: ' + err.message;
  }
});
</script>
</body></html>
`))
})

// Mount serves GET /__mock/links/{slug}/{action}?code=... on mux.
func Mount(mux *http.ServeMux) { mux.HandleFunc("GET /__mock/links/{slug}/{action}", serve) }

func serve(w http.ResponseWriter, r *http.Request) {
	slug, action, code := r.PathValue("slug"), r.PathValue("action"), r.URL.Query().Get("code")
	a, ok := linkActions[action]
	if !ok || code == "" || strings.HasPrefix(slug, "__") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":"not_found","detail":"want /__mock/links/{app_slug}/verify|reset-password|accept-invite?code=CODE"}` + "\n"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = linkPage().Execute(w, map[string]any{
		"A": a, "Slug": slug, "Code": code,
		"Endpoint": "/" + url.PathEscape(slug) + "/v1/auth/" + a.Endpoint,
	})
}
