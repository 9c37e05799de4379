package guard

import (
	"net/http"
	"strings"
)

// CORS configures cross-origin access to the API routes (never the
// control plane, which Control closes to other origins).
type CORS struct {
	// Origins allowed to call the API; empty or "*" allows every origin,
	// as Prism does, since the mock holds nothing but test data there.
	Origins []string
}

// defaultAllowHeaders are granted on a preflight that names none: what the
// SDKs and common clients send.
const defaultAllowHeaders = "authorization, content-type, x-api-key, x-request-id, prefer"

// exposeHeaders are the response headers a browser client may read.
const exposeHeaders = "Location, Retry-After, ETag, Link, X-Request-Id, X-Mock-Reason, X-Mock-Fault, WWW-Authenticate"

// Wrap returns next answering CORS: the allowed Origin is echoed (with
// credentials allowed, for cookie-based flows) and preflights are answered
// here with 204, whatever the spec says about OPTIONS.
func (c CORS) Wrap(next http.Handler) http.Handler {
	anyOrigin := len(c.Origins) == 0
	allowed := map[string]bool{}
	for _, o := range c.Origins {
		o = strings.ToLower(strings.TrimRight(strings.TrimSpace(o), "/"))
		if o == "*" {
			anyOrigin = true
		}
		allowed[o] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		ok := anyOrigin || allowed[strings.ToLower(strings.TrimRight(origin, "/"))]
		preflight := r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != ""
		if !ok {
			if preflight {
				// No grant: the browser blocks the call and the page learns why.
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
			return
		}
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Credentials", "true")
		if !preflight {
			h.Set("Access-Control-Expose-Headers", exposeHeaders)
			next.ServeHTTP(w, r)
			return
		}
		h.Add("Vary", "Access-Control-Request-Method")
		h.Add("Vary", "Access-Control-Request-Headers")
		h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD")
		if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
			h.Set("Access-Control-Allow-Headers", req)
		} else {
			h.Set("Access-Control-Allow-Headers", defaultAllowHeaders)
		}
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
	})
}
