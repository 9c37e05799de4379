package scenario

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/heimdall-mock/heimdall-mock/internal/apierr"
	"github.com/heimdall-mock/heimdall-mock/internal/violation"
)

// NewSpecValidator checks responses against an OpenAPI document with
// kin-openapi's openapi3filter. Requests are matched to operations on the
// document's path templates (a literal segment beats a parameter), with
// any server path prefix stripped, so the host the scenario ran against
// does not matter.
//
// Like the mock in strict mode, it accepts an undocumented 4xx/5xx status
// when the body is the NestJS error object (the real service answers 401
// and 409 its spec leaves out); an undocumented 2xx/3xx is a violation.
func NewSpecValidator(doc *openapi3.T) Validator {
	v := &specValidator{doc: doc}
	v.opts = &openapi3filter.Options{
		MultiError:              true,
		IncludeResponseStatus:   true,
		SchemaValidationOptions: violation.FormatOptions(),
	}
	if doc == nil || doc.Paths == nil {
		return v
	}
	for _, tmpl := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(tmpl)
		if item == nil {
			continue
		}
		segs := splitSegments(tmpl)
		for method, op := range item.Operations() {
			v.routes = append(v.routes, specRoute{
				method: method, template: tmpl, segs: segs,
				kin: &routers.Route{Spec: doc, Path: tmpl, PathItem: item, Method: method, Operation: op},
			})
		}
	}
	for _, s := range doc.Servers {
		if s == nil {
			continue
		}
		if u, err := url.Parse(s.URL); err == nil {
			if p := strings.TrimRight(u.Path, "/"); p != "" && !strings.Contains(p, "{") {
				v.prefixes = append(v.prefixes, p)
			}
		}
	}
	return v
}

type specValidator struct {
	doc      *openapi3.T
	routes   []specRoute
	prefixes []string
	opts     *openapi3filter.Options
}

type specRoute struct {
	method   string
	template string
	segs     []string
	kin      *routers.Route
}

func splitSegments(p string) []string {
	return strings.Split(strings.Trim(p, "/"), "/")
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

// find returns the route for method and path and its path parameters. Of
// several matching templates the one whose first differing segment is a
// literal wins, as in the mock's router.
func (v *specValidator) find(method, path string) (*specRoute, map[string]string) {
	candidates := []string{path}
	for _, p := range v.prefixes {
		if rest, ok := strings.CutPrefix(path, p); ok && strings.HasPrefix(rest, "/") {
			candidates = append(candidates, rest)
		}
	}
	for _, c := range candidates {
		segs := splitSegments(c)
		var best *specRoute
		for i := range v.routes {
			r := &v.routes[i]
			if r.method != method || len(r.segs) != len(segs) || !segmentsMatch(r.segs, segs) {
				continue
			}
			if best == nil || moreLiteral(r.segs, best.segs) {
				best = r
			}
		}
		if best != nil {
			params := map[string]string{}
			for i, s := range best.segs {
				if isParam(s) {
					val, err := url.PathUnescape(segs[i])
					if err != nil {
						val = segs[i]
					}
					params[s[1:len(s)-1]] = val
				}
			}
			return best, params
		}
	}
	return nil, nil
}

func segmentsMatch(tmpl, segs []string) bool {
	for i, s := range tmpl {
		if isParam(s) {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if s != segs[i] {
			return false
		}
	}
	return true
}

// moreLiteral reports whether a has a literal where b first has a parameter.
func moreLiteral(a, b []string) bool {
	for i := range a {
		pa, pb := isParam(a[i]), isParam(b[i])
		if pa != pb {
			return pb
		}
	}
	return false
}

// ValidateResponse lists how the response breaks the document.
func (v *specValidator) ValidateResponse(req *http.Request, status int, header http.Header, body []byte) []string {
	if v.doc == nil {
		return []string{"no spec to validate against"}
	}
	method, opts := req.Method, v.opts
	route, params := v.find(method, req.URL.Path)
	if route == nil && method == http.MethodHead {
		// A HEAD the spec does not list is answered as its GET, without
		// the body: check status and headers against the GET.
		route, params = v.find(http.MethodGet, req.URL.Path)
	}
	if route == nil {
		return []string{fmt.Sprintf("%s %s matches no operation of the spec", req.Method, req.URL.Path)}
	}
	if method == http.MethodHead {
		bodiless := *v.opts
		bodiless.ExcludeResponseBody = true
		opts = &bodiless
	}
	op := route.kin.Operation
	if !documented(op, status) {
		if status >= 400 {
			if method == http.MethodHead {
				return nil
			}
			if problem := apierr.ShapeProblem(status, body); problem != "" {
				return []string{fmt.Sprintf("undocumented status %d: %s", status, problem)}
			}
			return nil
		}
		return []string{fmt.Sprintf("status %d is not documented for %s %s", status, route.method, route.template)}
	}
	// kin-openapi skips HEADs altogether, so the check runs as the
	// route's own method (GET for a HEAD), the body excluded above.
	vreq := &http.Request{Method: route.method, URL: req.URL, Header: req.Header}
	if vreq.Method == http.MethodHead {
		vreq.Method = http.MethodGet
	}
	if header == nil {
		header = http.Header{}
	}
	out := violation.CheckResponse(vreq, route.kin, params, status, header, body, opts)
	sort.Strings(out)
	return out
}

// documented reports whether the operation declares status, its range
// ("4XX") or a default.
func documented(op *openapi3.Operation, status int) bool {
	if op == nil || op.Responses == nil {
		return false
	}
	code := strconv.Itoa(status)
	for _, key := range []string{code, code[:1] + "XX", code[:1] + "xx", "default"} {
		if op.Responses.Value(key) != nil {
			return true
		}
	}
	return false
}

// RequestValidator checks a request against a contract; the validator
// NewSpecValidator returns is one. A recording proxy checks both halves of
// an exchange with it.
type RequestValidator interface {
	ValidateRequest(req *http.Request, body []byte) []string
}

// ValidateRequest lists how the request (its parameters and body; security
// is the service's business) breaks the document.
func (v *specValidator) ValidateRequest(req *http.Request, body []byte) []string {
	if v.doc == nil {
		return []string{"no spec to validate against"}
	}
	route, params := v.find(req.Method, req.URL.Path)
	if route == nil {
		return []string{fmt.Sprintf("%s %s matches no operation of the spec", req.Method, req.URL.Path)}
	}
	opts := *v.opts
	opts.AuthenticationFunc = openapi3filter.NoopAuthenticationFunc
	in := req.Clone(req.Context())
	in.Body = io.NopCloser(bytes.NewReader(body))
	in.ContentLength = int64(len(body))
	input := &openapi3filter.RequestValidationInput{Request: in, PathParams: params, Route: route.kin, Options: &opts}
	err := openapi3filter.ValidateRequest(context.Background(), input)
	if err == nil {
		return nil
	}
	out := violation.Request(err)
	sort.Strings(out)
	return out
}
