package router

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/heimdall-mock/heimdall-mock/internal/apierr"
	"github.com/heimdall-mock/heimdall-mock/internal/routekey"
)

// Operation is one operation of the loaded spec, as mounted by the router.
type Operation struct {
	Method      string // upper case: GET, POST, ...
	Path        string // the spec's template, e.g. /{app_slug}/v1/auth/signin
	Key         string // Key(Method, Path): what stateful handlers bind to
	OperationID string
	ParamNames  []string // path parameter names in template order
	Spec        *openapi3.Operation
	PathItem    *openapi3.PathItem
}

// Request is what a stateful handler sees: the HTTP request after routing and
// validation, with its path parameters in template order. Handlers read path
// parameters by position because their names change between spec versions.
type Request struct {
	HTTP   *http.Request
	Op     *Operation
	Params []string
	Body   []byte // the raw request body, already read (and size-limited)
}

// Param returns the i-th path parameter, or "" when there is none.
func (r *Request) Param(i int) string {
	if i < 0 || i >= len(r.Params) {
		return ""
	}
	return r.Params[i]
}

// Query returns the first value of a query parameter.
func (r *Request) Query(name string) string { return r.HTTP.URL.Query().Get(name) }

// Header returns a request header.
func (r *Request) Header(name string) string { return r.HTTP.Header.Get(name) }

// Bearer returns the token of an "Authorization: Bearer <token>" header, or "".
func (r *Request) Bearer() string {
	h := r.HTTP.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// Decode unmarshals the JSON body into v. An empty body leaves v untouched.
func (r *Request) Decode(v any) error {
	if len(r.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	return nil
}

// Response is what a handler returns. The router encodes it, validates it
// against the spec and writes it; handlers never touch the ResponseWriter, so
// every response, stateful or generated, passes the same checks.
type Response struct {
	Status int
	Header http.Header // extra headers (Location for redirects, ...)
	Body   any         // encoded as JSON unless Raw is set; nil means no body
	Raw    []byte      // a pre-encoded body, sent as is with ContentType
	// ContentType of Raw; JSON bodies get application/json.
	ContentType string
}

// Handler answers one operation statefully.
type Handler func(*Request) *Response

// JSON is a response with a JSON body.
func JSON(status int, body any) *Response { return &Response{Status: status, Body: body} }

// NoContent is an empty response (204 and friends).
func NoContent(status int) *Response { return &Response{Status: status} }

// Redirect is a 302/303 with a Location header.
func Redirect(status int, location string) *Response {
	return &Response{Status: status, Header: http.Header{"Location": {location}}}
}

// Error is a NestJS-shaped error response.
func Error(status int, message string) *Response {
	return &Response{Status: status, Body: apierr.New(status, message)}
}

// ErrorCode is a NestJS-shaped error response carrying a machine-readable code.
func ErrorCode(status int, code, message string) *Response {
	return &Response{Status: status, Body: apierr.WithCode(status, code, message)}
}

// Key normalises an operation to the form stateful handlers bind to (see
// routekey.Key).
func Key(method, template string) string { return routekey.Key(method, template) }

// Registry holds the stateful handlers, keyed by Key. It is safe for
// concurrent use, so a domain can register while a server is being built.
type Registry struct {
	mu       sync.RWMutex
	handlers map[string]Handler
	extra    map[string][]string // media types a handler reads beyond the spec's
	guard    Handler
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{handlers: map[string]Handler{}, extra: map[string][]string{}}
}

// AcceptBodies lets the handler of method + template read request bodies
// of media types the spec does not declare (an OAuth token endpoint takes
// form posts whatever its spec says). Such bodies skip schema validation:
// the handler checks them.
func (g *Registry) AcceptBodies(method, template string, mediaTypes ...string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := Key(method, template)
	g.extra[k] = append(g.extra[k], mediaTypes...)
}

func (g *Registry) extraBodies(key string) []string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.extra[key]
}

// Guard sets the check every request bound to a handler passes first,
// before request validation, as an authentication guard runs before a
// validation pipe: nil lets the request through, a response is the answer.
// A guard that lets a request through may attach values to its context
// for the handler, and may rewrite its Body with what the credential
// carries (an OAuth client's HTTP Basic credentials stand for the body's
// client_id and client_secret); both are what validation and the handler
// see.
func (g *Registry) Guard(check Handler) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.guard = check
}

func (g *Registry) guardFunc() Handler {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.guard
}

// Serve runs the guard and then the handler bound to key, as the router
// does around validation: for callers that skip the HTTP pipeline.
func (g *Registry) Serve(key string, req *Request) (*Response, bool) {
	h, ok := g.Lookup(key)
	if !ok {
		return nil, false
	}
	if check := g.guardFunc(); check != nil {
		if resp := check(req); resp != nil {
			return resp, true
		}
	}
	return h(req), true
}

// Handle binds h to method + path template (parameter names ignored).
// A later call for the same key replaces the earlier handler.
func (g *Registry) Handle(method, template string, h Handler) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.handlers[Key(method, template)] = h
}

// Lookup returns the handler bound to key, if any.
func (g *Registry) Lookup(key string) (Handler, bool) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	h, ok := g.handlers[key]
	return h, ok
}

// Keys lists the bound keys (unordered).
func (g *Registry) Keys() []string {
	g.mu.RLock()
	defer g.mu.RUnlock()
	out := make([]string, 0, len(g.handlers))
	for k := range g.handlers {
		out = append(out, k)
	}
	return out
}
