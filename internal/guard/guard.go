// Package guard decides who may reach the mock: it closes the /__mock
// control plane (which mints tokens and exports private keys) to web pages
// and to names that are not this mock's, optionally behind a bearer token,
// and it grants CORS on the API routes the way Prism does, so a browser
// app on another origin can call the fake API but never the control plane.
package guard

import (
	"crypto/subtle"
	"encoding/json"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/heimdall-mock/heimdall-mock/internal/control"
)

// TokenEnv is the environment variable that may hold the control token.
const TokenEnv = "HEIMDALL_MOCK_CONTROL_TOKEN"

// tokenCookie carries the control token for the inspector page, whose own
// fetches cannot add an Authorization header the user typed nowhere.
const tokenCookie = "heimdall_mock_control"

// Control configures the control plane's gate.
type Control struct {
	// AllowHosts are extra names (host, or host:port) a Host header may
	// give; "*" accepts any. Loopback names, IP literals, the listen host
	// and the public URL's host are always accepted.
	AllowHosts []string
	// PublicURL is --public-url; its host is one of the mock's names and
	// its origin counts as the mock's own.
	PublicURL string
	// Token, when set, is required as "Authorization: Bearer <token>" on
	// every control route (the inspector page also takes it once as
	// ?control_token=..., kept in a same-site cookie).
	Token string
	// Open lists paths answered without the token (readiness probes).
	Open []string
	// FormPaths are POST paths (http.ServeMux patterns' paths, a trailing
	// "/" for a subtree) that take HTML form bodies from the mock's own
	// pages: the fake identity providers' sign-in forms. The Origin check
	// still applies to them.
	FormPaths []string
}

// Wrap returns next behind the gate.
func (c Control) Wrap(next http.Handler) http.Handler {
	anyHost := false
	names := map[string]bool{}
	for _, h := range c.AllowHosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h == "*" {
			anyHost = true
		}
		if h != "" {
			names[hostOnly(h)] = true
		}
	}
	publicOrigin := ""
	if u, err := url.Parse(strings.TrimRight(c.PublicURL, "/")); err == nil && u.Host != "" {
		names[strings.ToLower(u.Hostname())] = true
		publicOrigin = strings.ToLower(u.Scheme + "://" + u.Host)
	}
	open := map[string]bool{}
	for _, p := range c.Open {
		open[p] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !anyHost && !ownHost(r.Host, names) {
			// A DNS-rebinding page reaches us under its own name: answering
			// it would let that page read the control plane.
			refuse(w, http.StatusMisdirectedRequest, "unknown_host",
				"Host "+quote(r.Host)+" does not name this mock; start it with --allow-host "+quote(hostOnly(r.Host))+" to accept it")
			return
		}
		if o := r.Header.Get("Origin"); o != "" && !sameOrigin(o, r, publicOrigin) {
			refuse(w, http.StatusForbidden, "foreign_origin",
				"the control plane does not answer pages from other origins ("+quote(o)+"); call it from your test code, not from a browser page")
			return
		}
		if r.Method == http.MethodOptions {
			// Only a cross-origin preflight would ask, and none is granted.
			refuse(w, http.StatusForbidden, "no_cors", "the control plane grants no cross-origin access")
			return
		}
		if changesState(r.Method) && !jsonOrYAML(r) && !(isForm(r) && c.takesForm(r.URL.Path)) {
			// text/plain, form and multipart bodies are what a page can send
			// cross-site without a preflight; no test tool needs them.
			refuse(w, http.StatusUnsupportedMediaType, "unsupported_media_type",
				"Content-Type "+quote(r.Header.Get("Content-Type"))+" is refused on the control plane: send application/json (or YAML for fixtures)")
			return
		}
		if c.Token != "" && !open[r.URL.Path] && !c.authorized(w, r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="heimdall-mock control plane"`)
			refuse(w, http.StatusUnauthorized, "control_token_required",
				"this mock's control plane needs \"Authorization: Bearer <control token>\" (the token given by --control-token or "+TokenEnv+")")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authorized checks the bearer token, or the inspector's cookie, or a
// ?control_token= on a page load, which it turns into the cookie.
func (c Control) authorized(w http.ResponseWriter, r *http.Request) bool {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && c.tokenIs(tok) {
		return true
	}
	if ck, err := r.Cookie(tokenCookie); err == nil && c.tokenIs(ck.Value) {
		return true
	}
	if r.Method == http.MethodGet {
		if tok := r.URL.Query().Get("control_token"); tok != "" && c.tokenIs(tok) {
			http.SetCookie(w, &http.Cookie{
				Name: tokenCookie, Value: tok, Path: "/__mock",
				HttpOnly: true, SameSite: http.SameSiteStrictMode,
			})
			return true
		}
	}
	return false
}

func (c Control) takesForm(path string) bool {
	for _, p := range c.FormPaths {
		if path == p || strings.HasSuffix(p, "/") && strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

func isForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}

func (c Control) tokenIs(got string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(c.Token)) == 1
}

func changesState(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead:
		return false
	}
	return true
}

// jsonOrYAML accepts a JSON or YAML Content-Type, and no Content-Type on an
// empty body (curl -X POST .../reset).
func jsonOrYAML(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return r.ContentLength == 0
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch {
	case mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/yaml", mt == "application/x-yaml", mt == "text/yaml", mt == "text/x-yaml":
		return true
	}
	return false
}

// ownHost says whether a Host header names this mock. IP literals are
// accepted whatever they are: a rebinding page always sends its own domain
// name, and a container reached by its address should just work.
func ownHost(host string, names map[string]bool) bool {
	h := hostOnly(strings.ToLower(host))
	if h == "" {
		return true // HTTP/1.0 without Host: not a browser
	}
	if net.ParseIP(h) != nil {
		return true
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	return names[h] || names[strings.ToLower(host)]
}

// hostOnly strips the port and IPv6 brackets.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

// sameOrigin says whether the page that sent origin was served by this
// mock: its origin is the request's own scheme://Host, or the public URL.
func sameOrigin(origin string, r *http.Request, publicOrigin string) bool {
	o := strings.ToLower(strings.TrimRight(origin, "/"))
	if publicOrigin != "" && o == publicOrigin {
		return true
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return o == scheme+"://"+strings.ToLower(r.Host)
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// refuse answers in the control plane's error shape.
func refuse(w http.ResponseWriter, status int, code, detail string) {
	control.Error(w, status, code, detail)
}

// Loopback says whether a listen host only takes connections from this
// machine.
func Loopback(host string) bool {
	h := hostOnly(host)
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
