package router

import (
	"net/url"
	"sort"
	"strings"
)

// node is one path segment of the route trie. Literal children are tried
// before the parameter child, so /v1/apps/me wins over /v1/apps/{id}, and a
// dead end on the literal branch falls back to the parameter branch.
type node struct {
	literals map[string]*node
	param    *node
	routes   map[string]*route // by upper-case method; set on nodes that end a template
	template string
	allow    string // the Allow header for this path
}

func (n *node) insert(template string, rt *route) {
	cur := n
	for _, seg := range splitTemplate(template) {
		if strings.Contains(seg, "{") {
			if cur.param == nil {
				cur.param = &node{}
			}
			cur = cur.param
			continue
		}
		if cur.literals == nil {
			cur.literals = map[string]*node{}
		}
		next := cur.literals[seg]
		if next == nil {
			next = &node{}
			cur.literals[seg] = next
		}
		cur = next
	}
	if cur.routes == nil {
		cur.routes = map[string]*route{}
		cur.template = template
	}
	cur.routes[rt.op.Method] = rt
}

// finish precomputes each path's Allow header once the trie is built.
func (n *node) finish() {
	if n.routes != nil {
		methods := make([]string, 0, len(n.routes)+2)
		for m := range n.routes {
			methods = append(methods, m)
		}
		if n.routes["GET"] != nil && n.routes["HEAD"] == nil {
			methods = append(methods, "HEAD")
		}
		if n.routes["OPTIONS"] == nil {
			methods = append(methods, "OPTIONS")
		}
		sort.Strings(methods)
		n.allow = strings.Join(methods, ", ")
	}
	for _, c := range n.literals {
		c.finish()
	}
	if n.param != nil {
		n.param.finish()
	}
}

// splitTemplate splits a template or escaped request path into segments,
// dropping the leading slash and tolerating one trailing slash.
func splitTemplate(p string) []string {
	p = strings.TrimPrefix(p, "/")
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// lookup walks an escaped request path. It returns the node ending the
// matched template (nil when none) and the unescaped parameter values.
func (n *node) lookup(escapedPath string) (*node, []string) {
	p := strings.TrimPrefix(escapedPath, "/")
	if len(p) > 0 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	var params []string
	found := n.walk(p, p == "", &params)
	if found == nil {
		return nil, nil
	}
	return found, params
}

func (n *node) walk(rest string, done bool, params *[]string) *node {
	if done {
		if n.routes != nil {
			return n
		}
		return nil
	}
	seg, tail, more := strings.Cut(rest, "/")
	if n.literals != nil {
		lit := seg
		if strings.IndexByte(seg, '%') >= 0 {
			if u, err := url.PathUnescape(seg); err == nil {
				lit = u
			}
		}
		if child := n.literals[lit]; child != nil {
			if found := child.walk(tail, !more, params); found != nil {
				return found
			}
		}
	}
	if n.param != nil && seg != "" {
		value := seg
		if strings.IndexByte(seg, '%') >= 0 {
			u, err := url.PathUnescape(seg)
			if err != nil {
				return nil // a malformed escape matches no parameter
			}
			value = u
		}
		*params = append(*params, value)
		if found := n.param.walk(tail, !more, params); found != nil {
			return found
		}
		*params = (*params)[:len(*params)-1]
	}
	return nil
}
