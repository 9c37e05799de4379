package shape

import (
	"bytes"
	"encoding/json"
)

// recorder collects what one translation did, each change once even when
// it happened in every item of a list.
type recorder struct {
	where string
	seen  map[string]bool
	out   []string
}

func (r *recorder) add(parts ...string) {
	var b bytes.Buffer
	b.WriteString(r.where)
	b.WriteString(": ")
	for _, p := range parts {
		b.WriteString(p)
	}
	s := b.String()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if !r.seen[s] {
		r.seen[s] = true
		r.out = append(r.out, s)
	}
}

// translate rewrites a JSON body along n. A body that is not JSON, or is
// JSON of another shape, is returned as it came: the validator after the
// shaper names what is wrong with it.
func translate(n *node, where string, body []byte) ([]byte, []string) {
	if n == nil || len(bytes.TrimSpace(body)) == 0 {
		return body, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // numbers pass through digit for digit
	var v any
	if err := dec.Decode(&v); err != nil {
		return body, nil
	}
	rec := &recorder{where: where}
	v = n.apply(v, "", rec)
	if len(rec.out) == 0 {
		return body, nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return body, nil
	}
	return out, rec.out
}

func (n *node) apply(v any, path string, rec *recorder) any {
	if n == nil {
		return v
	}
	switch v := v.(type) {
	case []any:
		if n.items != nil {
			for i := range v {
				v[i] = n.items.apply(v[i], path+"[]", rec)
			}
		}
		return v
	case map[string]any:
		if len(n.alts) > 0 {
			if a := pick(n.alts, v); a != nil {
				return a.node.apply(v, path, rec)
			}
			return v
		}
		n.applyObject(v, path, rec)
		return v
	}
	return v
}

func (n *node) applyObject(m map[string]any, path string, rec *recorder) {
	// Rename first, so the closed-object check and the fills see the
	// target's names; collect before mutating the map being ranged over.
	var moves [][2]string
	for k := range m {
		if to, ok := n.rename[k]; ok {
			moves = append(moves, [2]string{k, to})
		}
	}
	for _, mv := range moves {
		from, to := mv[0], mv[1]
		val := m[from]
		delete(m, from)
		if child := n.props[from]; child != nil {
			val = child.apply(val, join(path, to), rec)
		}
		if _, clash := m[to]; !clash {
			m[to] = val
		}
		rec.add(join(path, from), " renamed to ", join(path, to))
	}
	for k, val := range m {
		if child := n.props[k]; child != nil && n.rename[k] == "" {
			m[k] = child.apply(val, join(path, k), rec)
		}
	}
	if n.closed {
		for k := range m {
			if !n.known[k] {
				delete(m, k)
				rec.add(join(path, k), " dropped (the object is closed)")
			}
		}
	}
	for _, f := range n.fills {
		if _, ok := m[f.name]; !ok {
			m[f.name] = f.value
			rec.add(join(path, f.name), " filled from its schema")
		}
	}
}
