package shape

import (
	"hash/fnv"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/heimdall-mock/heimdall-mock/internal/diff"
)

// node is the precomputed translation of one JSON value from the source
// schema (what the writer produces) to the target schema (what the reader
// expects). A nil node means the value passes unchanged, which is what
// keeps an unchanged spec free of cost on the request path.
type node struct {
	rename map[string]string // source name -> target name
	props  map[string]*node  // by source name: how to translate the value under it
	// closed: the target refuses fields it does not list (additionalProperties:
	// false), so any key outside known is dropped.
	closed bool
	known  map[string]bool
	fills  []fill
	items  *node
	alts   []alt // oneOf/anyOf: one translation per source alternative
}

// fill is a required target field the source does not promise to write.
type fill struct {
	name  string
	value any // generated once, from the target's schema
}

// alt is one source alternative of a oneOf and the way to translate it.
type alt struct {
	required []string
	names    map[string]bool
	node     *node
}

// planner builds the nodes of one body (a request or one response status).
type planner struct {
	op       string // router key of the operation
	where    string // "request body", "response 200"
	request  bool
	renames  map[string]string // "parent\x00source" -> target, from the diff engine
	seed     int64
	generate func(*openapi3.SchemaRef, uint64) any
	// building guards against recursive schemas: a pair already on the
	// stack translates as-is below the first level.
	building map[[2]*openapi3.Schema]bool
	changes  []string // what the plan does, for the health report
}

// newPlanner collects the diff engine's renames that concern this body. The
// diff runs from the domain's document to the loaded one, so a request
// (which goes loaded -> domain) uses them reversed.
func newPlanner(op, where, status string, request bool, all []diff.Rename, seed int64, gen func(*openapi3.SchemaRef, uint64) any) *planner {
	p := &planner{op: op, where: where, request: request, renames: map[string]string{}, seed: seed, generate: gen,
		building: map[[2]*openapi3.Schema]bool{}}
	for _, r := range all {
		if r.Operation != op || r.Request != request || !request && r.Status != status {
			continue
		}
		if request {
			p.renames[r.Parent+"\x00"+r.To] = r.From
		} else {
			p.renames[r.Parent+"\x00"+r.From] = r.To
		}
	}
	return p
}

func (p *planner) note(format string, args ...string) {
	s := format
	for i, a := range args {
		s = strings.Replace(s, "%"+strconv.Itoa(i+1), a, 1)
	}
	p.changes = append(p.changes, p.where+": "+s)
}

// build returns the translation from src to dst at path (the diff engine's
// spelling: "data[].role_id"), or nil when values of src already fit dst.
func (p *planner) build(src, dst *openapi3.SchemaRef, path string) *node {
	if src == nil || dst == nil || src.Value == nil || dst.Value == nil {
		return nil
	}
	pair := [2]*openapi3.Schema{src.Value, dst.Value}
	if p.building[pair] {
		return nil
	}
	p.building[pair] = true
	defer delete(p.building, pair)

	if len(alternatives(src.Value)) > 0 || len(alternatives(dst.Value)) > 0 {
		return p.alternatives(src, dst, path)
	}
	n := &node{}
	changed := false
	if src.Value.Items != nil && dst.Value.Items != nil {
		if n.items = p.build(src.Value.Items, dst.Value.Items, path+"[]"); n.items != nil {
			changed = true
		}
	}
	if p.object(n, flatten(src.Value), flatten(dst.Value), path) {
		changed = true
	}
	if !changed {
		return nil
	}
	return n
}

// object fills n with the field-level translation; true when there is any.
func (p *planner) object(n *node, src, dst shapeOf, path string) bool {
	if len(src.props) == 0 && len(dst.props) == 0 {
		return false
	}
	changed := false
	// Fields only the source has, and fields only the target has: renames
	// pair one of each, first as the diff engine found them, then by the
	// same naming-style rule for pairs its walk did not reach.
	var onlySrc, onlyDst []string
	for _, name := range src.order {
		if _, ok := dst.props[name]; !ok {
			onlySrc = append(onlySrc, name)
		}
	}
	for _, name := range dst.order {
		if _, ok := src.props[name]; !ok {
			onlyDst = append(onlyDst, name)
		}
	}
	taken := map[string]bool{}
	for _, s := range onlySrc {
		to, ok := p.renames[path+"\x00"+s]
		if !ok || dst.props[to] == nil || taken[to] {
			to = ""
			for _, d := range onlyDst {
				if !taken[d] && diff.SameName(s, d) {
					to = d
					break
				}
			}
		}
		if to == "" {
			continue
		}
		taken[to] = true
		if n.rename == nil {
			n.rename = map[string]string{}
		}
		n.rename[s] = to
		p.note("%1 renamed to %2", join(path, s), join(path, to))
		changed = true
	}

	covered := map[string]bool{} // target fields the source always writes
	for _, s := range src.order {
		to := s
		if r, ok := n.rename[s]; ok {
			to = r
		}
		ds, ok := dst.props[to]
		if !ok {
			if dst.closed {
				p.note("%1 dropped: the object is closed and no longer has it", join(path, s))
			}
			continue
		}
		if src.required[s] {
			covered[to] = true
		}
		if child := p.build(src.props[s], ds, join(path, to)); child != nil {
			if n.props == nil {
				n.props = map[string]*node{}
			}
			n.props[s] = child
			changed = true
		}
	}
	if dst.closed && (!src.closed || len(onlySrc) > len(n.rename)) {
		n.closed, n.known = true, map[string]bool{}
		for name := range dst.props {
			n.known[name] = true
		}
		changed = true
	}
	// A request keeps what the client sent: the domain has defaults for
	// what it is not told, and inventing a password would hide the gap.
	if !p.request {
		for _, name := range dst.order {
			if !dst.required[name] || covered[name] {
				continue
			}
			if _, inSrc := src.props[name]; inSrc {
				p.note("%1 filled from its schema when the domain leaves it out", join(path, name))
			} else {
				p.note("%1 filled from its schema (the domain has no such field)", join(path, name))
			}
			n.fills = append(n.fills, fill{name: name, value: p.generate(dst.props[name], p.seedFor(join(path, name)))})
			changed = true
		}
	}
	return changed
}

// alternatives pairs the source's oneOf/anyOf alternatives with the
// target's, by component name first, then by shared field names, the way
// the diff engine pairs them.
func (p *planner) alternatives(src, dst *openapi3.SchemaRef, path string) *node {
	srcAlts, dstAlts := altsOf(src), altsOf(dst)
	n := &node{}
	changed := false
	usedDst := map[int]bool{}
	for _, sa := range srcAlts {
		best, bestScore := -1, 0
		for j, da := range dstAlts {
			if usedDst[j] {
				continue
			}
			if s := similarity(sa, da); s > bestScore {
				best, bestScore = j, s
			}
		}
		if best < 0 {
			continue
		}
		usedDst[best] = true
		shape := flatten(sa.Value)
		a := alt{names: map[string]bool{}, node: p.build(sa, dstAlts[best], path)}
		for _, name := range shape.order {
			a.names[name] = true
			if shape.required[name] {
				a.required = append(a.required, name)
			}
		}
		if a.node != nil {
			changed = true
		}
		n.alts = append(n.alts, a)
	}
	if !changed {
		return nil
	}
	return n
}

func alternatives(s *openapi3.Schema) openapi3.SchemaRefs {
	if len(s.OneOf) > 0 {
		return s.OneOf
	}
	return s.AnyOf
}

func altsOf(s *openapi3.SchemaRef) []*openapi3.SchemaRef {
	if a := alternatives(s.Value); len(a) > 0 {
		return a
	}
	return []*openapi3.SchemaRef{s}
}

func similarity(a, b *openapi3.SchemaRef) int {
	if a.Ref != "" && refName(a.Ref) == refName(b.Ref) {
		return 1 << 20
	}
	fa, fb := flatten(a.Value), flatten(b.Value)
	score := 0
	for name := range fa.props {
		if _, ok := fb.props[name]; ok {
			score += 2
			continue
		}
		for other := range fb.props {
			if diff.SameName(name, other) {
				score++
				break
			}
		}
	}
	return score
}

func refName(ref string) string { return ref[strings.LastIndexByte(ref, '/')+1:] }

// shapeOf is an object schema with allOf merged: what a value must look like.
type shapeOf struct {
	props    map[string]*openapi3.SchemaRef
	order    []string // sorted, so plans and reports are stable
	required map[string]bool
	closed   bool
}

func flatten(s *openapi3.Schema) shapeOf {
	out := shapeOf{props: map[string]*openapi3.SchemaRef{}, required: map[string]bool{}}
	var walk func(s *openapi3.Schema, depth int)
	walk = func(s *openapi3.Schema, depth int) {
		if s == nil || depth > 16 {
			return
		}
		for name, ref := range s.Properties {
			if _, ok := out.props[name]; !ok {
				out.props[name] = ref
			}
		}
		for _, name := range s.Required {
			out.required[name] = true
		}
		if s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has {
			out.closed = true
		}
		for _, part := range s.AllOf {
			if part != nil {
				walk(part.Value, depth+1)
			}
		}
	}
	walk(s, 0)
	for name := range out.props {
		out.order = append(out.order, name)
	}
	sort.Strings(out.order)
	return out
}

func join(parent, name string) string {
	if parent == "" {
		return name
	}
	return parent + "." + name
}

// seedFor derives a field's seed from the run's seed and where the field
// sits, so a filled value is the same on every answer and every run with
// the same --seed, and differs between fields.
func (p *planner) seedFor(path string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(strconv.FormatInt(p.seed, 10)))
	for _, s := range []string{p.op, p.where, path} {
		h.Write([]byte{0})
		h.Write([]byte(s))
	}
	return h.Sum64()
}

// pick chooses the source alternative a value was written as: every
// required field present, and the most fields in common.
func pick(alts []alt, m map[string]any) *alt {
	var best *alt
	bestScore := -1
	for i := range alts {
		a := &alts[i]
		if slices.ContainsFunc(a.required, func(name string) bool { _, ok := m[name]; return !ok }) {
			continue
		}
		score := 0
		for k := range m {
			if a.names[k] {
				score++
			}
		}
		if score > bestScore {
			best, bestScore = a, score
		}
	}
	return best
}
