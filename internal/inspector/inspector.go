// Package inspector serves the mock's inspector: a page at /__mock/ui that
// shows, live, the apps, users, sessions, tokens, outbox, request journal,
// clock and faults of a running mock, and the read-only JSON routes under
// /__mock/inspect/ it needs beyond the control plane's own. The page is
// plain HTML, CSS and JavaScript embedded in the binary; every change it
// makes (clock, faults, key rotation, clearing the outbox) goes through the
// same control routes tests use.
package inspector

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/heimdall-mock/heimdall-mock/internal/control"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/httpapi"
	"github.com/heimdall-mock/heimdall-mock/internal/journal"
	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

//go:embed assets
var assetFS embed.FS

// PagePath is where the page is served.
const PagePath = control.Prefix + "/ui"

// APIPrefix is the root of the inspector's JSON routes.
const APIPrefix = control.Prefix + "/inspect"

// maxTokenBody bounds POST /__mock/inspect/token; a JWT is a few KiB.
const maxTokenBody = 64 << 10

// Deps are what the inspector reads.
type Deps struct {
	// Domain is the Heimdall domain; nil (a plain spec mock) makes the
	// inspect routes answer 501 while the page still shows the journal,
	// clock and faults.
	Domain  Domain
	Journal *journal.Journal
}

// Mount registers the page and the inspect routes on mux, the control
// plane's mux.
func Mount(mux *http.ServeMux, d Deps) {
	assets, err := fs.Sub(assetFS, "assets")
	if err != nil {
		// The folder is embedded at build time; failing is a build bug.
		panic("inspector: embedded assets missing: " + err.Error())
	}
	files := http.StripPrefix(PagePath+"/", http.FileServerFS(assets))
	mux.HandleFunc("GET "+PagePath, func(w http.ResponseWriter, r *http.Request) { servePage(w, r, assets) })
	mux.HandleFunc("GET "+PagePath+"/{$}", func(w http.ResponseWriter, r *http.Request) { servePage(w, r, assets) })
	mux.HandleFunc("GET "+PagePath+"/{file}", func(w http.ResponseWriter, r *http.Request) {
		pageHeaders(w)
		files.ServeHTTP(w, r)
	})
	h := &handlers{d: d}
	mux.HandleFunc("GET "+APIPrefix+"/apps", h.apps)
	mux.HandleFunc("GET "+APIPrefix+"/apps/{slug}/users", h.users)
	mux.HandleFunc("GET "+APIPrefix+"/apps/{slug}/users/{id}", h.user)
	mux.HandleFunc("POST "+APIPrefix+"/token", h.token)
}

// pageHeaders keep the page's scripts to its own files and stop browsers
// caching a page whose assets change with the binary.
func pageHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "no-cache")
}

func servePage(w http.ResponseWriter, r *http.Request, assets fs.FS) {
	page, err := fs.ReadFile(assets, "index.html")
	if err != nil {
		control.Error(w, http.StatusInternalServerError, "no_page", err.Error())
		return
	}
	pageHeaders(w)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(page)
}

type handlers struct{ d Deps }

// domain answers 501 itself when there is no domain to inspect.
func (h *handlers) domain(w http.ResponseWriter, r *http.Request) Domain {
	if h.d.Domain == nil {
		control.Error(w, http.StatusNotImplemented, "not_available",
			"this mock runs without the Heimdall domain, so "+r.URL.Path+" has nothing to show")
	}
	return h.d.Domain
}

func (h *handlers) apps(w http.ResponseWriter, r *http.Request) {
	dom := h.domain(w, r)
	if dom == nil {
		return
	}
	control.WriteJSON(w, http.StatusOK, appViews(dom.InspectApps(httpapi.OriginOf(r))))
}

func (h *handlers) users(w http.ResponseWriter, r *http.Request) {
	dom := h.domain(w, r)
	if dom == nil {
		return
	}
	limit := maxUsers
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			control.Error(w, http.StatusBadRequest, "invalid_query", "limit: "+strconv.Quote(s)+" must be a positive integer")
			return
		}
		limit = min(n, maxUsers)
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	list, err := dom.InspectUsers(r.PathValue("slug"), q, limit)
	if err != nil {
		notFound(w, err)
		return
	}
	control.WriteJSON(w, http.StatusOK, userList(list))
}

func (h *handlers) user(w http.ResponseWriter, r *http.Request) {
	dom := h.domain(w, r)
	if dom == nil {
		return
	}
	u, err := dom.InspectUser(r.PathValue("slug"), r.PathValue("id"))
	if err != nil {
		notFound(w, err)
		return
	}
	control.WriteJSON(w, http.StatusOK, userDetail(u, h.issuedTokens(u.Sessions)))
}

type seenToken struct{ token, requestID string }

// issuedTokens finds, for each session, the newest access token a journaled
// response carried (sign-up, sign-in, refresh, MFA, minted tokens). The
// domain keeps no access tokens, only the journal has them.
func (h *handlers) issuedTokens(sessions []heimdall.SessionSnapshot) map[string]seenToken {
	out := map[string]seenToken{}
	if h.d.Journal == nil || len(sessions) == 0 {
		return out
	}
	want := make(map[string]bool, len(sessions))
	for _, s := range sessions {
		want[s.ID] = true
	}
	marker := []byte(`"access_token"`)
	for _, e := range h.d.Journal.List(0) { // newest first
		if len(out) == len(want) {
			break
		}
		if !bytes.Contains(e.ResponseBody, marker) {
			continue
		}
		var body struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(e.ResponseBody, &body) != nil || body.AccessToken == "" {
			continue
		}
		_, claims, err := keys.DecodeUnverified(body.AccessToken)
		if err != nil {
			continue
		}
		sid, _ := claims["sid"].(string)
		if _, done := out[sid]; want[sid] && !done {
			out[sid] = seenToken{token: body.AccessToken, requestID: e.ID}
		}
	}
	return out
}

func (h *handlers) token(w http.ResponseWriter, r *http.Request) {
	dom := h.domain(w, r)
	if dom == nil {
		return
	}
	var in struct {
		Token string `json:"token"`
	}
	data, err := readAll(r, maxTokenBody)
	if err != nil {
		control.Error(w, http.StatusBadRequest, "invalid_body", err.Error())
		return
	}
	if err := control.DecodeStrict(data, &in); err != nil {
		control.Error(w, http.StatusBadRequest, "invalid_json", err.Error())
		return
	}
	control.WriteJSON(w, http.StatusOK, tokenReport(dom.InspectToken(cleanToken(in.Token), httpapi.OriginOf(r))))
}

func readAll(r *http.Request, limit int64) ([]byte, error) {
	data, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errors.New("body over " + strconv.FormatInt(limit, 10) + " bytes")
		}
		return nil, err
	}
	return data, nil
}

func notFound(w http.ResponseWriter, err error) {
	if errors.Is(err, heimdall.ErrNotFound) {
		control.Error(w, http.StatusNotFound, "not_found", err.Error())
		return
	}
	control.Error(w, http.StatusInternalServerError, "internal", err.Error())
}
