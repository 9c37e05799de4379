package scenario

import (
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"
)

// compareBody compares a decoded JSON response body with the expectation
// and returns a go-cmp diff (-want +got), or "" when it matches.
//
// In subset mode the response is first pruned to the expectation's shape:
// object keys the expectation does not name are dropped (recursively), so
// only what the expectation says is compared. Arrays keep their length, so
// "data: [{}]" still asserts exactly one element.
func compareBody(want, got any, mode string, ignore []string) string {
	if mode != MatchExact {
		got = prune(want, got)
	}
	return cmp.Diff(want, got, ignoreOption(ignore))
}

func prune(want, got any) any {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return got
		}
		out := make(map[string]any, len(w))
		for k, wv := range w {
			if gv, ok := g[k]; ok {
				out[k] = prune(wv, gv)
			}
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok {
			return got
		}
		out := make([]any, len(g))
		for i, gv := range g {
			if i < len(w) {
				out[i] = prune(w[i], gv)
			} else {
				out[i] = gv
			}
		}
		return out
	}
	return got
}

// ignoreOption leaves out fields named in ignore: bare names at any depth,
// JSON pointers at their place.
func ignoreOption(ignore []string) cmp.Option {
	if len(ignore) == 0 {
		return cmp.Options{}
	}
	names, pointers := map[string]bool{}, map[string]bool{}
	for _, ig := range ignore {
		if strings.HasPrefix(ig, "/") {
			pointers[ig] = true
		} else {
			names[ig] = true
		}
	}
	return cmp.FilterPath(func(p cmp.Path) bool {
		if mi, ok := p.Last().(cmp.MapIndex); ok {
			if key, ok := mi.Key().Interface().(string); ok && names[key] {
				return true
			}
		}
		return len(pointers) > 0 && pointers[pointerOf(p)]
	}, cmp.Ignore())
}

// pointerOf renders a go-cmp path into a JSON value as a JSON pointer.
func pointerOf(p cmp.Path) string {
	var b strings.Builder
	for _, st := range p {
		switch s := st.(type) {
		case cmp.MapIndex:
			key, _ := s.Key().Interface().(string)
			b.WriteByte('/')
			b.WriteString(strings.ReplaceAll(strings.ReplaceAll(key, "~", "~0"), "/", "~1"))
		case cmp.SliceIndex:
			b.WriteByte('/')
			b.WriteString(strconv.Itoa(s.Key()))
		}
	}
	return b.String()
}

// headerContains reports whether any value of the header contains want,
// case-insensitively ("application/json" matches
// "application/json; charset=utf-8").
func headerContains(values []string, want string) bool {
	w := strings.ToLower(want)
	for _, v := range values {
		if strings.Contains(strings.ToLower(v), w) {
			return true
		}
	}
	return false
}
