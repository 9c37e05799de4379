package fakedata

import (
	"encoding/json"
	"sort"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"
)

// object makes a map with every declared property (a mock should show the
// full shape), or only the required ones once past MaxDepth.
func (r *run) object(s *openapi3.Schema, n node) (any, bool) {
	minimal := n.depth >= r.opts.MaxDepth
	if minimal && n.depth > r.opts.MaxDepth && allowsNull(s) {
		// Past the limit null is the smallest valid value, and it ends
		// recursion through a nullable reference at once.
		return nil, true
	}
	keys := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		keys = append(keys, k)
	}
	// Sorted so that trimming for maxProperties is deterministic.
	sort.Strings(keys)

	out := make(map[string]any, len(keys))
	for _, k := range keys {
		required := contains(s.Required, k)
		if minimal && !required {
			continue
		}
		prop := s.Properties[k]
		if prop == nil {
			continue
		}
		v, ok := r.value(prop.Value, n.child(k, childSeed(n.seed, k)))
		if !ok && !required {
			continue
		}
		out[k] = v
	}

	extra := additionalSchema(s)
	for _, k := range s.Required {
		if _, done := out[k]; done {
			continue
		}
		v, _ := r.value(extra, n.child(k, childSeed(n.seed, k)))
		out[k] = v
	}

	if additionalAllowed(s) {
		want := int(min(s.MinProps, maxCount))
		if s.AdditionalProperties.Schema != nil && len(s.Properties) == 0 && !minimal {
			// A pure map: show a few entries.
			want = max(want, 1+int(childSeed(n.seed, "#entries")%uint64(r.opts.MaxItems)))
			if s.MaxProps != nil {
				want = min(want, int(*s.MaxProps))
			}
		}
		for i := 0; len(out) < want && i < 2*want+8; i++ {
			k := r.mapKey(n.seed, i)
			if _, taken := out[k]; taken {
				continue
			}
			v, ok := r.value(extra, n.child(k, childSeed(n.seed, k)))
			if !ok {
				break
			}
			out[k] = v
		}
	}

	if s.MaxProps != nil && uint64(len(out)) > *s.MaxProps {
		for i := len(keys) - 1; i >= 0 && uint64(len(out)) > *s.MaxProps; i-- {
			if !contains(s.Required, keys[i]) {
				delete(out, keys[i])
			}
		}
	}
	if n.discProp != "" {
		out[n.discProp] = n.discKey
	}
	return out, true
}

// additionalSchema is the schema for keys beyond the declared properties;
// nil (anything goes) when additionalProperties is absent or true.
func additionalSchema(s *openapi3.Schema) *openapi3.Schema {
	if s.AdditionalProperties.Schema != nil {
		return s.AdditionalProperties.Schema.Value
	}
	return nil
}

func additionalAllowed(s *openapi3.Schema) bool {
	return s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has
}

// mapKey names the i-th generated entry of a free-form map.
func (r *run) mapKey(seed uint64, i int) string {
	r.reseed(itemSeed(seed, i))
	return slugify(r.f.NounCommon()) + "_" + strconv.Itoa(i+1)
}

// array makes between minItems and min(maxItems, minItems+MaxItems) items,
// at least one when allowed; past MaxDepth it makes only minItems.
func (r *run) array(s *openapi3.Schema, n node) (any, bool) {
	if n.depth > r.opts.MaxDepth && allowsNull(s) {
		return nil, true
	}
	lo := int(min(s.MinItems, maxCount))
	hi := lo
	if n.depth < r.opts.MaxDepth {
		lo = max(lo, 1)
		hi = max(lo, r.opts.MaxItems)
		if s.MaxItems != nil {
			hi = min(hi, int(min(*s.MaxItems, maxCount)))
			lo = min(lo, hi)
			lo = max(lo, int(min(s.MinItems, maxCount)))
			hi = max(hi, lo)
		}
	}
	count := lo
	if hi > lo {
		count += r.f.IntN(hi - lo + 1)
	}
	out := make([]any, 0, count)
	var seen map[string]bool
	if s.UniqueItems {
		seen = make(map[string]bool, count)
	}
	for i := 0; len(out) < count; i++ {
		var items *openapi3.Schema
		switch {
		case len(out) < len(s.PrefixItems):
			if p := s.PrefixItems[len(out)]; p != nil {
				items = p.Value
			}
		case s.Items != nil:
			items = s.Items.Value
		}
		v, ok := r.value(items, n.child(singular(n.name), itemSeed(n.seed, i)))
		if !ok {
			break
		}
		if seen != nil {
			key := canonical(v)
			if seen[key] {
				// Another seed may give a distinct value; a small enum may
				// simply have too few, so give up after a few tries.
				if i >= 4*count+8 {
					break
				}
				continue
			}
			seen[key] = true
		}
		out = append(out, v)
	}
	return out, true
}

// singular turns a plural array key into a hint for its items ("emails"
// holds emails, "ids" holds ids).
func singular(name string) string {
	switch {
	case len(name) > 4 && name[len(name)-4:] == "sses":
		return name[:len(name)-2]
	case len(name) > 3 && name[len(name)-3:] == "ies":
		return name[:len(name)-3] + "y"
	case len(name) > 1 && name[len(name)-1] == 's' && name[len(name)-2] != 's':
		return name[:len(name)-1]
	}
	return name
}

// canonical is a comparison key for uniqueItems; encoding/json sorts map
// keys, so equal values encode equally.
func canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}
