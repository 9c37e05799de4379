package scenario

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// A path step into a JSON value: a key, an index when isIndex, or the
// first array element a filter accepts.
type pathStep struct {
	key     string
	index   int
	isIndex bool
	filter  *pathFilter
}

// pathFilter is [?(@.a.b == literal)] or !=: the first element whose field
// compares so is selected.
type pathFilter struct {
	field []pathStep
	value any
	equal bool
}

func (f *pathFilter) accepts(el any) bool {
	got, ok := walk(el, f.field)
	if !ok {
		return !f.equal
	}
	return (compact(got) == compact(f.value)) == f.equal
}

// parseFilter reads the inside of [?( ... )].
func parseFilter(inner string) (*pathFilter, error) {
	body, ok := strings.CutPrefix(inner, "?(")
	if !ok || !strings.HasSuffix(body, ")") {
		return nil, errors.New("a filter is written [?(@.field == value)]")
	}
	body = strings.TrimSuffix(body, ")")
	op, equal := "==", true
	lhs, rhs, found := strings.Cut(body, "==")
	if !found {
		op, equal = "!=", false
		if lhs, rhs, found = strings.Cut(body, "!="); !found {
			return nil, errors.New("a filter compares with == or !=")
		}
	}
	lhs, rhs = strings.TrimSpace(lhs), strings.TrimSpace(rhs)
	if !strings.HasPrefix(lhs, "@.") {
		return nil, fmt.Errorf("the left of %s must be @.field", op)
	}
	field, err := splitJSONPath("$" + lhs[1:])
	if err != nil {
		return nil, err
	}
	if len(rhs) >= 2 && rhs[0] == '\'' && rhs[len(rhs)-1] == '\'' {
		rhs = strconv.Quote(rhs[1 : len(rhs)-1])
	}
	var value any
	if err := json.Unmarshal([]byte(rhs), &value); err != nil {
		return nil, fmt.Errorf("%s is not a JSON literal (quote strings)", rhs)
	}
	return &pathFilter{field: field, value: value, equal: equal}, nil
}

// checkCapture validates a capture expression without evaluating it.
func checkCapture(expr string) error {
	_, _, err := parseCapture(expr)
	return err
}

// parseCapture splits an expression into a header name or JSON steps.
func parseCapture(expr string) (header string, steps []pathStep, err error) {
	switch {
	case strings.HasPrefix(expr, "header:"):
		h := strings.TrimSpace(strings.TrimPrefix(expr, "header:"))
		if h == "" || strings.HasPrefix(h, "?") || strings.HasSuffix(h, "?") {
			return "", nil, errors.New(`"header:" needs a header name, optionally with ?query_param`)
		}
		return h, nil, nil
	case expr == "" || strings.HasPrefix(expr, "/"):
		steps, err := splitPointer(expr)
		return "", steps, err
	case strings.HasPrefix(expr, "$"):
		steps, err := splitJSONPath(expr)
		return "", steps, err
	}
	return "", nil, fmt.Errorf("%q: want a JSON pointer (/a/0/b), a JSONPath ($.a[0].b) or header:Name", expr)
}

// splitPointer parses an RFC 6901 JSON pointer. Numeric tokens index
// arrays and name object keys alike; which one is decided on evaluation.
func splitPointer(ptr string) ([]pathStep, error) {
	if ptr == "" {
		return nil, nil
	}
	if !strings.HasPrefix(ptr, "/") {
		return nil, fmt.Errorf("JSON pointer %q must start with /", ptr)
	}
	var steps []pathStep
	for _, tok := range strings.Split(ptr[1:], "/") {
		if strings.Contains(strings.ReplaceAll(strings.ReplaceAll(tok, "~0", ""), "~1", ""), "~") {
			return nil, fmt.Errorf("JSON pointer %q: ~ must be followed by 0 or 1", ptr)
		}
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		st := pathStep{key: tok}
		if n, err := strconv.Atoi(tok); err == nil && n >= 0 {
			st.index, st.isIndex = n, true
		}
		steps = append(steps, st)
	}
	return steps, nil
}

// splitJSONPath parses the single-value subset of JSONPath: $, .name,
// ['name'] or ["name"], [n] (negative counts from the end), and
// [?(@.field == literal)] or != (the first element that matches).
func splitJSONPath(p string) ([]pathStep, error) {
	bad := func(why string) error { return fmt.Errorf("JSONPath %q: %s", p, why) }
	s := strings.TrimPrefix(p, "$")
	var steps []pathStep
	for len(s) > 0 {
		switch s[0] {
		case '.':
			s = s[1:]
			end := strings.IndexAny(s, ".[")
			if end < 0 {
				end = len(s)
			}
			name := s[:end]
			if name == "" {
				return nil, bad("empty name after '.'")
			}
			if name == "*" || strings.HasPrefix(name, ".") {
				return nil, bad("wildcards and recursive descent select many values; a capture needs one")
			}
			steps = append(steps, pathStep{key: name})
			s = s[end:]
		case '[':
			end := strings.IndexByte(s, ']')
			if strings.HasPrefix(s, "[?(") {
				end = strings.Index(s, ")]") + 1
			}
			if end <= 0 {
				return nil, bad("unclosed [")
			}
			inner := strings.TrimSpace(s[1:end])
			s = s[end+1:]
			switch {
			case strings.HasPrefix(inner, "?"):
				f, err := parseFilter(inner)
				if err != nil {
					return nil, bad(err.Error())
				}
				steps = append(steps, pathStep{filter: f})
			case len(inner) >= 2 && (inner[0] == '\'' || inner[0] == '"') && inner[len(inner)-1] == inner[0]:
				steps = append(steps, pathStep{key: inner[1 : len(inner)-1]})
			default:
				n, err := strconv.Atoi(inner)
				if err != nil {
					return nil, bad(fmt.Sprintf("[%s] is neither an index nor a quoted name (filters and wildcards are not supported)", inner))
				}
				steps = append(steps, pathStep{index: n, isIndex: true, key: inner})
			}
		default:
			return nil, bad(fmt.Sprintf("unexpected %q", s[:1]))
		}
	}
	return steps, nil
}

// walk follows steps into a decoded JSON value.
func walk(doc any, steps []pathStep) (any, bool) {
	cur := doc
	for _, st := range steps {
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[st.key]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			if st.filter != nil {
				found := false
				for _, el := range t {
					if st.filter.accepts(el) {
						cur, found = el, true
						break
					}
				}
				if !found {
					return nil, false
				}
				continue
			}
			if !st.isIndex {
				return nil, false
			}
			i := st.index
			if i < 0 {
				i += len(t)
			}
			if i < 0 || i >= len(t) {
				return nil, false
			}
			cur = t[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// capture evaluates expr against a response. body is the decoded JSON
// body (nil when there is none or it is not JSON).
func capture(expr string, header http.Header, body any, hasBody bool) (any, error) {
	name, steps, err := parseCapture(expr)
	if err != nil {
		return nil, err
	}
	if name != "" {
		// header:Location?code captures one query parameter of a URL
		// header: redirect flows hand their one-time codes over that way.
		name, param, hasParam := strings.Cut(name, "?")
		vals := header.Values(name)
		if len(vals) == 0 {
			return nil, fmt.Errorf("header %s is not in the response", name)
		}
		if !hasParam {
			return vals[0], nil
		}
		u, err := url.Parse(vals[0])
		if err != nil {
			return nil, fmt.Errorf("header %s: %q is not a URL", name, vals[0])
		}
		v, ok := u.Query()[param]
		if !ok || len(v) == 0 {
			return nil, fmt.Errorf("header %s: %q has no query parameter %q", name, vals[0], param)
		}
		return v[0], nil
	}
	if !hasBody {
		return nil, fmt.Errorf("%s: the response has no JSON body", expr)
	}
	v, ok := walk(body, steps)
	if !ok {
		return nil, fmt.Errorf("%s: not in the response body", expr)
	}
	return v, nil
}
