package violation

import (
	"bytes"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// ProseAllowsEmptyObject reports whether a response's description says the
// operation may answer an empty object ("`{}`", as in "{} on no match")
// while its JSON schema requires fields: the spec's prose and its schema
// disagree. The mock follows the prose, which says what the service does,
// so such an answer is not a violation; the defect is listed among the
// spec's warnings instead. It returns the required fields.
func ProseAllowsEmptyObject(resp *openapi3.Response) ([]string, bool) {
	if resp == nil || resp.Description == nil || !strings.Contains(*resp.Description, "`{}`") {
		return nil, false
	}
	mt := resp.Content.Get("application/json")
	if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
		return nil, false
	}
	req := requiredOf(mt.Schema.Value)
	if len(req) == 0 {
		return nil, false
	}
	return req, true
}

func requiredOf(s *openapi3.Schema) []string {
	set := map[string]bool{}
	for _, r := range s.Required {
		set[r] = true
	}
	for _, sub := range s.AllOf {
		if sub.Value != nil {
			for _, r := range requiredOf(sub.Value) {
				set[r] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// IsEmptyObject reports whether a JSON body is {}.
func IsEmptyObject(body []byte) bool {
	b := bytes.TrimSpace(body)
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return false
	}
	return len(bytes.TrimSpace(b[1:len(b)-1])) == 0
}
