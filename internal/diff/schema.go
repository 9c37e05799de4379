package diff

import (
	"fmt"
	"hash"
	"hash/fnv"
	"slices"
	"sort"
	"strings"
)

type direction int

const (
	dirRequest  direction = iota // the client writes, the server reads
	dirResponse                  // the server writes, the client reads
)

// fieldRef stands for a field path in a memoised finding's message: the
// same schema pair is reached under many paths, and its findings are
// worded for each when they are emitted. step is appended to the path the
// pair was reached by (".name", "[]"); label words the root as "the body".
type fieldRef struct {
	step  string
	label bool
}

// extend appends a step to a field path.
func extend(field, step string) string {
	if field == "" {
		return strings.TrimPrefix(step, ".")
	}
	return field + step
}

// relFinding is a finding of one schema pair, relative to wherever the
// pair is reached.
type relFinding struct {
	rule   string
	step   string // the finding's field, relative to the pair's
	format string
	args   []any // fieldRef values are resolved when emitted
	pos    position
	alt    *schema  // an added response alternative, for the request-value check
	values []string // request enum values added
	// renamedFrom is the old name of a field this finding calls renamed
	// (the new name is the last part of step), for Renames.
	renamedFrom string
}

// pairDiff is the memoised comparison of one (old, new) schema pair in one
// direction. Children are shared: a component compared once serves every
// place that references it, so the cost grows with the size of the specs,
// not with how often their schemas nest.
type pairDiff struct {
	local   []relFinding
	edges   []pairEdge
	parents []*pairDiff
	// changed: some finding is reachable from here. Unchanged subtrees
	// are never walked again.
	changed bool
}

type pairEdge struct {
	step string
	to   *pairDiff
}

type pairID struct {
	o, n *schema
	dir  direction
}

func (p *pairDiff) markChanged() {
	stack := []*pairDiff{p}
	for len(stack) > 0 {
		q := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if q.changed {
			continue
		}
		q.changed = true
		stack = append(stack, q.parents...)
	}
}

func (p *pairDiff) link(step string, child *pairDiff) {
	if child == nil {
		return
	}
	p.edges = append(p.edges, pairEdge{step, child})
	child.parents = append(child.parents, p)
	if child.changed {
		p.markChanged()
	}
}

// schemaComparer builds the pairDiff of one schema pair.
type schemaComparer struct {
	c   *comparer
	dir direction
	pd  *pairDiff
	pos position // the new schema's position
}

func (sc *schemaComparer) add(rule, step string, format string, args ...any) *relFinding {
	sc.pd.local = append(sc.pd.local, relFinding{rule: rule, step: step, format: format, args: args, pos: sc.pos})
	sc.pd.markChanged()
	return &sc.pd.local[len(sc.pd.local)-1]
}

// label is the pair's own field as messages name it.
var label = fieldRef{label: true}

func sub(name string) fieldRef { return fieldRef{step: "." + name} }

// pair returns the memoised comparison of o and n.
func (c *comparer) pair(o, n *schema, dir direction) *pairDiff {
	if o == nil || n == nil {
		return nil
	}
	key := pairID{o, n, dir}
	if pd, ok := c.pairs[key]; ok {
		return pd // done, or in progress higher up the stack: a cycle
	}
	pd := &pairDiff{}
	c.pairs[key] = pd
	if o == n {
		return pd // the same converted schema: nothing can differ
	}
	sc := &schemaComparer{c: c, dir: dir, pd: pd, pos: n.pos}
	sc.compare(o, n)
	return pd
}

// maxPathsPerPair bounds how many field paths of one body a changed
// schema pair is reported under. Schemas shared along many branches (a
// user object inside every item of every list) can be reached by more
// paths than a reviewer can read — exponentially many in a deep graph; the
// first ones in document order name the change well enough.
const maxPathsPerPair = 16

// compareSchemas emits the findings of one body schema; status is the new
// document's status code of a response body ("" for the request body).
func (c *comparer) compareSchemas(where, status string, o, n *schema, dir direction) {
	pd := c.pair(o, n, dir)
	if pd == nil || !pd.changed {
		return
	}
	e := emitter{c: c, where: where, dir: dir, status: status, onPath: map[*pairDiff]bool{}, seen: map[*pairDiff]int{}}
	e.emit(pd, "")
}

type emitter struct {
	c      *comparer
	where  string
	dir    direction
	status string
	onPath map[*pairDiff]bool
	seen   map[*pairDiff]int
}

// emit expands a pair's findings under the field path it was reached by;
// a pair already being expanded on this path is a recursion and stops.
func (e *emitter) emit(pd *pairDiff, field string) {
	if e.seen[pd] >= maxPathsPerPair {
		return
	}
	e.seen[pd]++
	c, where := e.c, e.where
	e.onPath[pd] = true
	defer delete(e.onPath, pd)
	for i := range pd.local {
		f := &pd.local[i]
		args := make([]any, len(f.args))
		for j, a := range f.args {
			if r, ok := a.(fieldRef); ok {
				v := extend(field, r.step)
				if r.label && v == "" {
					v = "the body"
				}
				a = v
			}
			args[j] = a
		}
		loc := where
		if at := extend(field, f.step); at != "" {
			loc += ": " + at
		}
		c.addAt(f.rule, loc, f.pos, f.format, args...)
		if f.alt != nil {
			c.addedAlts = append(c.addedAlts, addedAlt{index: len(c.findings) - 1, alt: f.alt, field: args[0].(string)})
		}
		c.newRequestValues = append(c.newRequestValues, f.values...)
		if f.renamedFrom != "" {
			c.renames = append(c.renames, Rename{
				Operation: c.opKey, Request: e.dir == dirRequest, Status: e.status,
				Parent: field, From: f.renamedFrom, To: strings.TrimPrefix(f.step, "."),
			})
		}
	}
	for _, edge := range pd.edges {
		if edge.to.changed && !e.onPath[edge.to] {
			e.emit(edge.to, extend(field, edge.step))
		}
	}
}

func (sc *schemaComparer) compare(o, n *schema) {
	if len(o.oneOf) > 0 || len(n.oneOf) > 0 {
		// A plain schema counts as a single alternative, so "object
		// became oneOf[object, challenge]" reads as one added
		// alternative rather than as every field vanishing.
		switch {
		case len(o.oneOf) == 0 && !hasStructure(n):
			sc.alternatives([]*schema{o}, n.oneOf)
			return
		case len(n.oneOf) == 0 && !hasStructure(o):
			sc.alternatives(o.oneOf, []*schema{n})
			return
		case len(o.oneOf) > 0 && len(n.oneOf) > 0:
			sc.alternatives(o.oneOf, n.oneOf)
		default:
			sc.compositionAddedOrDropped(o, n)
		}
	}
	sc.types(o, n)
	sc.enums(o, n)
	sc.limits(o.limits, n.limits)
	sc.properties(o, n)
	sc.additionalProperties(o, n)
	sc.not(o, n)
	sc.conditions(o, n)
	if o.items != nil && n.items != nil {
		sc.pd.link("[]", sc.c.pair(o.items, n.items, sc.dir))
	}
}

// hasStructure: keywords beside a oneOf that constrain the value on their
// own, so they are compared as well as the alternatives.
func hasStructure(s *schema) bool {
	return len(s.props) > 0 || len(s.required) > 0 || s.items != nil || len(s.enum) > 0
}

// compositionAddedOrDropped: one side constrains its fields further by a
// oneOf the other side lacks. A new constraint refuses requests that
// matched none of the alternatives; a dropped one lets responses through
// that clients were told could not occur.
func (sc *schemaComparer) compositionAddedOrDropped(o, n *schema) {
	if len(n.oneOf) > 0 && sc.dir == dirRequest {
		sc.add(RequestPropertyConstraintTightened, "", "%s must now also match one of %s", label, altList(n.oneOf))
	}
	if len(o.oneOf) > 0 && sc.dir == dirResponse {
		sc.add(ResponsePropertyConstraintLoosened, "", "%s no longer promises to match one of %s", label, altList(o.oneOf))
	}
}

func altList(alts []*schema) string {
	names := make([]string, len(alts))
	for i, a := range alts {
		names[i] = altName(a)
	}
	return strings.Join(names, ", ")
}

// alternatives matches oneOf/anyOf alternatives best first by similarity
// and compares the matched ones; the rest were added or removed.
func (sc *schemaComparer) alternatives(oldAlts, newAlts []*schema) {
	type cand struct{ i, j, score int }
	var cands []cand
	for i, oa := range oldAlts {
		for j, na := range newAlts {
			if s := similarity(oa, na); s > 0 {
				cands = append(cands, cand{i, j, s})
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return b.score - a.score })
	matchedOld, matchedNew := map[int]bool{}, map[int]bool{}
	for _, c := range cands {
		if matchedOld[c.i] || matchedNew[c.j] {
			continue
		}
		matchedOld[c.i], matchedNew[c.j] = true, true
		sc.pd.link("", sc.c.pair(oldAlts[c.i], newAlts[c.j], sc.dir))
	}
	for i, oa := range oldAlts {
		if matchedOld[i] {
			continue
		}
		if sc.dir == dirRequest {
			sc.add(RequestOneOfAlternativeRemoved, "", "%s no longer accepts the %s shape", label, altName(oa))
		} else {
			sc.add(ResponseOneOfAlternativeRemoved, "", "%s no longer has the %s shape", label, altName(oa))
		}
	}
	for j, na := range newAlts {
		if matchedNew[j] {
			continue
		}
		if sc.dir == dirRequest {
			sc.add(RequestOneOfAlternativeAdded, "", "%s now also accepts the %s shape", label, altName(na))
		} else {
			f := sc.add(ResponseOneOfAlternativeAdded, "", "%s may now be the %s shape (oneOf); clients expecting only the old shape break", label, altName(na))
			f.alt = na
		}
	}
}

func altName(s *schema) string {
	if s.ref != "" {
		return s.ref
	}
	if len(s.propOrder) > 0 {
		names := s.propOrder
		if len(names) > 3 {
			names = append(names[:3:3], "…")
		}
		return "{" + strings.Join(names, ", ") + "}"
	}
	if len(s.required) > 0 {
		return "{required: " + strings.Join(sortedKeys(s.required), ", ") + "}"
	}
	if len(s.enum) > 0 {
		return quoteList(s.enum)
	}
	if len(s.types) > 0 {
		return strings.Join(s.types, "|")
	}
	return "untyped"
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// similarity scores how likely two alternatives are the same shape: the
// same component, then the same shallow structure (which also holds for
// alternatives carrying only constraints such as `required`, and for a
// component renamed without change), then shared field names, required
// names, enum values and type. 0: unrelated.
func similarity(a, b *schema) int {
	if a.ref != "" && a.ref == b.ref {
		return 1 << 20
	}
	if fingerprint(a) == fingerprint(b) {
		return 1 << 18
	}
	score := 0
	for name := range a.props {
		if _, ok := b.props[name]; ok {
			score += 2
		}
	}
	for name := range a.required {
		if b.required[name] {
			score += 2
		}
	}
	for _, v := range a.enum {
		if slices.Contains(b.enum, v) {
			score += 2
		}
	}
	if score > 0 || slices.Equal(a.types, b.types) && len(a.types) > 0 && len(a.props) == 0 && len(b.props) == 0 {
		score++
	}
	return score
}

// fingerprint hashes a schema's own keywords and, one level down, its
// fields' names and types: enough to recognise an unchanged alternative
// without walking its whole graph.
func fingerprint(s *schema) uint64 {
	if s.fp != nil {
		return *s.fp
	}
	h := fnv.New64a()
	shallow(h, s)
	for _, name := range sortedProps(s) {
		fmt.Fprintf(h, "|%s:", name)
		if p := s.props[name]; p != nil {
			shallow(h, p)
		}
	}
	if s.items != nil {
		h.Write([]byte("|[]"))
		shallow(h, s.items)
	}
	for _, a := range s.oneOf {
		h.Write([]byte("|alt"))
		shallow(h, a)
	}
	v := h.Sum64()
	s.fp = &v
	return v
}

func shallow(h hash.Hash64, s *schema) {
	fmt.Fprintf(h, "%q%q%q%v%q%d%v", s.types, s.format, s.enum, sortedKeys(s.required), s.dynRef, len(s.oneOf), s.items != nil)
	l := s.limits
	fmt.Fprintf(h, "%s%s%s%s%s%s%q", intOr(l.minLength), intOr(l.maxLength), floatOr(l.minimum), floatOr(l.maximum), intOr(l.minItems), intOr(l.maxItems), l.pattern)
	fmt.Fprintf(h, "%q%v%v%v%v", sortedProps(s), s.closed, s.addl != nil, s.not != nil, s.cond != nil)
}

func sortedProps(s *schema) []string {
	names := slices.Clone(s.propOrder)
	sort.Strings(names)
	return names
}

func nonNull(types []string) []string {
	out := make([]string, 0, len(types))
	for _, t := range types {
		if t != "null" {
			out = append(out, t)
		}
	}
	return out
}

// accepts reports whether a value of type t validates against types (an
// empty list accepts anything; integers are numbers).
func accepts(types []string, t string) bool {
	if len(types) == 0 {
		return true
	}
	for _, have := range types {
		if have == t || have == "number" && t == "integer" {
			return true
		}
	}
	return false
}

func typeString(s *schema) string {
	t := "any"
	if len(s.types) > 0 {
		t = strings.Join(s.types, "|")
	}
	if s.format != "" {
		t += "(" + s.format + ")"
	}
	return t
}

// requestTypeNarrowed says why values clients sent under o may be refused
// under n, or "" when they are still accepted.
func requestTypeNarrowed(o, n *schema) string {
	if len(o.types) == 0 || len(n.types) == 0 {
		if len(o.types) == 0 && len(n.types) > 0 && len(o.props) == 0 && len(o.oneOf) == 0 {
			return fmt.Sprintf("type narrowed from any to %s", typeString(n))
		}
		return ""
	}
	for _, t := range o.types {
		if !accepts(n.types, t) {
			if t == "null" {
				return "null is no longer accepted"
			}
			return fmt.Sprintf("type changed from %s to %s", typeString(o), typeString(n))
		}
	}
	if n.format != "" && n.format != o.format {
		return fmt.Sprintf("format narrowed from %s to %s", typeString(o), typeString(n))
	}
	return ""
}

func (sc *schemaComparer) types(o, n *schema) {
	if sc.dir == dirRequest {
		if msg := requestTypeNarrowed(o, n); msg != "" {
			sc.add(RequestPropertyTypeChanged, "", "%s: %s", label, msg)
		}
		return
	}
	if len(o.types) == 0 || len(n.types) == 0 {
		return
	}
	for _, t := range n.types {
		if accepts(o.types, t) {
			continue
		}
		if t == "null" {
			sc.add(ResponsePropertyBecameNullable, "", "%s may now be null", label)
			continue
		}
		sc.add(ResponsePropertyTypeChanged, "", "%s: type changed from %s to %s", label, typeString(o), typeString(n))
		return
	}
	if o.format != "" && n.format != o.format && slices.Equal(nonNull(o.types), nonNull(n.types)) {
		sc.add(ResponsePropertyTypeChanged, "", "%s: format changed from %s to %s", label, typeString(o), typeString(n))
	}
}

// enumDiff returns the values only in old and only in new. An absent enum
// allows anything, so it is never "removed from".
func enumDiff(o, n []string) (removed, added []string) {
	if len(o) > 0 && len(n) > 0 {
		for _, v := range o {
			if !slices.Contains(n, v) {
				removed = append(removed, v)
			}
		}
	}
	if len(n) > 0 && len(o) > 0 {
		for _, v := range n {
			if !slices.Contains(o, v) {
				added = append(added, v)
			}
		}
	}
	return removed, added
}

func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}

func (sc *schemaComparer) enums(o, n *schema) {
	removed, added := enumDiff(o.enum, n.enum)
	if sc.dir == dirRequest {
		if len(removed) > 0 {
			sc.add(RequestPropertyEnumValueRemoved, "", "%s no longer accepts %s", label, quoteList(removed))
		}
		if len(o.enum) == 0 && len(n.enum) > 0 && len(o.types) > 0 {
			sc.add(RequestPropertyEnumValueRemoved, "", "%s is now restricted to %s", label, quoteList(n.enum))
		}
		if len(added) > 0 {
			f := sc.add(RequestPropertyEnumValueAdded, "", "%s now also accepts %s", label, quoteList(added))
			f.values = added
		}
		return
	}
	if len(added) > 0 {
		sc.add(ResponsePropertyEnumValueAdded, "", "%s may now be %s", label, quoteList(added))
	}
	if len(o.enum) > 0 && len(n.enum) == 0 && len(n.types) > 0 {
		sc.add(ResponsePropertyEnumValueAdded, "", "%s is no longer limited to %s", label, quoteList(o.enum))
	}
	if len(removed) > 0 {
		sc.add(ResponsePropertyEnumValueRemoved, "", "%s is no longer %s", label, quoteList(removed))
	}
}

func (sc *schemaComparer) properties(o, n *schema) {
	var removed, added []string
	for _, name := range o.propOrder {
		if _, ok := n.props[name]; !ok {
			removed = append(removed, name)
		}
	}
	for _, name := range n.propOrder {
		if _, ok := o.props[name]; !ok {
			added = append(added, name)
		}
	}
	renamed := map[string]string{} // new name -> old name
	for _, on := range removed {
		for _, nn := range added {
			if _, taken := renamed[nn]; !taken && normName(on) == normName(nn) {
				renamed[nn] = on
				break
			}
		}
	}
	wasRenamed := map[string]bool{}
	for _, on := range renamed {
		wasRenamed[on] = true
	}

	for _, name := range o.propOrder {
		ns, ok := n.props[name]
		if !ok {
			continue
		}
		sc.requiredness(name, ns, o.required[name], n.required[name])
		sc.pd.link("."+name, sc.c.pair(o.props[name], ns, sc.dir))
	}
	for _, name := range removed {
		if wasRenamed[name] {
			continue
		}
		if sc.dir == dirRequest {
			sc.add(RequestPropertyRemoved, "."+name, "request field %s was removed", sub(name))
			continue
		}
		if os := o.props[name]; os != nil && os.deprecated {
			sc.add(ResponsePropertyRemovedAfterDeprecation, "."+name, "response field %s was removed; it %s", sub(name), sc.c.deprecationAge(sc.c.oldDate))
			continue
		}
		sc.add(ResponsePropertyRemoved, "."+name, "response field %s was removed", sub(name))
	}
	for _, name := range added {
		ns := n.props[name]
		at := sc.at(ns)
		if on, ok := renamed[name]; ok {
			rule, what := ResponsePropertyRenamed, "response"
			if sc.dir == dirRequest {
				rule, what = RequestPropertyRenamed, "request"
			}
			at.add(rule, "."+name, what+" field %s was renamed to %s", sub(on), name).renamedFrom = on
			sc.requiredness(name, ns, o.required[on], n.required[name])
			sc.pd.link("."+name, sc.c.pair(o.props[on], ns, sc.dir))
			continue
		}
		switch {
		case sc.dir == dirResponse:
			at.add(ResponsePropertyAdded, "."+name, "new response field %s", sub(name))
		case n.required[name]:
			at.add(RequestPropertyAddedRequired, "."+name, "new required request field %s", sub(name))
		default:
			at.add(RequestPropertyAddedOptional, "."+name, "new optional request field %s", sub(name))
		}
	}
}

// at is the comparer with findings pointing at s (when it has a position).
func (sc *schemaComparer) at(s *schema) *schemaComparer {
	if s == nil || s.pos.line == 0 {
		return sc
	}
	c := *sc
	c.pos = s.pos
	return &c
}

func (sc *schemaComparer) requiredness(name string, now *schema, was, is bool) {
	if was == is {
		return
	}
	at, f := sc.at(now), sub(name)
	switch {
	case sc.dir == dirRequest && is:
		at.add(RequestPropertyBecameRequired, "."+name, "request field %s is now required", f)
	case sc.dir == dirRequest:
		at.add(RequestPropertyBecameOptional, "."+name, "request field %s is now optional", f)
	case is:
		at.add(ResponsePropertyBecameRequired, "."+name, "response field %s is now always present", f)
	default:
		at.add(ResponsePropertyBecameOptional, "."+name, "response field %s may now be missing", f)
	}
}

// limitChange is one constraint that differs, as text for a message.
type limitChange struct{ what, old, new string }

func (c limitChange) String() string { return fmt.Sprintf("%s %s → %s", c.what, c.old, c.new) }

// tightened lists the constraints under which b refuses values a allowed.
func tightened(a, b limits) []limitChange {
	var out []limitChange
	ints := func(what string, a, b *int64, tighter func(a, b int64) bool) {
		if b != nil && (a == nil || tighter(*a, *b)) {
			out = append(out, limitChange{what, intOr(a), fmt.Sprint(*b)})
		}
	}
	raise := func(a, b int64) bool { return b > a }
	cut := func(a, b int64) bool { return b < a }
	ints("minLength", a.minLength, b.minLength, raise)
	ints("maxLength", a.maxLength, b.maxLength, cut)
	ints("minItems", a.minItems, b.minItems, raise)
	ints("maxItems", a.maxItems, b.maxItems, cut)
	if b.minimum != nil && (a.minimum == nil || *b.minimum > *a.minimum) {
		out = append(out, limitChange{"minimum", floatOr(a.minimum), fmt.Sprint(*b.minimum)})
	}
	if b.maximum != nil && (a.maximum == nil || *b.maximum < *a.maximum) {
		out = append(out, limitChange{"maximum", floatOr(a.maximum), fmt.Sprint(*b.maximum)})
	}
	if b.pattern != "" && b.pattern != a.pattern {
		out = append(out, limitChange{"pattern", fmt.Sprintf("%q", a.pattern), fmt.Sprintf("%q", b.pattern)})
	}
	return out
}

func intOr(p *int64) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprint(*p)
}

func floatOr(p *float64) string {
	if p == nil {
		return "none"
	}
	return fmt.Sprint(*p)
}

func changesText(cs []limitChange, swap bool) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		if swap {
			c.old, c.new = c.new, c.old
		}
		parts[i] = c.String()
	}
	return strings.Join(parts, ", ")
}

// limits: a request constraint that tightens refuses values clients send;
// a response constraint that loosens lets through values clients may not
// handle, which is worth a warning.
func (sc *schemaComparer) limits(o, n limits) {
	if sc.dir == dirRequest {
		if t := tightened(o, n); len(t) > 0 {
			sc.add(RequestPropertyConstraintTightened, "", "%s accepts fewer values: %s", label, changesText(t, false))
		}
		return
	}
	// Loosening old→new is tightening new→old, with old and new swapped back.
	if t := tightened(n, o); len(t) > 0 {
		sc.add(ResponsePropertyConstraintLoosened, "", "%s may now fall outside its old limits: %s", label, changesText(t, true))
	}
}
