package fakedata

import (
	"maps"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxFlattenDepth bounds nested allOf inside allOf; past it a branch is
// merged as written (its own keywords, not its allOf).
const maxFlattenDepth = 16

// flatten merges an allOf schema and all its branches into one new schema,
// so a value made for it carries every branch's properties and the tightest
// bounds. The spec's own schemas are never modified: maps and slices are
// copied before they change.
func flatten(s *openapi3.Schema) *openapi3.Schema {
	return flattenOn(s, make([]*openapi3.Schema, 0, 4))
}

// flattenOn flattens s below the schemas on path; a branch already on the
// path (an allOf that refers back to itself) is merged as written, which
// keeps the work linear instead of exponential in the loop's length.
func flattenOn(s *openapi3.Schema, path []*openapi3.Schema) *openapi3.Schema {
	path = append(path, s)
	m := *s
	m.AllOf = nil
	m.Properties = maps.Clone(s.Properties)
	m.Required = append([]string(nil), s.Required...)
	for _, branch := range s.AllOf {
		if branch == nil || branch.Value == nil {
			continue
		}
		b := branch.Value
		if len(b.AllOf) > 0 && len(path) < maxFlattenDepth && !slices.Contains(path, b) {
			b = flattenOn(b, path)
		}
		mergeInto(&m, b)
	}
	return &m
}

// mergeInto narrows m by b, as allOf requires a value to satisfy both.
func mergeInto(m, b *openapi3.Schema) {
	if (m.Type == nil || len(*m.Type) == 0) && b.Type != nil {
		m.Type = b.Type
	}
	if m.Format == "" {
		m.Format = b.Format
	}
	if m.Pattern == "" {
		m.Pattern = b.Pattern
	}
	if m.Enum == nil {
		m.Enum = b.Enum
	}
	if m.Const == nil {
		m.Const = b.Const
	}
	if m.Example == nil {
		m.Example = b.Example
	}
	if m.Default == nil {
		m.Default = b.Default
	}
	m.Min = tighter(m.Min, b.Min, true)
	m.Max = tighter(m.Max, b.Max, false)
	if !m.ExclusiveMin.IsSet() {
		m.ExclusiveMin = b.ExclusiveMin
	}
	if !m.ExclusiveMax.IsSet() {
		m.ExclusiveMax = b.ExclusiveMax
	}
	if m.MultipleOf == nil {
		m.MultipleOf = b.MultipleOf
	}
	m.MinLength = max(m.MinLength, b.MinLength)
	m.MaxLength = tighterUint(m.MaxLength, b.MaxLength)
	m.MinItems = max(m.MinItems, b.MinItems)
	m.MaxItems = tighterUint(m.MaxItems, b.MaxItems)
	m.UniqueItems = m.UniqueItems || b.UniqueItems
	m.Items = both(m.Items, b.Items)
	m.MinProps = max(m.MinProps, b.MinProps)
	m.MaxProps = tighterUint(m.MaxProps, b.MaxProps)
	for k, p := range b.Properties {
		if m.Properties == nil {
			m.Properties = make(openapi3.Schemas, len(b.Properties))
		}
		m.Properties[k] = both(m.Properties[k], p)
	}
	for _, k := range b.Required {
		if !contains(m.Required, k) {
			m.Required = append(m.Required, k)
		}
	}
	if b.AdditionalProperties.Has != nil && !*b.AdditionalProperties.Has {
		m.AdditionalProperties = b.AdditionalProperties
	} else if m.AdditionalProperties.Has == nil && m.AdditionalProperties.Schema == nil {
		m.AdditionalProperties = b.AdditionalProperties
	}
	if len(m.OneOf) == 0 && len(m.AnyOf) == 0 {
		m.OneOf, m.AnyOf = b.OneOf, b.AnyOf
		if m.Discriminator == nil {
			m.Discriminator = b.Discriminator
		}
	}
}

// both is a schema that must hold for a and b: one of them when the other
// is absent or the same, else their allOf.
func both(a, b *openapi3.SchemaRef) *openapi3.SchemaRef {
	switch {
	case a == nil:
		return b
	case b == nil || a == b || (a.Value != nil && a.Value == b.Value):
		return a
	}
	return &openapi3.SchemaRef{Value: &openapi3.Schema{AllOf: openapi3.SchemaRefs{a, b}}}
}

func tighter(a, b *float64, lower bool) *float64 {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	case lower == (*b > *a):
		return b
	}
	return a
}

func tighterUint(a, b *uint64) *uint64 {
	if a == nil || (b != nil && *b < *a) {
		return b
	}
	return a
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// choice makes a value for a oneOf/anyOf schema. It takes the branch a
// discriminator mapping names first (the first mapping key, sorted), else
// the first branch, and moves on to the next only when the whole schema
// rejects the result (a oneOf value that matches two branches is invalid).
func (r *run) choice(s *openapi3.Schema, n node) (any, bool) {
	branches := s.OneOf
	if len(branches) == 0 {
		branches = s.AnyOf
	}
	keys := discriminatorKeys(s, branches)
	start := 0
	if s.Discriminator != nil && len(s.Discriminator.Mapping) > 0 {
		for i := range branches {
			if keys[i] != "" {
				start = i
				break
			}
		}
	}
	// What the schema says besides oneOf/anyOf (shared properties, type)
	// also binds the value, so it is generated and merged in.
	rest := *s
	rest.OneOf, rest.AnyOf, rest.Discriminator = nil, nil, nil
	hasRest := len(rest.Properties) > 0 || rest.AdditionalProperties.Schema != nil

	var first any
	firstOK := false
	for i := range branches {
		idx := (start + i) % len(branches)
		branch := branches[idx]
		if branch == nil || branch.Value == nil || branch.Value == s {
			continue // a branch that is the schema itself adds nothing to try
		}
		bn := n.composed()
		if s.Discriminator != nil && keys[idx] != "" {
			bn.discProp, bn.discKey = s.Discriminator.PropertyName, keys[idx]
		}
		v, ok := r.value(branch.Value, bn)
		if hasRest {
			if obj, isObj := v.(map[string]any); isObj {
				if own, ownOK := r.value(&rest, n.composed()); ownOK {
					if ownObj, isOwnObj := own.(map[string]any); isOwnObj {
						for k, e := range ownObj {
							if _, taken := obj[k]; !taken {
								obj[k] = e
							}
						}
					}
				}
			}
		}
		if !ok {
			continue
		}
		if len(branches) == 1 || s.VisitJSON(v) == nil {
			return v, true
		}
		if !firstOK {
			first, firstOK = v, true
		}
	}
	if firstOK {
		return first, true
	}
	return nil, allowsNull(s)
}

// discriminatorKeys gives, per branch, the discriminator value that selects
// it: its mapping key, or its component name when there is no mapping.
// Branches no key selects get "".
func discriminatorKeys(s *openapi3.Schema, branches openapi3.SchemaRefs) []string {
	keys := make([]string, len(branches))
	d := s.Discriminator
	if d == nil || d.PropertyName == "" {
		return keys
	}
	if len(d.Mapping) == 0 {
		for i, b := range branches {
			if b != nil && b.Ref != "" {
				keys[i] = b.Ref[strings.LastIndex(b.Ref, "/")+1:]
			}
		}
		return keys
	}
	mapped := slices.Sorted(maps.Keys(d.Mapping))
	for _, k := range mapped {
		ref := d.Mapping[k].Ref
		if ref != "" && !strings.Contains(ref, "/") {
			ref = "#/components/schemas/" + ref
		}
		for i, b := range branches {
			if b != nil && keys[i] == "" && b.Ref == ref {
				keys[i] = k
			}
		}
	}
	return keys
}
