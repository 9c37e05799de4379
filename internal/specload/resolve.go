package specload

import (
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// resolve resolves a freshly decoded document's references.
func resolve(doc *openapi3.T) (*openapi3.T, error) {
	if resolveLocal(doc) {
		return doc, nil
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false // a spec from the network must not read local files
	if err := loader.ResolveRefsIn(doc, nil); err != nil {
		return nil, err
	}
	return doc, nil
}

// resolveLocal resolves doc's references as kin-openapi's loader does, for
// the documents nearly every spec is: OpenAPI 3.0 whose references all name
// a component of the document itself ("#/components/schemas/Pet"). The
// loader's resolver is general (other files, JSON pointers into anything,
// 3.1 siblings) and sorts every map it walks at every level, which made it
// a tenth of a start; here each reference becomes the pointer the loader
// would give it (the component's own value, shared) in one walk.
//
// It reports false, having changed nothing, for any document it does not
// fully understand: a 3.1 document, a reference of another form, one that
// names nothing, a reference cycle, an empty reference object, a path item
// reference, a parameter with both schema and content. The loader then
// resolves the document and words its errors. What it leaves unset is the
// loader's private record of where each reference pointed, which only
// InternalizeRefs reads.
func resolveLocal(doc *openapi3.T) bool {
	if doc.IsOpenAPI31OrLater() {
		return false
	}
	r := localResolver{doc: doc, comps: doc.Components, schemas: map[*openapi3.Schema]bool{}}
	if r.comps == nil {
		r.comps = &openapi3.Components{}
	}
	if !r.document() {
		return false
	}
	for _, set := range r.sets {
		set()
	}
	return true
}

// localResolver walks a document once, recording each reference's value
// in sets; nothing changes until the whole walk has succeeded.
type localResolver struct {
	doc     *openapi3.T
	comps   *openapi3.Components
	schemas map[*openapi3.Schema]bool // walked already: schemas are shared and recursive
	sets    []func()
}

func (r *localResolver) document() bool {
	c := r.comps
	return every(c.Headers, r.header) && every(c.Parameters, r.parameter) &&
		every(c.RequestBodies, r.requestBody) && every(c.Responses, r.response) &&
		every(c.Schemas, r.schema) && every(c.SecuritySchemes, r.securityScheme) &&
		every(c.Examples, r.example) && every(c.Links, r.link) && every(c.Callbacks, r.callback) &&
		(r.doc.Paths == nil || every(r.doc.Paths.Map(), func(item *openapi3.PathItem) bool {
			return item == nil || r.pathItem(item)
		}))
}

// every reports whether ok holds for each value of m, stopping at the
// first that fails.
func every[M ~map[K]V, K comparable, V any](m M, ok func(V) bool) bool {
	for _, v := range m {
		if !ok(v) {
			return false
		}
	}
	return true
}

// everyIn is every for a list.
func everyIn[S ~[]V, V any](s S, ok func(V) bool) bool {
	for _, v := range s {
		if !ok(v) {
			return false
		}
	}
	return true
}

// componentName returns the name in "#/components/<kind>/<name>", or false
// for any other form (and for names the loader would unescape first).
func componentName(ref, kind string) (string, bool) {
	name, ok := strings.CutPrefix(ref, "#/components/"+kind+"/")
	if !ok || name == "" || strings.ContainsAny(name, "/~%") {
		return "", false
	}
	return name, true
}

// chase follows ref through the components of one kind, also through
// components that are references themselves, to the value they end at.
func chase[R any, V any](ref, kind string, table map[string]*R, parts func(*R) (string, *V)) (*V, bool) {
	for hops := 0; hops <= len(table); hops++ {
		name, ok := componentName(ref, kind)
		if !ok {
			return nil, false
		}
		next := table[name]
		if next == nil {
			return nil, false
		}
		nextRef, value := parts(next)
		switch {
		case nextRef == "" && value != nil:
			return value, true
		case nextRef == "" || value != nil:
			return nil, false // an empty component, or one already resolved
		}
		ref = nextRef
	}
	return nil, false // a cycle of references
}

// follow gives the value a reference wrapper stands for: its own, or the
// one its $ref leads to, which set records for when the walk succeeds.
// A wrapper with both or neither is declined.
func follow[R any, V any](r *localResolver, ref string, value *V, set func(*V), kind string, table map[string]*R, parts func(*R) (string, *V)) (*V, bool) {
	if ref == "" || value != nil {
		return value, ref == "" && value != nil
	}
	v, ok := chase(ref, kind, table, parts)
	if ok {
		r.sets = append(r.sets, func() { set(v) })
	}
	return v, ok
}

func (r *localResolver) schema(s *openapi3.SchemaRef) bool {
	if s == nil {
		return false
	}
	value, ok := follow(r, s.Ref, s.Value, func(v *openapi3.Schema) { s.Value = v }, "schemas", r.comps.Schemas,
		func(x *openapi3.SchemaRef) (string, *openapi3.Schema) { return x.Ref, x.Value })
	if !ok {
		return false
	}
	if r.schemas[value] {
		return true
	}
	r.schemas[value] = true
	// The subschemas the loader resolves, 3.1 keywords included: a 3.0
	// document can carry them as unknown keywords the decoder still reads.
	for _, v := range []*openapi3.SchemaRef{value.Items, value.AdditionalProperties.Schema, value.Not,
		value.Contains, value.PropertyNames, value.UnevaluatedItems.Schema, value.UnevaluatedProperties.Schema,
		value.If, value.Then, value.Else, value.ContentSchema} {
		if v != nil && !r.schema(v) {
			return false
		}
	}
	for _, list := range [][]*openapi3.SchemaRef{value.AllOf, value.AnyOf, value.OneOf, value.PrefixItems} {
		if !everyIn(list, r.schema) {
			return false
		}
	}
	for _, m := range []openapi3.Schemas{value.Properties, value.PatternProperties, value.DependentSchemas, value.Defs} {
		if !every(m, r.schema) {
			return false
		}
	}
	// Discriminator mappings that point into this document stay strings,
	// as the loader leaves them; one pointing elsewhere is its business.
	if d := value.Discriminator; d != nil {
		for _, v := range d.Mapping {
			if strings.Contains(v.Ref, "/") && !strings.HasPrefix(v.Ref, "#") {
				return false
			}
		}
	}
	return true
}

func (r *localResolver) parameter(p *openapi3.ParameterRef) bool {
	if p == nil {
		return false
	}
	value, ok := follow(r, p.Ref, p.Value, func(v *openapi3.Parameter) { p.Value = v }, "parameters", r.comps.Parameters,
		func(x *openapi3.ParameterRef) (string, *openapi3.Parameter) { return x.Ref, x.Value })
	if !ok {
		return false
	}
	if value.Content != nil && value.Schema != nil {
		return false
	}
	return r.content(value.Content) && (value.Schema == nil || r.schema(value.Schema)) && r.examples(value.Examples)
}

func (r *localResolver) header(h *openapi3.HeaderRef) bool {
	if h == nil {
		return false
	}
	value, ok := follow(r, h.Ref, h.Value, func(v *openapi3.Header) { h.Value = v }, "headers", r.comps.Headers,
		func(x *openapi3.HeaderRef) (string, *openapi3.Header) { return x.Ref, x.Value })
	if !ok {
		return false
	}
	return r.content(value.Content) && (value.Schema == nil || r.schema(value.Schema)) && r.examples(value.Examples)
}

func (r *localResolver) requestBody(b *openapi3.RequestBodyRef) bool {
	if b == nil {
		return false
	}
	value, ok := follow(r, b.Ref, b.Value, func(v *openapi3.RequestBody) { b.Value = v }, "requestBodies", r.comps.RequestBodies,
		func(x *openapi3.RequestBodyRef) (string, *openapi3.RequestBody) { return x.Ref, x.Value })
	if !ok {
		return false
	}
	return r.content(value.Content)
}

func (r *localResolver) response(resp *openapi3.ResponseRef) bool {
	if resp == nil {
		return false
	}
	value, ok := follow(r, resp.Ref, resp.Value, func(v *openapi3.Response) { resp.Value = v }, "responses", r.comps.Responses,
		func(x *openapi3.ResponseRef) (string, *openapi3.Response) { return x.Ref, x.Value })
	if !ok {
		return false
	}
	return every(value.Headers, r.header) && every(value.Links, r.link) && r.content(value.Content)
}

func (r *localResolver) content(c openapi3.Content) bool {
	for _, mt := range c {
		if mt == nil {
			continue
		}
		for _, s := range []*openapi3.SchemaRef{mt.Schema, mt.ItemSchema} {
			if s != nil && !r.schema(s) {
				return false
			}
		}
		if !r.examples(mt.Examples) {
			return false
		}
	}
	return true
}

func (r *localResolver) examples(m openapi3.Examples) bool { return every(m, r.example) }

func (r *localResolver) example(e *openapi3.ExampleRef) bool {
	if e == nil {
		return false
	}
	_, ok := follow(r, e.Ref, e.Value, func(v *openapi3.Example) { e.Value = v }, "examples", r.comps.Examples,
		func(x *openapi3.ExampleRef) (string, *openapi3.Example) { return x.Ref, x.Value })
	return ok
}

func (r *localResolver) link(l *openapi3.LinkRef) bool {
	if l == nil {
		return false
	}
	_, ok := follow(r, l.Ref, l.Value, func(v *openapi3.Link) { l.Value = v }, "links", r.comps.Links,
		func(x *openapi3.LinkRef) (string, *openapi3.Link) { return x.Ref, x.Value })
	return ok
}

func (r *localResolver) securityScheme(s *openapi3.SecuritySchemeRef) bool {
	if s == nil {
		return false
	}
	_, ok := follow(r, s.Ref, s.Value, func(v *openapi3.SecurityScheme) { s.Value = v }, "securitySchemes", r.comps.SecuritySchemes,
		func(x *openapi3.SecuritySchemeRef) (string, *openapi3.SecurityScheme) { return x.Ref, x.Value })
	return ok
}

func (r *localResolver) callback(c *openapi3.CallbackRef) bool {
	if c == nil {
		return false
	}
	value, ok := follow(r, c.Ref, c.Value, func(v *openapi3.Callback) { c.Value = v }, "callbacks", r.comps.Callbacks,
		func(x *openapi3.CallbackRef) (string, *openapi3.Callback) { return x.Ref, x.Value })
	if !ok {
		return false
	}
	return every(value.Map(), func(item *openapi3.PathItem) bool { return item != nil && r.pathItem(item) })
}

func (r *localResolver) pathItem(item *openapi3.PathItem) bool {
	if item.Ref != "" {
		return false
	}
	return everyIn(item.Parameters, r.parameter) && every(item.Operations(), func(op *openapi3.Operation) bool {
		return everyIn(op.Parameters, r.parameter) &&
			(op.RequestBody == nil || r.requestBody(op.RequestBody)) &&
			(op.Responses == nil || every(op.Responses.Map(), r.response)) &&
			every(op.Callbacks, r.callback)
	})
}
