// Package shape keeps the stateful answers in the dialect of the spec the
// mock was started with. The domain is written for one spec (the embedded
// contract); users load the version they are on, older or newer, and the
// nightly refresh keeps changing it. Between the domain's output and the
// wire, the shaper carries renamed fields over (the diff engine's rename
// detection, names matched across snake_case, camelCase and kebab-case),
// fills required fields the domain does not know with values generated from
// their schema, and drops fields a closed object no longer has. Request
// bodies take the same renames in reverse before the handler sees them.
//
// Everything is planned once per operation when the router is built; an
// operation whose shapes did not change gets no plan, and its requests pay
// one nil check.
package shape

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/heimdall-mock/heimdall-mock/internal/diff"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
)

// Spec is one side of the translation: the resolved document and its bytes
// (the diff engine reads its own model from them).
type Spec struct {
	Doc *openapi3.T
	Raw []byte
}

// Options tune the fills.
type Options struct {
	// Generate makes a value for a schema; the same seed gives the same value.
	Generate func(schema *openapi3.SchemaRef, seed uint64) any
	Seed     int64 // --seed: filled values are stable for one seed
}

// Shaper holds the plans of every operation that needs one.
type Shaper struct {
	ops map[string]*Operation // by method + template with parameter names blanked
	// Warning says why renames could only be matched by name (the diff
	// engine could not read one of the documents); "" normally.
	Warning string
}

// Operation is the plan of one operation: the request body in reverse and
// each documented response status.
type Operation struct {
	Method, Path string // the loaded spec's
	request      *node
	responses    map[int]*node
	changes      []string
}

// New plans the translation from the domain's document to the loaded one.
// Identical bytes need no planning at all.
func New(domain, loaded Spec, opts Options) *Shaper {
	s := &Shaper{ops: map[string]*Operation{}}
	if domain.Doc == nil || loaded.Doc == nil || domain.Doc == loaded.Doc ||
		len(domain.Raw) > 0 && bytes.Equal(domain.Raw, loaded.Raw) {
		return s
	}
	if opts.Generate == nil {
		opts.Generate = func(*openapi3.SchemaRef, uint64) any { return nil }
	}
	renames, err := renamesBetween(domain.Raw, loaded.Raw)
	if err != nil {
		s.Warning = "renames matched by name only: " + err.Error()
	}
	domainOps := operations(domain.Doc)
	for key, lop := range operations(loaded.Doc) {
		dop, ok := domainOps[key]
		if !ok {
			continue // an operation the domain does not know is not stateful
		}
		if op := plan(key, dop, lop, renames, opts); op != nil {
			s.ops[key] = op
		}
	}
	return s
}

func renamesBetween(domainRaw, loadedRaw []byte) ([]diff.Rename, error) {
	if len(domainRaw) == 0 || len(loadedRaw) == 0 {
		return nil, fmt.Errorf("a document's bytes are missing")
	}
	d, err := diff.Load(domainRaw)
	if err != nil {
		return nil, fmt.Errorf("domain spec: %w", err)
	}
	l, err := diff.Load(loadedRaw)
	if err != nil {
		return nil, fmt.Errorf("loaded spec: %w", err)
	}
	return diff.Renames(d, l), nil
}

// For returns the plan of an operation of the loaded spec, or nil when its
// answers need no translation.
func (s *Shaper) For(method, template string) *Operation {
	if s == nil {
		return nil
	}
	return s.ops[router.Key(method, template)]
}

// Adaptation lists what the shaper does to one operation.
type Adaptation struct {
	Method  string   `json:"method"`
	Path    string   `json:"path"`
	Changes []string `json:"changes"`
}

// Adaptations lists every planned adaptation, sorted by path and method.
func (s *Shaper) Adaptations() []Adaptation {
	out := []Adaptation{}
	if s == nil {
		return out
	}
	for _, op := range s.ops {
		out = append(out, Adaptation{Method: op.Method, Path: op.Path, Changes: op.changes})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// Request translates a request body from the loaded spec's dialect to the
// domain's; changes says what it did.
func (o *Operation) Request(body []byte) (out []byte, changes []string) {
	if o == nil {
		return body, nil
	}
	return translate(o.request, "request body", body)
}

// Response translates a JSON response body of the given status from the
// domain's dialect to the loaded spec's.
func (o *Operation) Response(status int, body []byte) (out []byte, changes []string) {
	if o == nil {
		return body, nil
	}
	n := o.responses[status]
	if n == nil {
		return body, nil
	}
	return translate(n, "response "+strconv.Itoa(status), body)
}

type specOp struct {
	method, path string
	op           *openapi3.Operation
}

func operations(doc *openapi3.T) map[string]specOp {
	out := map[string]specOp{}
	if doc.Paths == nil {
		return out
	}
	for path, item := range doc.Paths.Map() {
		if item == nil {
			continue
		}
		for method, op := range item.Operations() {
			m := strings.ToUpper(method)
			out[router.Key(m, path)] = specOp{method: m, path: path, op: op}
		}
	}
	return out
}

func plan(key string, dop, lop specOp, renames []diff.Rename, opts Options) *Operation {
	op := &Operation{Method: lop.method, Path: lop.path, responses: map[int]*node{}}
	if src, dst := requestSchema(lop.op), requestSchema(dop.op); src != nil && dst != nil {
		p := newPlanner(key, "request body", "", true, renames, opts.Seed, opts.Generate)
		op.request = p.build(src, dst, "")
		op.changes = append(op.changes, p.changes...)
	}
	if lop.op.Responses != nil {
		codes := make([]string, 0, lop.op.Responses.Len())
		for code := range lop.op.Responses.Map() {
			codes = append(codes, code)
		}
		sort.Strings(codes)
		for _, code := range codes {
			status, err := strconv.Atoi(code)
			if err != nil {
				continue
			}
			src, dst := responseSchema(dop.op, code), responseSchema(lop.op, code)
			if src == nil || dst == nil {
				continue
			}
			where := "response " + code
			p := newPlanner(key, where, code, false, renames, opts.Seed, opts.Generate)
			if n := p.build(src, dst, ""); n != nil {
				op.responses[status] = n
				op.changes = append(op.changes, p.changes...)
			}
		}
	}
	if op.request == nil && len(op.responses) == 0 {
		return nil
	}
	return op
}

func requestSchema(op *openapi3.Operation) *openapi3.SchemaRef {
	if op.RequestBody == nil || op.RequestBody.Value == nil {
		return nil
	}
	return jsonSchema(op.RequestBody.Value.Content)
}

func responseSchema(op *openapi3.Operation, code string) *openapi3.SchemaRef {
	if op.Responses == nil {
		return nil
	}
	r := op.Responses.Value(code)
	if r == nil || r.Value == nil {
		return nil
	}
	return jsonSchema(r.Value.Content)
}

// jsonSchema is the schema of the JSON media type of a body, if it has one.
func jsonSchema(content openapi3.Content) *openapi3.SchemaRef {
	if mt := content.Get("application/json"); mt != nil && mt.Schema != nil {
		return mt.Schema
	}
	types := make([]string, 0, len(content))
	for t := range content {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, t := range types {
		if strings.HasSuffix(strings.ToLower(t), "+json") && content[t].Schema != nil {
			return content[t].Schema
		}
	}
	return nil
}
