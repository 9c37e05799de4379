package specload

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// exampleChecker walks every place an example can sit and validates it
// against the schema beside it. Each schema is visited once (references
// resolve to shared values), which keeps the walk linear in the document.
type exampleChecker struct {
	seen     map[*openapi3.Schema]bool
	warnings []Warning
	opts     []openapi3.SchemaValidationOption
}

func checkExamples(doc *openapi3.T) []Warning {
	c := &exampleChecker{seen: map[*openapi3.Schema]bool{}, opts: []openapi3.SchemaValidationOption{openapi3.MultiErrors()}}
	if doc.IsOpenAPI31OrLater() {
		c.opts = append(c.opts, openapi3.EnableJSONSchema2020())
	}
	if comp := doc.Components; comp != nil {
		for _, name := range slices.Sorted(maps.Keys(comp.Schemas)) {
			c.schema(comp.Schemas[name], "/components/schemas/"+escapePointer(name))
		}
		for _, name := range slices.Sorted(maps.Keys(comp.Parameters)) {
			if p := comp.Parameters[name]; p != nil {
				c.parameter(p.Value, "/components/parameters/"+escapePointer(name))
			}
		}
		for _, name := range slices.Sorted(maps.Keys(comp.RequestBodies)) {
			if rb := comp.RequestBodies[name]; rb != nil && rb.Value != nil {
				c.content(rb.Value.Content, "/components/requestBodies/"+escapePointer(name)+"/content")
			}
		}
		for _, name := range slices.Sorted(maps.Keys(comp.Responses)) {
			c.response(comp.Responses[name], "/components/responses/"+escapePointer(name))
		}
	}
	if doc.Paths == nil {
		return c.warnings
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		if item == nil {
			continue
		}
		base := "/paths/" + escapePointer(path)
		for i, p := range item.Parameters {
			if p != nil {
				c.parameter(p.Value, fmt.Sprintf("%s/parameters/%d", base, i))
			}
		}
		ops := item.Operations()
		for _, method := range slices.Sorted(maps.Keys(ops)) {
			op := ops[method]
			opPtr := base + "/" + strings.ToLower(method)
			for i, p := range op.Parameters {
				if p != nil {
					c.parameter(p.Value, fmt.Sprintf("%s/parameters/%d", opPtr, i))
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				c.content(op.RequestBody.Value.Content, opPtr+"/requestBody/content")
			}
			if op.Responses != nil {
				for code, r := range op.Responses.Map() {
					c.response(r, opPtr+"/responses/"+escapePointer(code))
				}
			}
		}
	}
	sort.SliceStable(c.warnings, func(i, j int) bool { return c.warnings[i].Pointer < c.warnings[j].Pointer })
	return c.warnings
}

func (c *exampleChecker) response(r *openapi3.ResponseRef, ptr string) {
	if r == nil || r.Value == nil {
		return
	}
	c.content(r.Value.Content, ptr+"/content")
	for _, name := range slices.Sorted(maps.Keys(r.Value.Headers)) {
		if h := r.Value.Headers[name]; h != nil && h.Value != nil {
			c.parameter(&h.Value.Parameter, ptr+"/headers/"+escapePointer(name))
		}
	}
}

func (c *exampleChecker) parameter(p *openapi3.Parameter, ptr string) {
	if p == nil {
		return
	}
	c.schema(p.Schema, ptr+"/schema")
	if p.Schema != nil && p.Schema.Value != nil {
		c.examples(p.Schema.Value, p.Example, p.Examples, ptr)
	}
	c.content(p.Content, ptr+"/content")
}

func (c *exampleChecker) content(content openapi3.Content, ptr string) {
	for _, mime := range slices.Sorted(maps.Keys(content)) {
		mt := content[mime]
		if mt == nil {
			continue
		}
		mtPtr := ptr + "/" + escapePointer(mime)
		c.schema(mt.Schema, mtPtr+"/schema")
		if mt.Schema != nil && mt.Schema.Value != nil {
			c.examples(mt.Schema.Value, mt.Example, mt.Examples, mtPtr)
		}
	}
}

func (c *exampleChecker) examples(s *openapi3.Schema, example any, named openapi3.Examples, ptr string) {
	if example != nil {
		c.validate(s, example, ptr+"/example")
	}
	for _, name := range slices.Sorted(maps.Keys(named)) {
		if ex := named[name]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
			c.validate(s, ex.Value.Value, ptr+"/examples/"+escapePointer(name)+"/value")
		}
	}
}

func (c *exampleChecker) schema(ref *openapi3.SchemaRef, ptr string) {
	if ref == nil || ref.Value == nil || c.seen[ref.Value] {
		return
	}
	s := ref.Value
	c.seen[s] = true
	if s.Example != nil {
		c.validate(s, s.Example, ptr+"/example")
	}
	for i, ex := range s.Examples {
		c.validate(s, ex, fmt.Sprintf("%s/examples/%d", ptr, i))
	}
	for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
		c.schema(s.Properties[name], ptr+"/properties/"+escapePointer(name))
	}
	c.schema(s.Items, ptr+"/items")
	c.schema(s.AdditionalProperties.Schema, ptr+"/additionalProperties")
	c.schema(s.Not, ptr+"/not")
	for kw, list := range map[string]openapi3.SchemaRefs{"allOf": s.AllOf, "oneOf": s.OneOf, "anyOf": s.AnyOf} {
		for i, sub := range list {
			c.schema(sub, fmt.Sprintf("%s/%s/%d", ptr, kw, i))
		}
	}
}

func (c *exampleChecker) validate(s *openapi3.Schema, value any, ptr string) {
	err := s.VisitJSON(value, c.opts...)
	if err == nil {
		return
	}
	for _, e := range flatten(err) {
		w := Warning{Pointer: ptr, Message: "example does not match its schema: " + e.Error()}
		var se *openapi3.SchemaError
		if errors.As(e, &se) {
			where := strings.Join(se.JSONPointer(), "/")
			if where != "" {
				where = " at /" + where
			}
			w.Message = fmt.Sprintf("example does not match its schema%s: %s", where, se.Reason)
		}
		c.warnings = append(c.warnings, w)
	}
}

// flatten unpacks nested MultiErrors into their leaves.
func flatten(err error) []error {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		var out []error
		for _, e := range me {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}
