// Package routekey names an operation the way stateful handlers bind to
// it. It stands alone so the router and the domain, which must not import
// the router, agree on one rule.
package routekey

import "strings"

// Key normalises an operation to the form stateful handlers bind to: the
// upper-case method and the path template with every parameter name blanked,
// so "/{appSlug}/v1/x/{id}" and "/{app_slug}/v1/x/{user_id}" are one key.
func Key(method, template string) string {
	var b strings.Builder
	b.Grow(len(method) + 1 + len(template))
	b.WriteString(strings.ToUpper(method))
	b.WriteByte(' ')
	for i := 0; i < len(template); i++ {
		c := template[i]
		b.WriteByte(c)
		if c == '{' {
			j := strings.IndexByte(template[i:], '}')
			if j < 0 {
				b.WriteString(template[i+1:])
				break
			}
			i += j - 1
		}
	}
	return b.String()
}

// Params lists a template's parameter names in order: what a router's
// positional parameters are, and a ServeMux pattern's wildcards.
func Params(template string) []string {
	var names []string
	for rest := template; ; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			return names
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return names
		}
		names = append(names, rest[i+1:i+j])
		rest = rest[i+j+1:]
	}
}
