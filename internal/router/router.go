// Package router serves an OpenAPI document as an HTTP API: it matches
// requests to operations, rejects what the spec forbids with NestJS-shaped
// errors, answers each operation from its stateful handler or from the spec
// (examples, then generated data), checks every answer against the spec and
// records the exchange in the journal.
package router

import (
	"bytes"
	"cmp"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/heimdall-mock/heimdall-mock/internal/apierr"
	"github.com/heimdall-mock/heimdall-mock/internal/faults"
	"github.com/heimdall-mock/heimdall-mock/internal/journal"
	"github.com/heimdall-mock/heimdall-mock/internal/redact"
	"github.com/heimdall-mock/heimdall-mock/internal/routekey"
	"github.com/heimdall-mock/heimdall-mock/internal/violation"
)

// Defaults for the zero Options fields.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultMaxJSONDepth = 64
)

// StatusClientClosed is journaled when the client gave up during an injected
// delay (nginx's convention; nothing is written to the client).
const StatusClientClosed = 499

// Options configure a Router.
type Options struct {
	Registry *Registry // stateful handlers; nil means every operation is generated
	// Generate makes a fake value for a schema; the same seed gives the same
	// value. Nil leaves bodies without an example empty.
	Generate         func(schema *openapi3.SchemaRef, seed uint64) any
	Seed             int64
	ValidateRequests bool
	Strict           bool // responses that break the spec become 500s
	MaxBodyBytes     int64
	MaxJSONDepth     int
	Journal          *journal.Journal
	Faults           *faults.Registry
	Logger           *slog.Logger     // one line per request; nil logs nothing
	Now              func() time.Time // the mock clock, for journal timestamps
	// Adapters, when set, is asked once per operation, at the first
	// stateful request, for the translation between its stateful handler's dialect and the spec;
	// nil means the handler's bodies fit the spec as they are.
	Adapters func(method, template string) Adapter
}

// Adapter carries a stateful handler's bodies between the dialect the
// handler is written in and the served spec's: the request after it was
// validated against the spec, the response before it is. Each returns
// what it changed, which the journal records.
type Adapter interface {
	Request(body []byte) ([]byte, []string)
	Response(status int, body []byte) ([]byte, []string)
}

// Router serves a spec: every operation is mounted, requests are validated,
// and each is answered by its stateful handler or from the spec.
type Router struct {
	*Compiled
	opts Options
	gen  uintptr // identifies opts.Generate in the shared response cache
	// adapters is per server (the compiled routes are shared) and built at
	// the first stateful request: planning them compares two whole specs,
	// which a start that only waits for the listener should not pay for.
	adapters     map[*route]Adapter
	adaptersOnce sync.Once
	// domainless: no operation has a stateful handler, so the spec's own
	// error responses shape the mock's refusals.
	domainless bool
}

// Compiled is the immutable part of a router built from one document: the
// route tree, the operations and the generated-response cache. Any number
// of routers, each with its own handlers, journal, faults and clock, can
// share one, so a test that starts a fresh mock per case pays for
// compiling the spec once per process.
type Compiled struct {
	doc       *openapi3.T
	root      *node
	ops       []*Operation
	routes    []*route
	reqOpts   *openapi3filter.Options
	formOpts  *openapi3filter.Options // reqOpts for a body the handler reads unvalidated
	respOpts  *openapi3filter.Options
	schemaOps []openapi3.SchemaValidationOption
	checked   checkedResponses
	shapes    map[int]*route // errorShapes
}

// route is an operation with everything the hot path needs precomputed.
type route struct {
	op          *Operation
	kin         *routers.Route
	bodyTypes   []string // declared request media types
	credentials [][]credential
	slugIndex   int // index of the app slug parameter, -1 when none
	defaultCode int // the status a generated response uses without Prefer

	mu    sync.RWMutex
	cache map[cacheKey]*prepared
}

// credential is one secret a security scheme reads: where (header, query,
// cookie; "" for nothing the mock can see), under which name, and for an
// HTTP scheme the auth-scheme word the header's value starts with.
type credential struct{ in, name, scheme string }

// find says whether req carries the credential, and when it does not, how
// the request should have carried it.
func (c credential) find(req *http.Request) (ok bool, want string) {
	switch c.in {
	case "":
		return true, ""
	case "query":
		return req.URL.Query().Get(c.name) != "", "query parameter " + c.name
	case "cookie":
		ck, err := req.Cookie(c.name)
		return err == nil && ck.Value != "", "cookie " + c.name
	}
	v := strings.TrimSpace(req.Header.Get(c.name))
	if c.scheme == "" {
		return v != "", "header " + c.name
	}
	word, rest, _ := strings.Cut(v, " ")
	return strings.EqualFold(word, c.scheme) && strings.TrimSpace(rest) != "",
		fmt.Sprintf("header %s: %s <credentials>", c.name, authScheme(c.scheme))
}

// authScheme spells an HTTP auth-scheme as its RFC does ("Bearer",
// "Basic"), whatever case the document uses.
func authScheme(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}

// New mounts every operation of doc.
func New(doc *openapi3.T, opts Options) (*Router, error) {
	c, err := Compile(doc)
	if err != nil {
		return nil, err
	}
	return c.Router(opts), nil
}

// Compile builds the route tree of doc. The document must not change
// afterwards: routers built from the result read it concurrently.
func Compile(doc *openapi3.T) (*Compiled, error) {
	if doc == nil {
		return nil, errors.New("router: no document")
	}
	r := &Compiled{doc: doc, root: &node{}, schemaOps: violation.FormatOptions()}
	r.reqOpts = &openapi3filter.Options{
		MultiError:              true,
		SkipSettingDefaults:     true,
		AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
		SchemaValidationOptions: r.schemaOps,
	}
	r.respOpts = &openapi3filter.Options{MultiError: true, SchemaValidationOptions: r.schemaOps}
	formOpts := *r.reqOpts
	formOpts.ExcludeRequestBody = true
	r.formOpts = &formOpts

	if doc.Paths != nil {
		paths := doc.Paths.Keys()
		sort.Strings(paths)
		for _, path := range paths {
			item := doc.Paths.Value(path)
			if item == nil {
				continue
			}
			ops := item.Operations()
			methods := slices.Sorted(maps.Keys(ops))
			for _, m := range methods {
				rt := r.newRoute(path, strings.ToUpper(m), item, ops[m])
				r.root.insert(path, rt)
				r.ops = append(r.ops, rt.op)
				r.routes = append(r.routes, rt)
			}
		}
	}
	r.root.finish()
	r.shapes = errorShapes(r.routes)
	return r, nil
}

// Router binds the compiled spec to one server's handlers, journal, faults
// and clock. It is cheap: nothing of the spec is parsed or built again.
func (c *Compiled) Router(opts Options) *Router {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxJSONDepth <= 0 {
		opts.MaxJSONDepth = DefaultMaxJSONDepth
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	r := &Router{Compiled: c, opts: opts}
	if opts.Generate != nil {
		r.gen = reflect.ValueOf(opts.Generate).Pointer()
	}
	r.domainless = true
	for _, rt := range c.routes {
		if r.handler(rt.op) != nil {
			r.domainless = false
			break
		}
	}
	return r
}

// adapter is rt's translation, nil when its bodies need none.
func (r *Router) adapter(rt *route) Adapter {
	r.adaptersOnce.Do(func() {
		if r.opts.Adapters == nil {
			return
		}
		for _, rt := range r.routes {
			if a := r.opts.Adapters(rt.op.Method, rt.op.Path); a != nil {
				if r.adapters == nil {
					r.adapters = map[*route]Adapter{}
				}
				r.adapters[rt] = a
			}
		}
	})
	return r.adapters[rt]
}

// Doc is the document the routes were built from.
func (c *Compiled) Doc() *openapi3.T { return c.doc }

func (r *Compiled) newRoute(path, method string, item *openapi3.PathItem, spec *openapi3.Operation) *route {
	op := &Operation{
		Method:      method,
		Path:        path,
		Key:         Key(method, path),
		OperationID: spec.OperationID,
		ParamNames:  routekey.Params(path),
		Spec:        spec,
		PathItem:    item,
	}
	rt := &route{
		op:          op,
		kin:         &routers.Route{Spec: r.doc, Path: path, PathItem: item, Method: method, Operation: spec},
		slugIndex:   -1,
		defaultCode: defaultStatus(spec),
		cache:       map[cacheKey]*prepared{},
	}
	for i, name := range op.ParamNames {
		n := strings.ToLower(slugSeparators.Replace(name))
		if n == "appslug" || n == "slug" {
			rt.slugIndex = i
			break
		}
	}
	if spec.RequestBody != nil && spec.RequestBody.Value != nil {
		for mt := range spec.RequestBody.Value.Content {
			rt.bodyTypes = append(rt.bodyTypes, mt)
		}
		sort.Strings(rt.bodyTypes)
	}
	rt.credentials = r.credentialsFor(spec)
	return rt
}

// slugSeparators strips what may separate the words of an app slug
// parameter's name. One replacer for every route: building one per
// parameter was a quarter of compiling a spec, which a start waits for.
var slugSeparators = strings.NewReplacer("_", "", "-", "")

// credentialsFor lists the ways a request may authenticate to the
// operation: any one of the alternatives, each needing all its
// credentials (OpenAPI's security requirements). Nil when the operation
// is public.
func (r *Compiled) credentialsFor(spec *openapi3.Operation) [][]credential {
	reqs := r.doc.Security
	if spec.Security != nil {
		reqs = *spec.Security
	}
	if len(reqs) == 0 {
		return nil
	}
	var out [][]credential
	for _, req := range reqs {
		if len(req) == 0 {
			return nil // an empty requirement makes authentication optional
		}
		var all []credential
		for _, name := range slices.Sorted(maps.Keys(req)) {
			all = append(all, r.credentialFor(name))
		}
		out = append(out, all)
	}
	return out
}

// credentialFor is where the security scheme name reads its secret. An
// HTTP scheme (and OAuth 2 and OpenID Connect, whose access tokens travel
// as bearer tokens) names the auth-scheme its Authorization header must
// start with; a scheme the document does not define takes any
// Authorization header.
func (r *Compiled) credentialFor(name string) credential {
	c := credential{in: "header", name: "Authorization"}
	if r.doc.Components == nil {
		return c
	}
	s := r.doc.Components.SecuritySchemes[name]
	if s == nil || s.Value == nil {
		return c
	}
	switch strings.ToLower(s.Value.Type) {
	case "apikey":
		return credential{in: strings.ToLower(s.Value.In), name: s.Value.Name}
	case "http":
		c.scheme = s.Value.Scheme
	case "oauth2", "openidconnect":
		c.scheme = "Bearer"
	case "mutualtls":
		return credential{} // the TLS layer's business: nothing to check here
	}
	return c
}

// defaultStatus is the lowest documented 2xx, else the lowest 3xx (OAuth
// redirects document only those), else 200.
func defaultStatus(spec *openapi3.Operation) int {
	best2, best3 := 0, 0
	if spec.Responses != nil {
		for code := range spec.Responses.Map() {
			n, err := strconv.Atoi(code)
			switch {
			case err != nil:
			case n >= 200 && n < 300 && (best2 == 0 || n < best2):
				best2 = n
			case n >= 300 && n < 400 && (best3 == 0 || n < best3):
				best3 = n
			}
		}
	}
	switch {
	case best2 != 0:
		return best2
	case best3 != 0:
		return best3
	}
	return http.StatusOK
}

// Operations lists the mounted operations sorted by path, then method.
func (r *Compiled) Operations() []*Operation { return append([]*Operation(nil), r.ops...) }

// Match finds the operation for an escaped request path. pathKnown tells a
// wrong method (true) from an unknown path (false).
func (r *Router) Match(method, path string) (op *Operation, params []string, pathKnown bool) {
	n, params := r.root.lookup(path)
	if n == nil {
		return nil, nil, false
	}
	rt := n.routes[strings.ToUpper(method)]
	if rt == nil && strings.EqualFold(method, http.MethodHead) {
		rt = n.routes[http.MethodGet]
	}
	if rt == nil {
		return nil, nil, true
	}
	return rt.op, params, true
}

// CheckFault reports why f could never fire on this spec: an operationId
// no operation has, or a method and path no operation answers. Such a
// fault is a typo in a test, which would otherwise pass without the
// failure it meant to inject.
func (r *Router) CheckFault(f faults.Fault) error {
	if f.OperationID != "" {
		for _, op := range r.ops {
			if op.OperationID == f.OperationID {
				return nil
			}
		}
		return fmt.Errorf("operation_id: the spec has no operation %s", f.OperationID)
	}
	n, _ := r.root.lookup(f.Path)
	if n == nil {
		return fmt.Errorf("no operation answers %s %s", strings.ToUpper(f.Method), f.Path)
	}
	op, _, _ := r.Match(f.Method, f.Path)
	if op == nil {
		return fmt.Errorf("%s %s: no such operation; allowed: %s", strings.ToUpper(f.Method), f.Path, n.allow)
	}
	// A template must be the spec's own: the fault compares it as written.
	if strings.Contains(f.Path, "{") && strings.TrimSuffix(f.Path, "/") != op.Path {
		return fmt.Errorf("path %s: the spec's template is %s", f.Path, op.Path)
	}
	return nil
}

// Coverage says which operations have a stateful handler.
type Coverage struct {
	Stateful   int          `json:"stateful"`
	Generated  int          `json:"generated"`
	Operations []CoverageOp `json:"operations"`
}

// CoverageOp is one operation's mode: "stateful" or "generated".
type CoverageOp struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Mode   string `json:"mode"`
}

// Coverage reports, per operation, whether a stateful handler answers it.
func (r *Router) Coverage() Coverage {
	c := Coverage{Operations: make([]CoverageOp, 0, len(r.ops))}
	for _, op := range r.ops {
		mode := "generated"
		if r.handler(op) != nil {
			mode = "stateful"
			c.Stateful++
		} else {
			c.Generated++
		}
		c.Operations = append(c.Operations, CoverageOp{Method: op.Method, Path: op.Path, Mode: mode})
	}
	return c
}

func (r *Router) handler(op *Operation) Handler {
	if r.opts.Registry == nil {
		return nil
	}
	h, _ := r.opts.Registry.Lookup(op.Key)
	return h
}

// exchange is one request on its way through the pipeline.
type exchange struct {
	start   time.Time
	req     *http.Request
	rt      *route
	params  []string
	body    []byte
	sent    []byte // the body as sent, when a guard rewrote body; else nil
	head    bool
	dropped bool
	// extraBody: the body is of a media type the handler accepts beyond
	// the spec's, so it is not validated against the spec's schema.
	extraBody bool

	status      int
	header      http.Header
	contentType string
	respBody    []byte
	reqErrors   []string
	respErrors  []string
	adaptations []string
	answeredBy  string // journal.Entry.AnsweredBy
	faultID     string
	refused     bool  // the mock's own error: a request the spec forbids
	pathNode    *node // the path a refused method was sent to (405)
}

// ServeHTTP runs the pipeline: route, faults, body checks, authentication
// presence, request validation, dispatch, response validation, journal.
func (r *Router) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	x := &exchange{start: time.Now(), req: req}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			x.respErrors = append(x.respErrors, fmt.Sprintf("panic: %v", p))
			x.fail(http.StatusInternalServerError, apierr.New(http.StatusInternalServerError, "Internal server error"))
			r.finish(w, x)
		}
	}()
	if r.serve(w, x) {
		r.finish(w, x)
	}
}

// serve fills x with the response; false means nothing is to be written
// (the connection was dropped or the client went away).
func (r *Router) serve(w http.ResponseWriter, x *exchange) bool {
	req := x.req
	n, params := r.root.lookup(req.URL.EscapedPath())
	if n == nil {
		x.refuse(http.StatusNotFound, apierr.New(http.StatusNotFound, "Cannot "+req.Method+" "+req.URL.RequestURI()))
		return true
	}
	method := strings.ToUpper(req.Method)
	rt := n.routes[method]
	x.head = method == http.MethodHead
	if rt == nil && x.head {
		rt = n.routes[http.MethodGet]
	}
	if rt == nil {
		x.header = http.Header{"Allow": {n.allow}}
		if method == http.MethodOptions {
			x.status = http.StatusNoContent
			return true
		}
		x.pathNode = n
		x.refuse(http.StatusMethodNotAllowed, apierr.New(http.StatusMethodNotAllowed,
			fmt.Sprintf("Method %s is not allowed on %s; allowed: %s", req.Method, req.URL.Path, n.allow)))
		return true
	}
	x.rt, x.params = rt, params

	if f, ok := r.opts.Faults.Take(rt.op.OperationID, method, rt.op.Path, req.URL.Path); ok {
		x.answeredBy, x.faultID = "fault", f.ID
		if done, write := r.applyFault(w, x, f); done {
			return write
		}
	}

	if !r.readBody(x) || !r.checkBody(x) || !r.checkCredentials(x) {
		return true
	}
	pref, perr := parsePrefer(req.Header.Values("Prefer"))
	// A status or an example the client asks for by name is the spec's
	// answer, so it bypasses the stateful handler (Prism's convention).
	var h Handler
	if perr == "" && pref.code == 0 && pref.example == "" {
		h = r.handler(rt.op)
	}
	// The real service's guards run before its validation pipes: a bad
	// credential is a 401/403 whatever the body holds.
	if h != nil && !r.guardStateful(x) {
		return true
	}
	if !r.validateRequest(x) {
		return true
	}
	if perr != "" {
		x.reqErrors = append(x.reqErrors, perr)
		x.refuse(http.StatusBadRequest, apierr.Validation([]string{perr}))
		return true
	}
	if pref != (prefer{}) && x.answeredBy == "" {
		x.answeredBy = "prefer"
	}
	if h != nil {
		r.dispatchStateful(x, h)
		return true
	}
	r.dispatchGenerated(x, pref)
	return true
}

// applyFault applies an injected fault. done means the pipeline stops here;
// write says whether a response is to be written.
func (r *Router) applyFault(w http.ResponseWriter, x *exchange, f faults.Fault) (done, write bool) {
	if f.DelayMS > 0 {
		t := time.NewTimer(time.Duration(f.DelayMS) * time.Millisecond)
		select {
		case <-t.C:
		case <-x.req.Context().Done():
			t.Stop()
			x.status = StatusClientClosed
			x.respErrors = append(x.respErrors, "client went away during injected delay")
			r.record(x)
			return true, false
		}
	}
	if f.DropConnection {
		x.dropped = true
		x.respErrors = append(x.respErrors, "connection dropped by fault "+f.ID)
		r.record(x)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true, false
			}
		}
		// Without hijacking (HTTP/2, recorders), aborting the handler is
		// how net/http resets the stream without a response.
		panic(http.ErrAbortHandler)
	}
	if f.Status == 0 {
		return false, false
	}
	if len(f.Body) > 0 {
		x.status, x.contentType, x.respBody = f.Status, "application/json", f.Body
	} else {
		x.fail(f.Status, apierr.New(f.Status, apierr.Reason(f.Status)))
	}
	return true, true
}

func (r *Router) readBody(x *exchange) bool {
	req := x.req
	if req.Body == nil || req.Body == http.NoBody {
		return true
	}
	tooLarge := func() bool {
		msg := fmt.Sprintf("request body is larger than %d bytes", r.opts.MaxBodyBytes)
		x.reqErrors = append(x.reqErrors, msg)
		x.refuse(http.StatusRequestEntityTooLarge, apierr.New(http.StatusRequestEntityTooLarge, msg))
		return false
	}
	if req.ContentLength > r.opts.MaxBodyBytes {
		return tooLarge()
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, r.opts.MaxBodyBytes+1))
	if err != nil {
		msg := "reading request body: " + err.Error()
		x.reqErrors = append(x.reqErrors, msg)
		x.refuse(http.StatusBadRequest, apierr.Validation([]string{msg}))
		return false
	}
	if int64(len(body)) > r.opts.MaxBodyBytes {
		return tooLarge()
	}
	enc := strings.ToLower(strings.TrimSpace(req.Header.Get("Content-Encoding")))
	if enc != "" && enc != "identity" {
		inflated, status, msg := r.inflate(enc, body)
		if msg != "" {
			x.reqErrors = append(x.reqErrors, msg)
			if status == http.StatusBadRequest {
				x.refuse(status, apierr.Validation([]string{msg}))
			} else {
				x.refuse(status, apierr.New(status, msg))
			}
			return false
		}
		body = inflated
	}
	x.body = body
	return true
}

// inflate undoes a Content-Encoding as Express's body parser does: gzip
// and deflate are inflated, anything else is refused with 415. The limit
// applies to the inflated body, so a small upload cannot expand past it.
func (r *Router) inflate(encoding string, body []byte) (out []byte, status int, msg string) {
	var zr io.ReadCloser
	var err error
	switch encoding {
	case "gzip", "x-gzip":
		zr, err = gzip.NewReader(bytes.NewReader(body))
	case "deflate":
		zr, err = zlib.NewReader(bytes.NewReader(body))
	default:
		return nil, http.StatusUnsupportedMediaType, "unsupported content encoding " + encoding
	}
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Sprintf("body: is not valid %s: %v", encoding, err)
	}
	defer zr.Close()
	out, err = io.ReadAll(io.LimitReader(zr, r.opts.MaxBodyBytes+1))
	if err != nil {
		return nil, http.StatusBadRequest, fmt.Sprintf("body: is not valid %s: %v", encoding, err)
	}
	if int64(len(out)) > r.opts.MaxBodyBytes {
		return nil, http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", r.opts.MaxBodyBytes)
	}
	return out, 0, ""
}

// checkBody rejects bodies of an undeclared media type (415) and JSON that
// is not valid UTF-8, nests too deep or does not parse (400), before any
// decoder sees them.
func (r *Router) checkBody(x *exchange) bool {
	if len(x.body) == 0 || len(x.rt.bodyTypes) == 0 {
		return true
	}
	ct := x.req.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if err == nil && !accepts(x.rt.bodyTypes, mt) && r.opts.Registry != nil && accepts(r.opts.Registry.extraBodies(x.rt.op.Key), mt) {
		x.extraBody = true
		return true
	}
	if err != nil || !accepts(x.rt.bodyTypes, mt) {
		got := ct
		if got == "" {
			got = "none"
		}
		msg := fmt.Sprintf("Content-Type %s is not supported; expected %s", got, strings.Join(x.rt.bodyTypes, " or "))
		x.reqErrors = append(x.reqErrors, msg)
		x.refuse(http.StatusUnsupportedMediaType, apierr.New(http.StatusUnsupportedMediaType, msg))
		return false
	}
	if !isJSONType(mt) {
		return true
	}
	// JSON is UTF (RFC 8259); Express refuses any other charset with 415.
	if cs := params["charset"]; cs != "" && !strings.HasPrefix(strings.ToLower(cs), "utf-") {
		msg := "unsupported charset " + strings.ToUpper(cs)
		x.reqErrors = append(x.reqErrors, msg)
		x.refuse(http.StatusUnsupportedMediaType, apierr.New(http.StatusUnsupportedMediaType, msg))
		return false
	}
	bad := func(msg string) bool {
		x.reqErrors = append(x.reqErrors, msg)
		x.refuse(http.StatusBadRequest, apierr.Validation([]string{msg}))
		return false
	}
	// Express's body parser drops a UTF-8 byte-order mark (Windows tools
	// write one), so the real service accepts such a body; so does the mock.
	x.body = bytes.TrimPrefix(x.body, utf8BOM)
	if !utf8.Valid(x.body) {
		return bad("body: is not valid UTF-8")
	}
	if depthExceeds(x.body, r.opts.MaxJSONDepth) {
		return bad(fmt.Sprintf("body: JSON is nested deeper than %d levels", r.opts.MaxJSONDepth))
	}
	if !json.Valid(x.body) {
		var raw json.RawMessage
		err := json.Unmarshal(x.body, &raw)
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return bad(fmt.Sprintf("body: malformed JSON at offset %d: %s", syn.Offset, syn.Error()))
		}
		return bad("body: malformed JSON: unexpected end of input")
	}
	return true
}

var utf8BOM = []byte("\ufeff")

func accepts(declared []string, mt string) bool {
	for _, d := range declared {
		d = strings.ToLower(d)
		if d == mt || d == "*/*" {
			return true
		}
		if strings.HasSuffix(d, "/*") && strings.HasPrefix(mt, strings.TrimSuffix(d, "*")) {
			return true
		}
	}
	return false
}

func isJSONType(mt string) bool {
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// depthExceeds reports whether JSON data nests deeper than limit. It only
// tracks brackets outside strings, so it costs one pass and no allocation,
// and runs before a decoder could recurse that deep.
func depthExceeds(data []byte, limit int) bool {
	depth, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > limit {
				return true
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return false
}

// checkCredentials answers 401 for a secured operation without a stateful
// handler when the request carries none of the ways the operation
// authenticates (a bearer scheme takes "Authorization: Bearer <token>",
// not Basic); whether a present credential is valid is the domain's to
// judge. The 401 names the HTTP auth-schemes in WWW-Authenticate, as
// RFC 9110 asks.
func (r *Router) checkCredentials(x *exchange) bool {
	if len(x.rt.credentials) == 0 || r.handler(x.rt.op) != nil {
		return true
	}
	var wants, challenges []string
	for _, alt := range x.rt.credentials {
		missing := ""
		for _, c := range alt {
			if ok, want := c.find(x.req); !ok && missing == "" {
				missing = want
			}
			if c.scheme != "" && !slices.Contains(challenges, authScheme(c.scheme)) {
				challenges = append(challenges, authScheme(c.scheme))
			}
		}
		if missing == "" {
			return true
		}
		if !slices.Contains(wants, missing) {
			wants = append(wants, missing)
		}
	}
	x.reqErrors = append(x.reqErrors, "missing credentials: the operation takes "+strings.Join(wants, " or "))
	if len(challenges) > 0 {
		x.header = http.Header{"Www-Authenticate": {strings.Join(challenges, ", ")}}
	}
	x.refuse(http.StatusUnauthorized, apierr.New(http.StatusUnauthorized, "Unauthorized"))
	return false
}

func (r *Router) validateRequest(x *exchange) bool {
	if !r.opts.ValidateRequests {
		return true
	}
	req := *x.req // shallow copy: the validator consumes Body
	req.Body = io.NopCloser(bytes.NewReader(x.body))
	req.ContentLength = int64(len(x.body))
	pathParams := make(map[string]string, len(x.params))
	for i, name := range x.rt.op.ParamNames {
		if i < len(x.params) {
			pathParams[name] = x.params[i]
		}
	}
	input := &openapi3filter.RequestValidationInput{
		Request:    &req,
		PathParams: pathParams,
		Route:      x.rt.kin,
		Options:    r.reqOpts,
	}
	if x.extraBody {
		input.Options = r.formOpts
	}
	err := openapi3filter.ValidateRequest(x.req.Context(), input)
	if err == nil {
		return true
	}
	msgs := violation.Request(err)
	if r.handler(x.rt.op) != nil {
		// A missing Authorization header is the handler's to judge, as the
		// real service's guard does before any validation: 401 where a
		// credential is needed, nothing where it is optional.
		msgs = slices.DeleteFunc(msgs, func(m string) bool { return strings.EqualFold(m, "header.authorization: is required") })
		if len(msgs) == 0 {
			return true
		}
	}
	x.reqErrors = append(x.reqErrors, msgs...)
	x.refuse(http.StatusBadRequest, apierr.Validation(msgs))
	return false
}

// guardStateful runs the registry's guard, if any, on a request bound for
// a stateful handler, before the request is validated; false means the
// guard answered. What the guard attaches to the request's context, and a
// body it rewrote, reach validation and the handler; the journal keeps
// the body as sent.
func (r *Router) guardStateful(x *exchange) bool {
	g := r.opts.Registry.guardFunc()
	if g == nil {
		return true
	}
	req := &Request{HTTP: x.req, Op: x.rt.op, Params: x.params, Body: x.body}
	resp, panicked := func() (resp *Response, panicked bool) {
		defer func() {
			if p := recover(); p != nil {
				x.respErrors = append(x.respErrors, fmt.Sprintf("guard panic: %v", p))
				resp, panicked = nil, true
			}
		}()
		return g(req), false
	}()
	if resp == nil && !panicked {
		x.req = req.HTTP
		if !bytes.Equal(req.Body, x.body) {
			x.sent, x.body = x.body, req.Body
		}
		return true
	}
	r.answerStateful(x, resp, r.adapters[x.rt])
	return false
}

func (r *Router) dispatchStateful(x *exchange, h Handler) {
	body := x.body
	adapter := r.adapter(x.rt)
	if adapter != nil && len(body) > 0 {
		var changes []string
		body, changes = adapter.Request(body)
		x.adaptations = append(x.adaptations, changes...)
	}
	x.req.Body = io.NopCloser(bytes.NewReader(body))
	r.answerStateful(x, callHandler(h, &Request{HTTP: x.req, Op: x.rt.op, Params: x.params, Body: body}, &x.respErrors), adapter)
}

// answerStateful sets a stateful handler's (or guard's) response, adapted
// to the served spec and checked against it.
func (r *Router) answerStateful(x *exchange, resp *Response, adapter Adapter) {
	if resp == nil {
		x.fail(http.StatusInternalServerError, apierr.New(http.StatusInternalServerError, "Internal server error"))
		return
	}
	x.status, x.header = resp.Status, resp.Header
	switch {
	case resp.Raw != nil:
		x.respBody, x.contentType = resp.Raw, resp.ContentType
		if x.contentType == "" {
			x.contentType = "application/octet-stream"
		}
	case resp.Body != nil:
		b, err := json.Marshal(resp.Body)
		if err != nil {
			x.respErrors = append(x.respErrors, "encoding response body: "+err.Error())
			x.fail(http.StatusInternalServerError, apierr.New(http.StatusInternalServerError, "Internal server error"))
			return
		}
		x.respBody, x.contentType = b, "application/json"
		if adapter != nil {
			var changes []string
			x.respBody, changes = adapter.Response(x.status, x.respBody)
			x.adaptations = append(x.adaptations, changes...)
		}
	}
	if x.status < 100 || x.status > 599 {
		x.respErrors = append(x.respErrors, fmt.Sprintf("handler returned status %d", x.status))
		x.fail(http.StatusInternalServerError, apierr.New(http.StatusInternalServerError, "Internal server error"))
		return
	}
	x.respErrors = append(x.respErrors, r.checkStateful(x.rt, x.status, x.contentType, x.respBody)...)
	r.enforceStrict(x)
}

// callHandler runs a stateful handler, turning a panic into a nil response
// and a recorded error so one broken handler never takes the server down.
func callHandler(h Handler, req *Request, errs *[]string) (resp *Response) {
	defer func() {
		if p := recover(); p != nil {
			*errs = append(*errs, fmt.Sprintf("handler panic: %v", p))
			resp = nil
		}
	}()
	resp = h(req)
	if resp == nil {
		*errs = append(*errs, "handler returned no response")
	}
	return resp
}

func (r *Router) dispatchGenerated(x *exchange, pref prefer) {
	p, errMsg := r.prepare(x.rt, pref)
	if errMsg != "" {
		x.reqErrors = append(x.reqErrors, errMsg)
		x.refuse(http.StatusBadRequest, apierr.Validation([]string{errMsg}))
		return
	}
	x.status, x.contentType, x.respBody, x.header = p.status, p.contentType, p.body, p.header
	x.respErrors = append(x.respErrors, p.violations...)
	r.enforceStrict(x)
}

// enforceStrict replaces a response that breaks the spec with a 500 naming
// the violations, so contract drift fails loudly in strict mode.
func (r *Router) enforceStrict(x *exchange) {
	if !r.opts.Strict || len(x.respErrors) == 0 {
		return
	}
	body := apierr.New(http.StatusInternalServerError, "response does not match the spec")
	body.Message = append([]string{"response does not match the spec"}, x.respErrors...)
	x.header = nil
	x.fail(http.StatusInternalServerError, body)
}

// refuse is fail for the mock's own errors (400, 401, 404, 405, 413,
// 415): requests the spec forbids or does not know. Their body may be
// replaced by the spec's own error shape (specShapedError).
func (x *exchange) refuse(status int, body any) {
	x.fail(status, body)
	x.refused = true
}

// ReasonHeader carries, on an error answered in the spec's own shape, what
// the mock refused, since that body is the spec's example or generated
// data and cannot say it.
const ReasonHeader = "X-Mock-Reason"

// specShapedError answers a refused request the way the spec documents
// errors of that status (its response for the status, else its default
// response: the example, or data generated from the schema) when no
// stateful domain serves this spec. A Heimdall spec keeps the real
// service's NestJS shape, which its spec leaves undocumented; so does a
// spec that documents the status without a body.
func (r *Router) specShapedError(x *exchange) {
	if !x.refused || !r.domainless {
		return
	}
	rt := x.rt
	if rt == nil {
		rt = r.errorShape(x.status, x.pathNode)
	}
	if rt == nil {
		return
	}
	resps := rt.op.Spec.Responses
	if resps == nil || (resps.Status(x.status) == nil && resps.Default() == nil) {
		return
	}
	p, errMsg := r.prepare(rt, prefer{code: x.status})
	if errMsg != "" || p == nil || len(p.body) == 0 {
		return // documented without a body: the NestJS one says more
	}
	if len(x.reqErrors) == 0 {
		// 404 and 405 journal no request error of their own; the spec's
		// body cannot say why, so the journal and the header do.
		var nest struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(x.respBody, &nest)
		x.reqErrors = append(x.reqErrors, cmp.Or(nest.Message, http.StatusText(x.status)))
	}
	reason := strings.Join(x.reqErrors, "; ")
	x.contentType, x.respBody = p.contentType, p.body
	if x.header == nil {
		x.header = http.Header{}
	}
	for k, v := range p.header {
		x.header[k] = v
	}
	x.header.Set(ReasonHeader, strings.ToValidUTF8(strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f {
			return ' '
		}
		return c
	}, reason), "?"))
	x.respErrors = append(x.respErrors, p.violations...)
}

// errorShape is the operation whose documented response shapes a 404 or
// 405 no operation answers: for a wrong method, an operation of the same
// path documenting that status (or a default) with a body; otherwise the
// spec's most common such response (errorShapes).
func (r *Router) errorShape(status int, n *node) *route {
	if n != nil {
		for _, m := range slices.Sorted(maps.Keys(n.routes)) {
			if rt := n.routes[m]; errorBody(rt.op.Spec, status) != nil {
				return rt
			}
		}
	}
	return r.shapes[status]
}

// errorBody is the response op documents for status (exactly, by range or
// through its default) when it has a body, else nil.
func errorBody(op *openapi3.Operation, status int) *openapi3.ResponseRef {
	if op.Responses == nil {
		return nil
	}
	ref := op.Responses.Status(status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	if ref == nil || ref.Value == nil || len(ref.Value.Content) == 0 {
		return nil
	}
	return ref
}

// errorShapes picks, for each status a request can get without reaching an
// operation, the operation documenting the spec's most common error body
// for it: an API with one error schema answers an unknown path in it.
// Responses documenting the exact status win over default responses.
func errorShapes(routes []*route) map[int]*route {
	out := map[int]*route{}
	for _, status := range []int{http.StatusNotFound, http.StatusMethodNotAllowed} {
		for _, exact := range []bool{true, false} {
			count := map[string]int{}
			first := map[string]*route{}
			best := ""
			for _, rt := range routes {
				ref := errorBody(rt.op.Spec, status)
				if ref == nil || (rt.op.Spec.Responses.Status(status) != nil) != exact {
					continue
				}
				sig := responseSignature(ref)
				if first[sig] == nil {
					first[sig] = rt
				}
				count[sig]++
				if best == "" || count[sig] > count[best] {
					best = sig
				}
			}
			if best != "" {
				out[status] = first[best]
				break
			}
		}
	}
	return out
}

// responseSignature identifies a documented response by what it refers
// to, so responses sharing a component count as one shape.
func responseSignature(ref *openapi3.ResponseRef) string {
	if ref.Ref != "" {
		return ref.Ref
	}
	_, mt := pickMedia(ref.Value.Content)
	if mt != nil && mt.Schema != nil && mt.Schema.Ref != "" {
		return mt.Schema.Ref
	}
	b, _ := json.Marshal(ref.Value.Content)
	return string(b)
}

// fail sets a JSON response from a NestJS-shaped body.
func (x *exchange) fail(status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		b = []byte(`{"statusCode":500,"message":"Internal server error","error":"Internal Server Error"}`)
		status = http.StatusInternalServerError
	}
	x.status, x.contentType, x.respBody = status, "application/json", b
}

func (r *Router) finish(w http.ResponseWriter, x *exchange) {
	r.specShapedError(x)
	h := w.Header()
	for k, v := range x.header {
		h[k] = v
	}
	if len(x.respBody) > 0 {
		ct := x.contentType
		if ct == "application/json" {
			ct = "application/json; charset=utf-8"
		}
		h.Set("Content-Type", ct)
		if !x.head {
			h.Set("Content-Length", strconv.Itoa(len(x.respBody)))
		}
	}
	w.WriteHeader(x.status)
	if !x.head && len(x.respBody) > 0 && x.status != http.StatusNoContent && x.status != http.StatusNotModified {
		_, _ = w.Write(x.respBody)
	}
	r.record(x)
}

// sentBody is the request body as the client sent it.
func (x *exchange) sentBody() []byte {
	if x.sent != nil {
		return x.sent
	}
	return x.body
}

// record journals and logs the exchange.
func (r *Router) record(x *exchange) {
	// Milliseconds, as the journal holds them: a JSON log handler writes a
	// time.Duration as nanoseconds, which nobody reads at a glance.
	elapsedMS := float64(time.Since(x.start).Microseconds()) / 1000
	var opID, template string
	if x.rt != nil {
		opID, template = x.rt.op.OperationID, x.rt.op.Path
	}
	if j := r.opts.Journal; j != nil {
		e := journal.Entry{
			At:             r.opts.Now(),
			Method:         x.req.Method,
			Path:           x.req.URL.Path,
			Query:          x.req.URL.RawQuery,
			OperationID:    opID,
			Status:         x.status,
			DurationMS:     elapsedMS,
			RequestErrors:  x.reqErrors,
			ResponseErrors: x.respErrors,
			Adaptations:    x.adaptations,
			RequestHeaders: journal.Headers(x.req.Header),
			RequestBody:    journal.Body(x.sentBody()),
			ResponseBody:   journal.Body(x.respBody),
			AnsweredBy:     x.answeredBy,
			FaultID:        x.faultID,
		}
		if x.rt != nil && x.rt.slugIndex >= 0 && x.rt.slugIndex < len(x.params) {
			e.AppSlug = x.params[x.rt.slugIndex]
		}
		j.Add(e)
	}
	if l := r.opts.Logger; l != nil {
		l.LogAttrs(context.Background(), slog.LevelInfo, "request",
			slog.String("method", x.req.Method),
			// A path can carry a token as a segment, a query a code.
			slog.String("path", redact.Text(x.req.URL.Path)),
			slog.String("query", redact.Query(x.req.URL.RawQuery)),
			slog.String("operation", opID),
			slog.String("template", template),
			slog.Int("status", x.status),
			slog.Float64("duration_ms", elapsedMS),
			slog.Any("violations", nonNil(redact.Texts(x.respErrors))),
		)
	}
}

// nonNil makes "no violations" an empty list in a JSON log line, not null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
