package diff

import (
	"fmt"
	"slices"
	"strings"
)

type direction int

const (
	dirRequest  direction = iota // the client writes, the server reads
	dirResponse                  // the server writes, the client reads
)

// maxDepth bounds the walk; recursive schemas stop earlier through the
// stack check, this only guards against pathological nesting.
const maxDepth = 48

type schemaComparer struct {
	c      *comparer
	dir    direction
	where  string       // "request body", "response 200"
	status string       // the new document's status code; "" for the request body
	stack  [][2]*schema // pairs being compared, to stop on recursion
}

func (sc *schemaComparer) loc(field string) string {
	if field == "" {
		return sc.where
	}
	return sc.where + ": " + field
}

func (sc *schemaComparer) label(field string) string {
	if field == "" {
		return "the body"
	}
	return field
}

func join(field, name string) string {
	if field == "" {
		return name
	}
	return field + "." + name
}

func (sc *schemaComparer) compare(field string, o, n *schema, depth int) {
	if o == nil || n == nil || depth > maxDepth {
		return
	}
	pair := [2]*schema{o, n}
	if slices.Contains(sc.stack, pair) {
		return
	}
	sc.stack = append(sc.stack, pair)
	defer func() { sc.stack = sc.stack[:len(sc.stack)-1] }()

	if len(o.oneOf) > 0 || len(n.oneOf) > 0 {
		sc.alternatives(field, o, n, depth)
		return
	}
	sc.types(field, o, n)
	sc.enums(field, o, n)
	sc.limits(field, o.limits, n.limits)
	sc.properties(field, o, n, depth)
	if o.items != nil && n.items != nil {
		sc.compare(field+"[]", o.items, n.items, depth+1)
	}
}

// alternatives handles oneOf/anyOf. A plain schema counts as a single
// alternative, so "object became oneOf[object, challenge]" reads as one
// added alternative rather than as every field vanishing.
func (sc *schemaComparer) alternatives(field string, o, n *schema, depth int) {
	oldAlts, newAlts := altsOf(o), altsOf(n)
	matchedNew := map[int]bool{}
	for _, oa := range oldAlts {
		best, bestScore := -1, 0
		for j, na := range newAlts {
			if matchedNew[j] {
				continue
			}
			if s := similarity(oa, na); s > bestScore {
				best, bestScore = j, s
			}
		}
		if best < 0 {
			if sc.dir == dirRequest {
				sc.c.add(RequestOneOfAlternativeRemoved, sc.loc(field), "%s no longer accepts the %s shape", sc.label(field), altName(oa))
			} else {
				sc.c.add(ResponseOneOfAlternativeRemoved, sc.loc(field), "%s no longer has the %s shape", sc.label(field), altName(oa))
			}
			continue
		}
		matchedNew[best] = true
		sc.compare(field, oa, newAlts[best], depth+1)
	}
	for j, na := range newAlts {
		if matchedNew[j] {
			continue
		}
		if sc.dir == dirRequest {
			sc.c.add(RequestOneOfAlternativeAdded, sc.loc(field), "%s now also accepts the %s shape", sc.label(field), altName(na))
		} else {
			sc.c.add(ResponseOneOfAlternativeAdded, sc.loc(field), "%s may now be the %s shape (oneOf); clients expecting only the old shape break", sc.label(field), altName(na))
		}
	}
}

func altsOf(s *schema) []*schema {
	if len(s.oneOf) == 0 {
		return []*schema{s}
	}
	return s.oneOf
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
	if len(s.types) > 0 {
		return strings.Join(s.types, "|")
	}
	return "untyped"
}

// similarity scores how likely two alternatives are the same shape: same
// component name first, then shared field names, then same type.
func similarity(a, b *schema) int {
	if a.ref != "" && a.ref == b.ref {
		return 1 << 20
	}
	score := 0
	for name := range a.props {
		if _, ok := b.props[name]; ok {
			score += 2
		}
	}
	if score > 0 || slices.Equal(a.types, b.types) && len(a.types) > 0 && len(a.props) == 0 && len(b.props) == 0 {
		score++
	}
	return score
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

func (sc *schemaComparer) types(field string, o, n *schema) {
	if sc.dir == dirRequest {
		if msg := requestTypeNarrowed(o, n); msg != "" {
			sc.c.add(RequestPropertyTypeChanged, sc.loc(field), "%s: %s", sc.label(field), msg)
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
			sc.c.add(ResponsePropertyBecameNullable, sc.loc(field), "%s may now be null", sc.label(field))
			continue
		}
		sc.c.add(ResponsePropertyTypeChanged, sc.loc(field), "%s: type changed from %s to %s", sc.label(field), typeString(o), typeString(n))
		return
	}
	if o.format != "" && n.format != o.format && slices.Equal(nonNull(o.types), nonNull(n.types)) {
		sc.c.add(ResponsePropertyTypeChanged, sc.loc(field), "%s: format changed from %s to %s", sc.label(field), typeString(o), typeString(n))
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

func (sc *schemaComparer) enums(field string, o, n *schema) {
	removed, added := enumDiff(o.enum, n.enum)
	if sc.dir == dirRequest {
		if len(removed) > 0 {
			sc.c.add(RequestPropertyEnumValueRemoved, sc.loc(field), "%s no longer accepts %s", sc.label(field), quoteList(removed))
		}
		if len(o.enum) == 0 && len(n.enum) > 0 && len(o.types) > 0 {
			sc.c.add(RequestPropertyEnumValueRemoved, sc.loc(field), "%s is now restricted to %s", sc.label(field), quoteList(n.enum))
		}
		if len(added) > 0 {
			sc.c.add(RequestPropertyEnumValueAdded, sc.loc(field), "%s now also accepts %s", sc.label(field), quoteList(added))
		}
		return
	}
	if len(added) > 0 {
		sc.c.add(ResponsePropertyEnumValueAdded, sc.loc(field), "%s may now be %s", sc.label(field), quoteList(added))
	}
	if len(o.enum) > 0 && len(n.enum) == 0 && len(n.types) > 0 {
		sc.c.add(ResponsePropertyEnumValueAdded, sc.loc(field), "%s is no longer limited to %s", sc.label(field), quoteList(o.enum))
	}
	if len(removed) > 0 {
		sc.c.add(ResponsePropertyEnumValueRemoved, sc.loc(field), "%s is no longer %s", sc.label(field), quoteList(removed))
	}
}

func (sc *schemaComparer) properties(field string, o, n *schema, depth int) {
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
		sub := join(field, name)
		sc.requiredness(sub, o.required[name], n.required[name])
		sc.compare(sub, o.props[name], ns, depth+1)
	}
	for _, name := range removed {
		if wasRenamed[name] {
			continue
		}
		sub := join(field, name)
		if sc.dir == dirRequest {
			sc.c.add(RequestPropertyRemoved, sc.loc(sub), "request field %s was removed", sub)
			continue
		}
		if os := o.props[name]; os != nil && os.deprecated {
			sc.c.add(ResponsePropertyRemovedAfterDeprecation, sc.loc(sub), "response field %s was removed; it %s", sub, sc.c.deprecationAge(sc.c.oldDate))
			continue
		}
		sc.c.add(ResponsePropertyRemoved, sc.loc(sub), "response field %s was removed", sub)
	}
	for _, name := range added {
		sub := join(field, name)
		if on, ok := renamed[name]; ok {
			sc.c.renames = append(sc.c.renames, Rename{
				Operation: sc.c.opKey, Request: sc.dir == dirRequest, Status: sc.status,
				Parent: field, From: on, To: name,
			})
			if sc.dir == dirRequest {
				sc.c.add(RequestPropertyRenamed, sc.loc(sub), "request field %s was renamed to %s", join(field, on), name)
			} else {
				sc.c.add(ResponsePropertyRenamed, sc.loc(sub), "response field %s was renamed to %s", join(field, on), name)
			}
			sc.requiredness(sub, o.required[on], n.required[name])
			sc.compare(sub, o.props[on], n.props[name], depth+1)
			continue
		}
		switch {
		case sc.dir == dirResponse:
			sc.c.add(ResponsePropertyAdded, sc.loc(sub), "new response field %s", sub)
		case n.required[name]:
			sc.c.add(RequestPropertyAddedRequired, sc.loc(sub), "new required request field %s", sub)
		default:
			sc.c.add(RequestPropertyAddedOptional, sc.loc(sub), "new optional request field %s", sub)
		}
	}
}

func (sc *schemaComparer) requiredness(field string, was, is bool) {
	if was == is {
		return
	}
	switch {
	case sc.dir == dirRequest && is:
		sc.c.add(RequestPropertyBecameRequired, sc.loc(field), "request field %s is now required", field)
	case sc.dir == dirRequest:
		sc.c.add(RequestPropertyBecameOptional, sc.loc(field), "request field %s is now optional", field)
	case is:
		sc.c.add(ResponsePropertyBecameRequired, sc.loc(field), "response field %s is now always present", field)
	default:
		sc.c.add(ResponsePropertyBecameOptional, sc.loc(field), "response field %s may now be missing", field)
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
func (sc *schemaComparer) limits(field string, o, n limits) {
	if sc.dir == dirRequest {
		if t := tightened(o, n); len(t) > 0 {
			sc.c.add(RequestPropertyConstraintTightened, sc.loc(field), "%s accepts fewer values: %s", sc.label(field), changesText(t, false))
		}
		return
	}
	// Loosening old→new is tightening new→old, with old and new swapped back.
	if t := tightened(n, o); len(t) > 0 {
		sc.c.add(ResponsePropertyConstraintLoosened, sc.loc(field), "%s may now fall outside its old limits: %s", sc.label(field), changesText(t, true))
	}
}
