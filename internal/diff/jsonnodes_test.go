package diff

import (
	"fmt"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v4"
)

// The direct JSON reader gives the tree, values and positions the YAML
// parser gives for the same text, so findings point at the same line and
// column whichever read the document.
func TestJSONNodesMatchTheYAMLParser(t *testing.T) {
	doc := `{
  "openapi": "3.1.0",
  "paths": {"/a/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true}],
    "responses": {"200": {"description": "tab\there \"quoted\" \u00e9", "content": {}}}}}},
  "x-n": [1.5e3, -2, null, false, [], {}]
}`
	got, err := jsonNodes([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var want yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &want); err != nil {
		t.Fatal(err)
	}
	if g, w := dumpNodes(got), dumpNodes(want.Content[0]); g != w {
		t.Errorf("direct JSON read differs from the YAML parser's:\n got %s\nwant %s", g, w)
	}
}

func dumpNodes(n *yaml.Node) string {
	var b strings.Builder
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		fmt.Fprintf(&b, "%d@%d:%d=%q[", n.Kind, n.Line, n.Column, n.Value)
		for _, c := range n.Content {
			walk(c)
		}
		b.WriteString("]")
	}
	walk(n)
	return b.String()
}

// Anything that is not strict JSON is refused, so Load hands it to the
// YAML parser instead of misreading it.
func TestJSONNodesRefuseWhatIsNotJSON(t *testing.T) {
	for _, doc := range []string{
		`{"a": 1,}`, `{"a" 1}`, `{"a": tru}`, `{"a": "unterminated}`, `{"a": 1} x`, `{a: 1}`, `[1, 2`,
	} {
		if _, err := jsonNodes([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", doc)
		}
	}
}

// A JSON-looking document that only YAML reads (unquoted keys are flow
// YAML) still loads.
func TestLoadFallsBackToYAMLForFlowMappings(t *testing.T) {
	s, err := Load([]byte(`{openapi: 3.0.3, info: {title: t, version: "1"}, paths: {/a: {get: {responses: {"200": {description: ok}}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if ops := s.Operations(); len(ops) != 1 || ops[0] != "GET /a" {
		t.Errorf("operations %v, want [GET /a]", ops)
	}
}
