package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/heimdall-mock/heimdall-mock/internal/apierr"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
	"github.com/heimdall-mock/heimdall-mock/internal/violation"
)

// ownErrorsMaxBody keeps the 413 probes small.
const ownErrorsMaxBody = 4096

// ownErrorVariant is a sibling spec as published, or rewritten to
// document its errors with a body and to take another kind of credential:
// the published specs document their errors without bodies and take only
// bearer tokens, which would leave the spec-shaped answers and the API-key
// checks untried.
type ownErrorVariant struct {
	name string
	edit func(doc map[string]any) // nil: as published
	// sign adds a valid credential; forge adds one the scheme refuses.
	sign, forge func(*http.Request)
	// shaped: every refusal must come in the spec's documented shape.
	shaped bool
}

var ownErrorVariants = []ownErrorVariant{
	{
		name:  "as-published",
		sign:  func(r *http.Request) { r.Header.Set("Authorization", "Bearer probe-token") },
		forge: func(r *http.Request) { r.Header.Set("Authorization", "Basic cHJvYmU6cHJvYmU=") },
	},
	{
		// Each error response gets a body, so the exact status is what
		// shapes a refusal; the key travels in the query.
		name: "error-bodies/key-in-query",
		edit: func(doc map[string]any) {
			documentErrors(doc, false, "application/json", "#/components/schemas/ProbeError")
			setSchemes(doc, map[string]any{"type": "apiKey", "in": "query", "name": "api_key"})
		},
		sign: func(r *http.Request) { r.URL.RawQuery = joinQuery(r.URL.RawQuery, "api_key=probe") },
		forge: func(r *http.Request) {
			r.URL.RawQuery = joinQuery(r.URL.RawQuery, "api_key=")
			r.Header.Set("Authorization", "Bearer not-the-key")
		},
		shaped: true,
	},
	{
		// Only a default response documents errors (problem+json); the
		// key travels in a cookie.
		name: "default-problem/key-in-cookie",
		edit: func(doc map[string]any) {
			documentErrors(doc, true, "application/problem+json", "#/components/schemas/ProbeProblem")
			setSchemes(doc, map[string]any{"type": "apiKey", "in": "cookie", "name": "sid"})
		},
		sign:   func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "sid", Value: "probe"}) },
		forge:  func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "session", Value: "probe"}) },
		shaped: true,
	},
}

// TestSiblingSpecsOwnErrorsValidateAgainstTheSpec serves each sibling API
// the way `heimdall-mock --no-domain --strict` does and provokes, on every
// operation, each error the mock answers on its own: 401 without (or with
// the wrong kind of) credentials, 400 for a malformed or wrongly typed
// JSON body, 415 for an undeclared media type, 413 for a body over the
// limit, and per path and spec 405 and 404. Every answer is validated
// against the response the spec documents for its status (or its default
// response). Where the spec documents the status without a body, or not
// at all, the NestJS error shape is what the mock sends and what the test
// accepts.
func TestSiblingSpecsOwnErrorsValidateAgainstTheSpec(t *testing.T) {
	for _, file := range testspecs.Surfaces(t) {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range ownErrorVariants {
			t.Run(filepath.Base(file)+"/"+v.name, func(t *testing.T) {
				t.Parallel()
				p := newOwnErrorProbe(t, raw, filepath.Base(file), v)
				p.run()
			})
		}
	}
}

type ownErrorProbe struct {
	t       *testing.T
	v       ownErrorVariant
	s       *Server
	doc     *openapi3.T
	respOpt *openapi3filter.Options
	shaped  map[int]int // spec-shaped answers by status
	nest    map[int]int // NestJS answers by status
}

func newOwnErrorProbe(t *testing.T, raw []byte, name string, v ownErrorVariant) *ownErrorProbe {
	data := raw
	if v.edit != nil {
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		v.edit(doc)
		var err error
		if data, err = json.Marshal(doc); err != nil {
			t.Fatal(err)
		}
	}
	spec, err := specload.LoadData(data, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{Spec: spec, Domain: false, Strict: true, ValidateRequests: true, Seed: 1, MaxBodyBytes: ownErrorsMaxBody})
	if err != nil {
		t.Fatal(err)
	}
	return &ownErrorProbe{
		t: t, v: v, s: s, doc: spec.Doc,
		respOpt: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true, SchemaValidationOptions: violation.FormatOptions()},
		shaped:  map[int]int{}, nest: map[int]int{},
	}
}

func (p *ownErrorProbe) run() {
	t := p.t
	ops := p.s.Router().Operations()
	for i, op := range ops {
		base, err := testspecs.ValidRequest(p.doc, op.Method, op.Path, uint64(i))
		if err != nil {
			t.Errorf("%s %s: building a request: %v", op.Method, op.Path, err)
			continue
		}
		body, _ := io.ReadAll(base.Body)
		req := func(body []byte, edit func(*http.Request)) *http.Request {
			r := base.Clone(base.Context())
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
			p.v.sign(r)
			if edit != nil {
				edit(r)
			}
			return r
		}
		self := []*router.Operation{op}

		// The valid request passes, so each refusal below is for the one
		// thing the probe breaks.
		if rec, e := p.send(req(body, nil)); rec.Code >= 400 {
			t.Errorf("%s %s: the valid request got %d %s (%q)", op.Method, op.Path, rec.Code, rec.Body, e)
			continue
		}
		if p.secured(op.Spec) {
			p.expect("no credentials", self, req(body, p.unsign), http.StatusUnauthorized)
			p.expect("credentials the scheme refuses", self, req(body, func(r *http.Request) { p.unsign(r); p.v.forge(r) }), http.StatusUnauthorized)
		}
		if rb := op.Spec.RequestBody; rb != nil && rb.Value != nil {
			if mt := rb.Value.Content.Get("application/json"); mt != nil {
				asJSON := func(r *http.Request) { r.Header.Set("Content-Type", "application/json") }
				p.expect("malformed JSON", self, req([]byte(`{"unclosed": `), asJSON), http.StatusBadRequest)
				if mt.Schema != nil && mt.Schema.Value != nil && mt.Schema.Value.Type.Is("object") {
					p.expect("a string where an object is due", self, req([]byte(`"not an object"`), asJSON), http.StatusBadRequest)
				}
			}
			if rb.Value.Content.Get("*/*") == nil {
				p.expect("an undeclared media type", self, req([]byte("plain words"), func(r *http.Request) {
					r.Header.Set("Content-Type", "text/x-probe")
				}), http.StatusUnsupportedMediaType)
			}
		}
		p.expect("a body over the limit", self, req(bytes.Repeat([]byte(" "), ownErrorsMaxBody+1), nil), http.StatusRequestEntityTooLarge)
	}

	// 405 once per path, with a method the path does not take; its shape
	// may come from any operation of the path, else of the spec.
	byPath := map[string][]*router.Operation{}
	for _, op := range ops {
		byPath[op.Path] = append(byPath[op.Path], op)
	}
	for _, path := range slices.Sorted(maps.Keys(byPath)) {
		taken := byPath[path]
		for _, m := range []string{"PATCH", "PUT", "DELETE", "POST", "GET"} {
			if slices.ContainsFunc(taken, func(op *router.Operation) bool { return op.Method == m }) {
				continue
			}
			r, err := testspecs.ValidRequest(p.doc, taken[0].Method, path, 0)
			if err != nil {
				break
			}
			r.Method, r.Body, r.ContentLength = m, http.NoBody, 0
			p.v.sign(r)
			p.expect("a method the path does not take", append(slices.Clone(taken), ops...), r, http.StatusMethodNotAllowed)
			break
		}
	}

	// 404 for paths no template matches.
	for _, target := range []string{"/no-such-route", "/no-such-route/deeper/still", ops[0].Path + "/no-such-tail/x/y/z"} {
		for _, m := range []string{"GET", "POST"} {
			r := httptest.NewRequest(m, "http://localhost"+strings.NewReplacer("{", "", "}", "").Replace(target), nil)
			if op, _, _ := p.s.Router().Match(m, r.URL.EscapedPath()); op != nil {
				continue
			}
			p.v.sign(r)
			p.expect("an unknown path", ops, r, http.StatusNotFound)
		}
	}

	t.Logf("spec-shaped answers %v, NestJS answers %v", p.shaped, p.nest)
	if p.v.shaped {
		for _, status := range []int{400, 401, 404, 405, 413, 415} {
			if p.shaped[status] == 0 {
				t.Errorf("no %d came in the spec's shape", status)
			}
		}
	}
}

// expect sends r and checks the answer: the status, the documented
// response of one of candidates (the operation itself; any for 404 and
// 405), the reason in the header and the journal, no violation recorded.
func (p *ownErrorProbe) expect(what string, candidates []*router.Operation, r *http.Request, status int) {
	t := p.t
	t.Helper()
	label := fmt.Sprintf("%s %s (%s)", r.Method, r.URL.Path, what)
	rec, e := p.send(r)
	if rec.Code != status {
		t.Errorf("%s: %d %.300s, want %d (request errors %q, response errors %q)", label, rec.Code, rec.Body, status, e.RequestErrors, e.ResponseErrors)
		return
	}
	if len(e.ResponseErrors) > 0 {
		t.Errorf("%s: the mock recorded violations of its own answer: %q", label, e.ResponseErrors)
	}
	var documented []*router.Operation
	for _, op := range candidates {
		if documentedBody(op.Spec, status) {
			documented = append(documented, op)
		}
	}
	if len(documented) == 0 {
		// The spec documents this status without a body, or not at all:
		// the NestJS shape is the answer, and it must be a whole one.
		if problem := apierr.ShapeProblem(status, rec.Body.Bytes()); problem != "" {
			t.Errorf("%s: undocumented error body: %s: %s", label, problem, rec.Body)
		}
		if p.v.shaped {
			t.Errorf("%s: the edited spec documents a body for %d, yet none applies", label, status)
		}
		p.nest[status]++
		return
	}
	var firstErr error
	for _, op := range documented {
		err := p.validate(op, rec)
		if err == nil {
			firstErr = nil
			break
		}
		if firstErr == nil {
			firstErr = fmt.Errorf("%s %s: %w", op.Method, op.Path, err)
		}
	}
	if firstErr != nil {
		t.Errorf("%s: the answer breaks the documented %d response: %v\n  body: %.300s", label, status, firstErr, rec.Body)
		return
	}
	if rec.Header().Get(router.ReasonHeader) == "" || len(e.RequestErrors) == 0 {
		t.Errorf("%s: no reason in %s (%q) or the journal (%q)", label, router.ReasonHeader, rec.Header().Get(router.ReasonHeader), e.RequestErrors)
	}
	if status == http.StatusMethodNotAllowed && rec.Header().Get("Allow") == "" {
		t.Errorf("%s: 405 without Allow", label)
	}
	p.shaped[status]++
}

// validate checks rec against the response op documents for its status.
func (p *ownErrorProbe) validate(op *router.Operation, rec *httptest.ResponseRecorder) error {
	req := httptest.NewRequest(op.Method, op.Path, nil)
	route := &routers.Route{Spec: p.doc, Path: op.Path, PathItem: op.PathItem, Method: op.Method, Operation: op.Spec}
	return openapi3filter.ValidateResponse(p.t.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: route, Options: p.respOpt},
		Status:                 rec.Code,
		Header:                 rec.Header(),
		Body:                   io.NopCloser(bytes.NewReader(rec.Body.Bytes())),
		Options:                p.respOpt,
	})
}

func (p *ownErrorProbe) send(r *http.Request) (*httptest.ResponseRecorder, journalEntry) {
	r.Host = "localhost"
	rec := httptest.NewRecorder()
	p.s.ServeHTTP(rec, r)
	list := p.s.Journal.List(1)
	if len(list) == 0 {
		p.t.Fatalf("%s %s: nothing journaled", r.Method, r.URL)
	}
	return rec, journalEntry{RequestErrors: list[0].RequestErrors, ResponseErrors: list[0].ResponseErrors}
}

type journalEntry struct{ RequestErrors, ResponseErrors []string }

// unsign strips every credential any variant adds.
func (p *ownErrorProbe) unsign(r *http.Request) {
	r.Header.Del("Authorization")
	r.Header.Del("Cookie")
	q := r.URL.Query()
	q.Del("api_key")
	r.URL.RawQuery = q.Encode()
}

// secured: the operation (or the document) asks for credentials and none
// of its requirements is empty.
func (p *ownErrorProbe) secured(op *openapi3.Operation) bool {
	reqs := p.doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	return len(reqs) > 0 && !slices.ContainsFunc(reqs, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 })
}

// documentedBody: op documents status (exactly, by range, else by its
// default response) with a body, which the answer must then match.
func documentedBody(op *openapi3.Operation, status int) bool {
	if op.Responses == nil {
		return false
	}
	ref := op.Responses.Status(status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	return ref != nil && ref.Value != nil && len(ref.Value.Content) > 0
}

// documentErrors gives every operation an error body: with onlyDefault,
// bodiless 4xx/5xx responses are dropped and a default response documents
// them all; otherwise each bodiless error response gets the body, and a
// default response covers the statuses left undocumented.
func documentErrors(doc map[string]any, onlyDefault bool, mediaType, schemaRef string) {
	components, _ := doc["components"].(map[string]any)
	if components == nil {
		components = map[string]any{}
		doc["components"] = components
	}
	schemas, _ := components["schemas"].(map[string]any)
	if schemas == nil {
		schemas = map[string]any{}
		components["schemas"] = schemas
	}
	schemas["ProbeError"] = map[string]any{
		"type": "object", "additionalProperties": false, "required": []any{"error"},
		"properties": map[string]any{"error": map[string]any{
			"type": "object", "additionalProperties": false, "required": []any{"code", "message"},
			"properties": map[string]any{
				"code":    map[string]any{"type": "string", "enum": []any{"INVALID", "DENIED", "MISSING"}},
				"message": map[string]any{"type": "string", "minLength": 1},
			},
		}},
	}
	schemas["ProbeProblem"] = map[string]any{
		"type": "object", "required": []any{"type", "title", "status"},
		"properties": map[string]any{
			"type":   map[string]any{"type": "string", "enum": []any{"about:blank"}},
			"title":  map[string]any{"type": "string", "minLength": 1},
			"status": map[string]any{"type": "integer", "minimum": 400, "maximum": 599},
			"detail": map[string]any{"type": "string"},
		},
	}
	content := map[string]any{mediaType: map[string]any{"schema": map[string]any{"$ref": schemaRef}}}
	paths, _ := doc["paths"].(map[string]any)
	for _, item := range paths {
		item, _ := item.(map[string]any)
		for _, op := range item {
			op, _ := op.(map[string]any)
			responses, _ := op["responses"].(map[string]any)
			if responses == nil {
				continue
			}
			for code, resp := range responses {
				resp, _ := resp.(map[string]any)
				if resp == nil || resp["$ref"] != nil || resp["content"] != nil || (code[0] != '4' && code[0] != '5') {
					continue
				}
				if onlyDefault {
					delete(responses, code)
				} else {
					resp["content"] = content
				}
			}
			if responses["default"] == nil {
				responses["default"] = map[string]any{"description": "error", "content": content}
			}
		}
	}
}

// setSchemes makes every security scheme of doc the given one.
func setSchemes(doc map[string]any, scheme map[string]any) {
	components, _ := doc["components"].(map[string]any)
	schemes, _ := components["securitySchemes"].(map[string]any)
	for name := range schemes {
		schemes[name] = scheme
	}
}

func joinQuery(q, kv string) string {
	if q == "" {
		return kv
	}
	return q + "&" + kv
}
