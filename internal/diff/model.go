package diff

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/heimdall-mock/heimdall-mock/internal/lazyre"
	yaml "go.yaml.in/yaml/v4"
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
	ref       string   // component name when it came from a $ref
	types     []string // sorted; "null" when nullable; empty: any
	format    string
	enum      []string
	props     map[string]*schema
	propOrder []string
	required  map[string]bool
	items     *schema
	oneOf     []*schema // oneOf or anyOf alternatives
	// additionalProperties: closed when false; addl when a schema; open
	// (anything goes) when neither, as when it is absent or true.
	closed     bool
	addl       *schema
	not        *schema
	cond       *condition // if/then/else
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

// condition is an if/then/else: then applies to values matching if, else
// to the others. Either branch may be nil.
type condition struct{ ifs, then, els *schema }

// position is a 1-based line and column in the document; zero: unknown.
type position struct{ line, col int32 }

// limits are the value constraints a validator enforces; nil: none.
type limits struct {
	minLength, maxLength *int64
	minimum, maximum     *float64
	minItems, maxItems   *int64
	pattern              string
}

var pathParamRe = lazyre.New(`\{[^}/]*\}`)

// opKey identifies an operation by what a client sends: renaming a path
// parameter does not change the URL.
func opKey(method, path string) string {
	return method + " " + pathParamRe().ReplaceAllString(path, "{}")
}

func templateParams(path string) []string {
	found := pathParamRe().FindAllString(path, -1)
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = strings.Trim(f, "{}")
	}
	return names
}

// Load parses one OpenAPI 3 document (JSON or YAML) and keeps the
// normalised view the comparison needs. It reads the document's node tree
// directly, following local $refs itself, and builds only what the rules
// compare; the tree is dropped afterwards, so a loaded Spec is small.
func Load(data []byte) (*Spec, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty document")
	}
	root, err := parseNodes(data)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	if root.Kind != yaml.MappingNode {
		return nil, errors.New("not an OpenAPI document: want a mapping with an openapi field")
	}
	version := scalar(field(root, "openapi"))
	if !strings.HasPrefix(version, "3.") {
		return nil, fmt.Errorf("not an OpenAPI 3 document (version %q)", version)
	}
	n := &normaliser{
		root:     root,
		pointers: map[string]*yaml.Node{},
		byRef:    map[string]*schema{},
		anchors:  map[string]*schema{},
		// 3.0 ignores the keywords beside a $ref; 3.1 (JSON Schema
		// 2020-12) applies them together with the referenced schema.
		refSiblings: !strings.HasPrefix(version, "3.0"),
	}
	s := &Spec{ops: map[string]*operation{}}
	rootSecurity := securityOf(field(root, "security"))
	for path, item := range entries(field(root, "paths")) {
		if strings.HasPrefix(path.Value, "x-") {
			continue
		}
		item = n.deref(item)
		if item.Kind != yaml.MappingNode {
			continue
		}
		for method, op := range entries(item) {
			m := strings.ToUpper(method.Value)
			if !httpMethods[m] || op.Kind != yaml.MappingNode {
				continue
			}
			o := n.operation(m, path.Value, item, method, op, rootSecurity)
			s.ops[opKey(o.method, o.path)] = o
		}
	}
	n.resolvePending()
	return s, nil
}

// parseNodes reads JSON directly and anything else as YAML.
func parseNodes(data []byte) (*yaml.Node, error) {
	if trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(trimmed) > 0 && trimmed[0] == '{' {
		if root, err := jsonNodes(data); err == nil {
			return root, nil
		}
		// Not strict JSON (comments, YAML flow style): the YAML parser
		// reads it or says why not.
	}
	var top yaml.Node
	if err := yaml.Unmarshal(data, &top); err != nil {
		return nil, err
	}
	root := &top
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	return unalias(root), nil
}

var httpMethods = map[string]bool{
	"GET": true, "PUT": true, "POST": true, "DELETE": true,
	"OPTIONS": true, "HEAD": true, "PATCH": true, "TRACE": true,
}

// unalias follows YAML aliases (*name) to the node they stand for.
func unalias(node *yaml.Node) *yaml.Node {
	for i := 0; node != nil && node.Kind == yaml.AliasNode && i < 32; i++ {
		node = node.Alias
	}
	return node
}

// entries iterates a mapping's keys and (unaliased) values in document
// order; anything else yields nothing.
func entries(m *yaml.Node) iter.Seq2[*yaml.Node, *yaml.Node] {
	return func(yield func(*yaml.Node, *yaml.Node) bool) {
		m = unalias(m)
		if m == nil || m.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			if !yield(m.Content[i], unalias(m.Content[i+1])) {
				return
			}
		}
	}
}

// items iterates a sequence's (unaliased) elements.
func items(seq *yaml.Node) iter.Seq[*yaml.Node] {
	return func(yield func(*yaml.Node) bool) {
		seq = unalias(seq)
		if seq == nil || seq.Kind != yaml.SequenceNode {
			return
		}
		for _, e := range seq.Content {
			if !yield(unalias(e)) {
				return
			}
		}
	}
}

// field is the value under key in a mapping, nil when absent.
func field(m *yaml.Node, key string) *yaml.Node {
	for k, v := range entries(m) {
		if k.Value == key {
			return v
		}
	}
	return nil
}

func scalar(node *yaml.Node) string {
	if node == nil || node.Kind != yaml.ScalarNode {
		return ""
	}
	return node.Value
}

func isTrue(node *yaml.Node) bool {
	switch scalar(node) {
	case "true", "True", "TRUE":
		return true
	}
	return false
}

func intOf(node *yaml.Node) *int64 {
	v := scalar(node)
	if v == "" {
		return nil
	}
	if i, err := strconv.ParseInt(v, 10, 64); err == nil {
		return &i
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil {
		i := int64(f)
		return &i
	}
	return nil
}

func floatOf(node *yaml.Node) *float64 {
	if f, err := strconv.ParseFloat(scalar(node), 64); err == nil {
		return &f
	}
	return nil
}

// resolve finds the node a local reference ("#/components/schemas/Pet")
// points at; nil for references into other files or to nothing.
func (n *normaliser) resolve(ref string) *yaml.Node {
	if node, ok := n.pointers[ref]; ok {
		return node
	}
	var node *yaml.Node
	if ptr, ok := strings.CutPrefix(ref, "#"); ok {
		node = n.root
		for tok := range strings.SplitSeq(strings.TrimPrefix(ptr, "/"), "/") {
			if ptr == "" || node == nil {
				break
			}
			if unesc, err := url.PathUnescape(tok); err == nil {
				tok = unesc
			}
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			if node.Kind == yaml.SequenceNode {
				i, err := strconv.Atoi(tok)
				if err != nil || i < 0 || i >= len(node.Content) {
					node = nil
					break
				}
				node = unalias(node.Content[i])
				continue
			}
			node = field(node, tok)
		}
	}
	n.pointers[ref] = node
	return node
}

// deref follows the $ref of a parameter, request body, response or path
// item to the object it names; an unresolvable one reads as empty.
func (n *normaliser) deref(node *yaml.Node) *yaml.Node {
	node = unalias(node)
	for i := 0; i < 32 && node != nil && node.Kind == yaml.MappingNode; i++ {
		ref := scalar(field(node, "$ref"))
		if ref == "" {
			return node
		}
		node = n.resolve(ref)
	}
	if node == nil {
		return &yaml.Node{Kind: yaml.MappingNode}
	}
	return node
}

func securityOf(reqs *yaml.Node) []string {
	var alts []string
	for r := range items(reqs) {
		var names []string
		for name := range entries(r) {
			names = append(names, name.Value)
		}
		sort.Strings(names)
		alts = append(alts, strings.Join(names, "+")) // "": auth is optional
	}
	sort.Strings(alts)
	return alts
}

type normaliser struct {
	root        *yaml.Node
	pointers    map[string]*yaml.Node // resolved local references
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

func (n *normaliser) operation(method, path string, item, key, op *yaml.Node, rootSecurity []string) *operation {
	o := &operation{
		method:     method,
		path:       path,
		id:         scalar(field(op, "operationId")),
		security:   rootSecurity,
		pathParams: templateParams(path),
		params:     map[string]*parameter{},
		responses:  map[string]*response{},
		pos:        posOf(key),
	}
	var params, body, responses *yaml.Node
	for k, v := range entries(op) {
		switch k.Value {
		case "deprecated":
			o.deprecated = isTrue(v)
		case "security":
			o.security = securityOf(v)
		case "parameters":
			params = v
		case "requestBody":
			body = v
		case "responses":
			responses = v
		}
	}
	// Operation-level parameters override path-level ones of the same name.
	for _, list := range []*yaml.Node{field(item, "parameters"), params} {
		for p := range items(list) {
			p = n.deref(p)
			param := &parameter{
				in:         scalar(field(p, "in")),
				name:       scalar(field(p, "name")),
				required:   isTrue(field(p, "required")),
				deprecated: isTrue(field(p, "deprecated")),
				schema:     n.proxy(field(p, "schema")),
				pos:        posOf(p),
			}
			o.params[paramKey(param.in, param.name)] = param
		}
	}
	if body != nil {
		rb := n.deref(body)
		o.body = &requestBody{required: isTrue(field(rb, "required")), content: n.content(field(rb, "content")), pos: posOf(rb)}
	}
	var dflt *yaml.Node
	for code, r := range entries(responses) {
		switch {
		case code.Value == "default":
			dflt = r
		case strings.HasPrefix(code.Value, "x-"):
		default:
			o.responses[code.Value] = n.response(r)
			o.statusOrder = append(o.statusOrder, code.Value)
		}
	}
	if dflt != nil {
		o.responses["default"] = n.response(dflt)
		o.statusOrder = append(o.statusOrder, "default")
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

func (n *normaliser) response(r *yaml.Node) *response {
	r = n.deref(r)
	return &response{content: n.content(field(r, "content")), pos: posOf(r)}
}

func (n *normaliser) content(c *yaml.Node) map[string]*schema {
	out := map[string]*schema{}
	for mt, media := range entries(c) {
		out[mt.Value] = n.proxy(field(media, "schema"))
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// proxy converts a (possibly referenced) schema. Referenced schemas are
// converted once and shared, which also ties recursive schemas into a
// finite graph.
func (n *normaliser) proxy(node *yaml.Node) *schema {
	node = unalias(node)
	if node == nil {
		return nil
	}
	ref := ""
	if node.Kind == yaml.MappingNode {
		ref = scalar(field(node, "$ref"))
	}
	if ref != "" && len(node.Content) > 2 {
		return n.refWithSiblings(node, ref)
	}
	if ref == "" {
		out := &schema{pos: posOf(node)}
		n.all = append(n.all, out)
		n.fill(out, node)
		return out
	}
	if s, ok := n.byRef[ref]; ok {
		return s
	}
	target := n.resolve(ref)
	out := &schema{ref: refName(ref), pos: posOf(target)}
	n.all = append(n.all, out)
	n.byRef[ref] = out
	// A chain of references ($ref to a schema that is itself a $ref)
	// shares what its end converts to.
	if target != nil && target.Kind == yaml.MappingNode {
		if next := scalar(field(target, "$ref")); next != "" && len(target.Content) == 2 {
			out.pending = append(out.pending, n.proxy(target))
			n.withPending = append(n.withPending, out)
			return out
		}
	}
	n.fill(out, target)
	return out
}

func refName(ref string) string { return ref[strings.LastIndex(ref, "/")+1:] }

// refWithSiblings handles `$ref` written beside other keywords, e.g. a
// description. OpenAPI 3.1 applies both, as allOf would; 3.0 says the
// siblings are ignored. Either way the referenced schema's own fields stay.
func (n *normaliser) refWithSiblings(node *yaml.Node, ref string) *schema {
	target := &yaml.Node{Kind: yaml.MappingNode, Content: []*yaml.Node{{Kind: yaml.ScalarNode, Value: "$ref"}, {Kind: yaml.ScalarNode, Value: ref}}}
	if !n.refSiblings {
		return n.proxy(target)
	}
	out := &schema{ref: refName(ref), pos: posOf(node)}
	n.all = append(n.all, out)
	out.pending = append(out.pending, n.proxy(target))
	n.fill(out, node)
	n.withPending = append(n.withPending, out)
	return out
}

// fill reads one schema object's keywords into out; $ref is the caller's.
func (n *normaliser) fill(out *schema, node *yaml.Node) {
	var (
		constant                  *yaml.Node
		props, itemsNode          *yaml.Node
		oneOf, anyOf, allOf       *yaml.Node
		addl, not, ifs, then, els *yaml.Node
		dynamicAnchor, dynamicRef string
		lim                       limits
	)
	for k, v := range entries(node) {
		switch k.Value {
		case "type":
			if v.Kind == yaml.SequenceNode {
				for t := range items(v) {
					out.addType(t.Value)
				}
			} else if t := scalar(v); t != "" {
				out.addType(t)
			}
		case "nullable":
			if isTrue(v) {
				out.addType("null")
			}
		case "format":
			out.format = scalar(v)
		case "enum":
			for e := range items(v) {
				out.enum = append(out.enum, e.Value)
			}
		case "const":
			constant = v
		case "deprecated":
			out.deprecated = out.deprecated || isTrue(v)
		case "minLength":
			lim.minLength = intOf(v)
		case "maxLength":
			lim.maxLength = intOf(v)
		case "minimum":
			lim.minimum = floatOf(v)
		case "maximum":
			lim.maximum = floatOf(v)
		case "minItems":
			lim.minItems = intOf(v)
		case "maxItems":
			lim.maxItems = intOf(v)
		case "pattern":
			lim.pattern = scalar(v)
		case "required":
			for r := range items(v) {
				if out.required == nil {
					out.required = map[string]bool{}
				}
				out.required[r.Value] = true
			}
		case "properties":
			props = v
		case "items":
			itemsNode = v
		case "oneOf":
			oneOf = v
		case "anyOf":
			anyOf = v
		case "allOf":
			allOf = v
		case "additionalProperties":
			addl = v
		case "not":
			not = v
		case "if":
			ifs = v
		case "then":
			then = v
		case "else":
			els = v
		case "$dynamicAnchor":
			dynamicAnchor = scalar(v)
		case "$dynamicRef":
			dynamicRef = scalar(v)
		}
	}
	// const is an enum of one (JSON Schema 2020-12).
	if constant != nil && len(out.enum) == 0 {
		out.enum = []string{constant.Value}
	}
	out.limits.merge(lim)
	// Converted in a fixed keyword order, not the document's, so that a
	// reordered copy of a document converts alike.
	for name, p := range entries(props) {
		out.addProp(name.Value, n.proxy(p))
	}
	if itemsNode != nil && itemsNode.Kind == yaml.MappingNode {
		out.items = n.proxy(itemsNode)
	}
	for _, alts := range []*yaml.Node{oneOf, anyOf} {
		for alt := range items(alts) {
			out.oneOf = append(out.oneOf, n.proxy(alt))
		}
	}
	switch {
	case addl == nil:
	case addl.Kind == yaml.MappingNode:
		out.addl = n.proxy(addl)
	case scalar(addl) == "false":
		out.closed = true
	}
	if not != nil && not.Kind == yaml.MappingNode {
		out.not = n.proxy(not)
	}
	// then and else mean nothing without an if.
	if ifs != nil && ifs.Kind == yaml.MappingNode {
		out.cond = &condition{ifs: n.proxy(ifs), then: n.proxy(then), els: n.proxy(els)}
	}
	if dynamicAnchor != "" {
		if _, ok := n.anchors[dynamicAnchor]; !ok {
			n.anchors[dynamicAnchor] = out
		}
	}
	if dynamicRef != "" {
		out.dynRef = dynamicRef
		n.withPending = append(n.withPending, out)
	}
	// allOf parts describe one object together: merging them keeps a single
	// `allOf: [$ref]` wrapper identical to the plain $ref.
	var parts []*schema
	for part := range items(allOf) {
		parts = append(parts, n.proxy(part))
	}
	for _, ps := range parts {
		if ps == nil {
			continue
		}
		out.pending = append(out.pending, ps)
		if len(parts) == 1 && out.ref == "" {
			out.ref = ps.ref
		}
	}
	if len(parts) > 0 {
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
	s.closed = s.closed || part.closed
	s.addl = cmp.Or(s.addl, part.addl)
	s.not = cmp.Or(s.not, part.not)
	s.cond = cmp.Or(s.cond, part.cond)
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
	l.minLength = cmp.Or(l.minLength, o.minLength)
	l.maxLength = cmp.Or(l.maxLength, o.maxLength)
	l.minimum = cmp.Or(l.minimum, o.minimum)
	l.maximum = cmp.Or(l.maximum, o.maximum)
	l.minItems = cmp.Or(l.minItems, o.minItems)
	l.maxItems = cmp.Or(l.maxItems, o.maxItems)
	l.pattern = cmp.Or(l.pattern, o.pattern)
}
