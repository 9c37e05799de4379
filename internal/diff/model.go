package diff

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/pb33f/go-yaml"
	"github.com/pb33f/libopenapi"
	"github.com/pb33f/libopenapi/datamodel"
	"github.com/pb33f/libopenapi/datamodel/high/base"
	v3 "github.com/pb33f/libopenapi/datamodel/high/v3"
	"github.com/pb33f/libopenapi/orderedmap"
)

// The comparison runs on a small normalised view of each document rather than
// on libopenapi's model directly: references are resolved once, allOf is
// merged, nullable folds into the type set, so the rules only see what
// reaches the wire and not how the document happened to spell it.

// Spec is one loaded document, ready to compare.
type Spec struct {
	ops map[string]*operation // by method + path with parameter names blanked
}

type operation struct {
	method      string
	path        string // the template as the document wrote it
	id          string
	deprecated  bool
	security    []string // alternatives, each "scheme+scheme"; nil: none required
	pathParams  []string // names in the order they appear in the template
	params      map[string]*parameter
	body        *requestBody
	responses   map[string]*response
	statusOrder []string
	pos         position
}

// Operations lists the document's operations as reports name them,
// "POST /{app_slug}/v1/auth/signin", sorted.
func (s *Spec) Operations() []string {
	out := make([]string, 0, len(s.ops))
	for _, op := range s.ops {
		out = append(out, op.name())
	}
	sort.Strings(out)
	return out
}

// name is how reports refer to the operation, e.g. "POST /{app_slug}/v1/auth/signin".
func (o *operation) name() string { return o.method + " " + o.path }

type parameter struct {
	in, name   string
	required   bool
	deprecated bool
	schema     *schema
	pos        position
}

type requestBody struct {
	required bool
	content  map[string]*schema // media type -> schema (nil schema: none given)
	pos      position
}

type response struct {
	content map[string]*schema
	pos     position
}

type schema struct {
	ref        string   // component name when it came from a $ref
	types      []string // sorted; "null" when nullable; empty: any
	format     string
	enum       []string
	props      map[string]*schema
	propOrder  []string
	required   map[string]bool
	items      *schema
	oneOf      []*schema // oneOf or anyOf alternatives
	deprecated bool
	limits     limits
	// dynRef is an unresolved $dynamicRef: two of them are the same schema
	// when they name the same anchor.
	dynRef string
	pos    position // where the schema is written, for annotations

	// allOf parts and the $dynamicRef target wait here until the whole
	// document is converted: merging a recursive part while it is still
	// being filled would copy half of it.
	pending []*schema
	fp      *uint64 // shallow fingerprint, computed on first use
}

// position is a 1-based line and column in the document; zero: unknown.
type position struct{ line, col int32 }

// limits are the value constraints a validator enforces; nil: none.
type limits struct {
	minLength, maxLength *int64
	minimum, maximum     *float64
	minItems, maxItems   *int64
	pattern              string
}

var pathParamRe = regexp.MustCompile(`\{[^}/]*\}`)

// opKey identifies an operation by what a client sends: renaming a path
// parameter does not change the URL.
func opKey(method, path string) string {
	return method + " " + pathParamRe.ReplaceAllString(path, "{}")
}

func templateParams(path string) []string {
	found := pathParamRe.FindAllString(path, -1)
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = strings.Trim(f, "{}")
	}
	return names
}

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))

// Load parses and resolves one OpenAPI 3 document (JSON or YAML) with
// libopenapi and keeps the normalised view the comparison needs; the
// parser's own model is dropped, so a loaded Spec is small.
func Load(data []byte) (*Spec, error) {
	if len(strings.TrimSpace(string(data))) == 0 {
		return nil, errors.New("empty document")
	}
	cfg := datamodel.NewDocumentConfiguration()
	cfg.Logger = quietLogger
	// The walk below is cycle-safe on its own and needs neither the
	// circular-reference report nor the index metadata: skipping them
	// saves a third of the parse time.
	cfg.SkipCircularReferenceCheck = true
	cfg.SkipMetadataCollection = true
	cfg.SkipJSONConversion = true
	// Keywords beside a $ref are applied by refWithSiblings, by the
	// document's version; the parser's own merge would apply them in 3.0
	// too, where they are to be ignored.
	cfg.MergeReferencedProperties = false
	doc, err := libopenapi.NewDocumentWithConfiguration(data, cfg)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if v := doc.GetVersion(); !strings.HasPrefix(v, "3.") {
		return nil, fmt.Errorf("not an OpenAPI 3 document (version %q)", v)
	}
	model, err := doc.BuildV3Model()
	if model == nil {
		return nil, fmt.Errorf("build model: %w", err)
	}
	// Errors beside a built model are circular references and the like,
	// which the cycle-safe walk below copes with.
	n := &normaliser{
		byRef:   map[string]*schema{},
		anchors: map[string]*schema{},
		// 3.0 ignores the keywords beside a $ref; 3.1 (JSON Schema
		// 2020-12) applies them together with the referenced schema.
		refSiblings: !strings.HasPrefix(doc.GetVersion(), "3.0"),
	}
	s := &Spec{ops: map[string]*operation{}}
	root := securityOf(model.Model.Security)
	if model.Model.Paths == nil {
		return s, nil
	}
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		if item == nil {
			continue
		}
		for _, m := range methodsOf(item) {
			o := n.operation(m.method, path, item, m.op, root)
			s.ops[opKey(o.method, path)] = o
		}
	}
	n.resolvePending()
	return s, nil
}

type methodOp struct {
	method string
	op     *v3.Operation
}

func methodsOf(item *v3.PathItem) []methodOp {
	var out []methodOp
	for _, m := range []methodOp{
		{"GET", item.Get}, {"PUT", item.Put}, {"POST", item.Post}, {"DELETE", item.Delete},
		{"OPTIONS", item.Options}, {"HEAD", item.Head}, {"PATCH", item.Patch}, {"TRACE", item.Trace},
	} {
		if m.op != nil {
			out = append(out, m)
		}
	}
	return out
}

func securityOf(reqs []*base.SecurityRequirement) []string {
	if reqs == nil {
		return nil
	}
	var alts []string
	for _, r := range reqs {
		if r == nil || r.Requirements == nil || r.Requirements.Len() == 0 {
			alts = append(alts, "") // an empty alternative makes auth optional
			continue
		}
		var names []string
		for name := range r.Requirements.KeysFromOldest() {
			names = append(names, name)
		}
		sort.Strings(names)
		alts = append(alts, strings.Join(names, "+"))
	}
	sort.Strings(alts)
	return alts
}

type normaliser struct {
	byRef       map[string]*schema
	anchors     map[string]*schema // $dynamicAnchor name -> the first schema declaring it
	refSiblings bool
	withPending []*schema
	all         []*schema
}

// posOf reads where a node starts.
func posOf(node *yaml.Node) position {
	if node == nil {
		return position{}
	}
	return position{int32(node.Line), int32(node.Column)}
}

func (n *normaliser) operation(method, path string, item *v3.PathItem, op *v3.Operation, rootSecurity []string) *operation {
	o := &operation{
		method:     method,
		path:       path,
		id:         op.OperationId,
		deprecated: op.Deprecated != nil && *op.Deprecated,
		security:   rootSecurity,
		pathParams: templateParams(path),
		params:     map[string]*parameter{},
		responses:  map[string]*response{},
	}
	if low := op.GoLow(); low != nil {
		o.pos = posOf(low.KeyNode)
	}
	if op.Security != nil {
		o.security = securityOf(op.Security)
	}
	// Operation-level parameters override path-level ones of the same name.
	for _, list := range [][]*v3.Parameter{item.Parameters, op.Parameters} {
		for _, p := range list {
			if p == nil {
				continue
			}
			param := &parameter{
				in:         p.In,
				name:       p.Name,
				required:   p.Required != nil && *p.Required,
				deprecated: p.Deprecated,
				schema:     n.proxy(p.Schema),
			}
			if low := p.GoLow(); low != nil {
				param.pos = posOf(low.RootNode)
			}
			o.params[paramKey(p.In, p.Name)] = param
		}
	}
	if rb := op.RequestBody; rb != nil {
		o.body = &requestBody{required: rb.Required != nil && *rb.Required, content: n.content(rb.Content)}
		if low := rb.GoLow(); low != nil {
			o.body.pos = posOf(low.RootNode)
		}
	}
	if op.Responses != nil {
		for code, r := range op.Responses.Codes.FromOldest() {
			o.responses[code] = n.response(r)
			o.statusOrder = append(o.statusOrder, code)
		}
		if op.Responses.Default != nil {
			o.responses["default"] = n.response(op.Responses.Default)
			o.statusOrder = append(o.statusOrder, "default")
		}
	}
	return o
}

// paramKey matches parameters by location and name; header names are
// case-insensitive on the wire.
func paramKey(in, name string) string {
	if in == "header" {
		name = strings.ToLower(name)
	}
	return in + ":" + name
}

func (n *normaliser) response(r *v3.Response) *response {
	if r == nil {
		return &response{}
	}
	out := &response{content: n.content(r.Content)}
	if low := r.GoLow(); low != nil {
		out.pos = posOf(low.RootNode)
	}
	return out
}

func (n *normaliser) content(c *orderedmap.Map[string, *v3.MediaType]) map[string]*schema {
	out := map[string]*schema{}
	for mt, media := range c.FromOldest() {
		if media == nil {
			out[mt] = nil
			continue
		}
		out[mt] = n.proxy(media.Schema)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// proxy converts a (possibly referenced) schema. Referenced schemas are
// converted once and shared, which also ties recursive schemas into a
// finite graph.
func (n *normaliser) proxy(p *base.SchemaProxy) *schema {
	if p == nil {
		return nil
	}
	if low := p.GoLow(); low != nil && low.IsTransformedRefWithSiblings() {
		return n.refWithSiblings(p)
	}
	ref := ""
	if p.IsReference() {
		ref = p.GetReference()
		if s, ok := n.byRef[ref]; ok {
			return s
		}
	}
	out := &schema{}
	n.all = append(n.all, out)
	if low := p.GoLow(); low != nil {
		out.pos = posOf(low.GetValueNode())
	}
	if ref != "" {
		out.ref = refName(ref)
		n.byRef[ref] = out
	}
	if s := p.Schema(); s != nil {
		n.fill(out, s)
	}
	return out
}

func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

// refWithSiblings handles `$ref` written beside other keywords, e.g. a
// description. OpenAPI 3.1 applies both, as allOf would; 3.0 says the
// siblings are ignored. Either way the referenced schema's own fields stay.
func (n *normaliser) refWithSiblings(p *base.SchemaProxy) *schema {
	// The parser rewrites the node as allOf[siblings, $ref]; in 3.1 its
	// high-level view shows only the siblings, so ask for the allOf.
	whole := p.Schema()
	if p.IsTransformedRefWithSiblings() {
		var err error
		if whole, err = p.BuildTransformedRefSemanticSchema(nil); err != nil {
			whole = nil
		}
	}
	if whole == nil {
		return &schema{}
	}
	var target *base.SchemaProxy
	var siblings []*base.SchemaProxy
	for _, part := range whole.AllOf {
		if part != nil && part.IsReference() && target == nil {
			target = part
			continue
		}
		siblings = append(siblings, part)
	}
	if !n.refSiblings || target == nil {
		return n.proxy(target)
	}
	out := &schema{ref: refName(target.GetReference())}
	n.all = append(n.all, out)
	if low := p.GoLow(); low != nil {
		out.pos = posOf(low.GetValueNode())
	}
	out.pending = append(out.pending, n.proxy(target))
	for _, sib := range siblings {
		if sib == nil {
			continue
		}
		if ss := sib.Schema(); ss != nil {
			n.fill(out, ss)
		}
	}
	n.withPending = append(n.withPending, out)
	return out
}

func (n *normaliser) fill(out *schema, s *base.Schema) {
	for _, t := range s.Type {
		out.addType(t)
	}
	if s.Nullable != nil && *s.Nullable {
		out.addType("null")
	}
	if s.Format != "" {
		out.format = s.Format
	}
	for _, e := range s.Enum {
		if e != nil {
			out.enum = append(out.enum, e.Value)
		}
	}
	// const is an enum of one (JSON Schema 2020-12).
	if s.Const != nil && len(out.enum) == 0 {
		out.enum = []string{s.Const.Value}
	}
	if s.Deprecated != nil && *s.Deprecated {
		out.deprecated = true
	}
	// Copies, not the parser's pointers: those point into its model and
	// would keep the whole parsed document alive as long as the Spec.
	out.limits.merge(limits{
		minLength: clone(s.MinLength), maxLength: clone(s.MaxLength),
		minimum: clone(s.Minimum), maximum: clone(s.Maximum),
		minItems: clone(s.MinItems), maxItems: clone(s.MaxItems),
		pattern: strings.Clone(s.Pattern),
	})
	for _, r := range s.Required {
		if out.required == nil {
			out.required = map[string]bool{}
		}
		out.required[r] = true
	}
	for name, p := range s.Properties.FromOldest() {
		out.addProp(name, n.proxy(p))
	}
	if s.Items != nil && s.Items.IsA() {
		out.items = n.proxy(s.Items.A)
	}
	for _, alt := range append(append([]*base.SchemaProxy{}, s.OneOf...), s.AnyOf...) {
		out.oneOf = append(out.oneOf, n.proxy(alt))
	}
	if s.DynamicAnchor != "" {
		if _, ok := n.anchors[s.DynamicAnchor]; !ok {
			n.anchors[s.DynamicAnchor] = out
		}
	}
	if s.DynamicRef != "" {
		out.dynRef = s.DynamicRef
		n.withPending = append(n.withPending, out)
	}
	// allOf parts describe one object together: merging them keeps a single
	// `allOf: [$ref]` wrapper identical to the plain $ref.
	for _, part := range s.AllOf {
		if part == nil {
			continue
		}
		ps := n.proxy(part)
		out.pending = append(out.pending, ps)
		if len(s.AllOf) == 1 && out.ref == "" {
			out.ref = ps.ref
		}
	}
	if len(s.AllOf) > 0 {
		n.withPending = append(n.withPending, out)
	}
}

// resolvePending merges allOf parts and $dynamicRef targets once every
// schema is converted. A $dynamicRef resolves to the schema declaring the
// anchor, the static scope JSON Schema falls back to when no outer schema
// overrides it.
func (n *normaliser) resolvePending() {
	for _, s := range n.withPending {
		if s.dynRef == "" {
			continue
		}
		name := s.dynRef[strings.LastIndex(s.dynRef, "#")+1:]
		if target, ok := n.anchors[name]; ok && target != s {
			s.pending = append(s.pending, target)
			s.dynRef = ""
		}
	}
	done := map[*schema]bool{}
	var flatten func(s *schema)
	flatten = func(s *schema) {
		if done[s] {
			return
		}
		done[s] = true // a part that includes s again merges what s has so far
		parts := s.pending
		s.pending = nil
		for _, part := range parts {
			if part == nil {
				continue
			}
			flatten(part)
			s.merge(part)
		}
	}
	for _, s := range n.withPending {
		flatten(s)
	}
	n.withPending = nil
	for _, s := range n.all {
		s.foldValueAlternatives()
	}
	n.all = nil
}

// foldValueAlternatives turns a oneOf whose alternatives are each only a
// const or enum (the usual way to give enum values descriptions) into the
// enum it means, so its values compare as values and not as shapes.
func (s *schema) foldValueAlternatives() {
	if len(s.oneOf) == 0 {
		return
	}
	var values []string
	for _, a := range s.oneOf {
		if a == nil || len(a.enum) == 0 || len(a.props) > 0 || a.items != nil || len(a.oneOf) > 0 || len(a.required) > 0 {
			return
		}
		for _, t := range a.types {
			if !slices.Contains(s.types, t) && len(s.types) > 0 {
				return
			}
		}
		values = append(values, a.enum...)
	}
	for _, a := range s.oneOf {
		for _, t := range a.types {
			s.addType(t)
		}
	}
	if len(s.enum) == 0 {
		s.enum = values
	}
	s.oneOf = nil
}

func (s *schema) addType(t string) {
	for _, have := range s.types {
		if have == t {
			return
		}
	}
	s.types = append(s.types, t)
	sort.Strings(s.types)
}

func (s *schema) addProp(name string, p *schema) {
	if s.props == nil {
		s.props = map[string]*schema{}
	}
	if _, ok := s.props[name]; !ok {
		s.propOrder = append(s.propOrder, name)
	}
	s.props[name] = p
}

func (s *schema) merge(part *schema) {
	if part == nil || part == s {
		return
	}
	for _, t := range part.types {
		s.addType(t)
	}
	if s.format == "" {
		s.format = part.format
	}
	switch {
	case len(s.enum) == 0:
		s.enum = part.enum
	case len(part.enum) > 0: // a value must satisfy every part
		var both []string
		for _, v := range s.enum {
			if slices.Contains(part.enum, v) {
				both = append(both, v)
			}
		}
		s.enum = both
	}
	for _, name := range part.propOrder {
		s.addProp(name, part.props[name])
	}
	for r := range part.required {
		if s.required == nil {
			s.required = map[string]bool{}
		}
		s.required[r] = true
	}
	if s.items == nil {
		s.items = part.items
	}
	s.oneOf = append(s.oneOf, part.oneOf...)
	s.deprecated = s.deprecated || part.deprecated
	s.limits.merge(part.limits)
}

func clone[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// merge keeps the constraints already set and fills the others.
func (l *limits) merge(o limits) {
	if l.minLength == nil {
		l.minLength = o.minLength
	}
	if l.maxLength == nil {
		l.maxLength = o.maxLength
	}
	if l.minimum == nil {
		l.minimum = o.minimum
	}
	if l.maximum == nil {
		l.maximum = o.maximum
	}
	if l.minItems == nil {
		l.minItems = o.minItems
	}
	if l.maxItems == nil {
		l.maxItems = o.maxItems
	}
	if l.pattern == "" {
		l.pattern = o.pattern
	}
}
