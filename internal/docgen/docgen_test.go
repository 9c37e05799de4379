package docgen

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

const spec = `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"$ref":"#/components/schemas/A"}}}}}}}},
"components":{"schemas":{"A":{"type":"object","properties":{"n":{"type":"integer","maximum":3,"example":2}}}}}}`

// A resolved document shares the referenced schema between its uses;
// writing it would duplicate the schema, so it is refused.
func TestRefusesAResolvedDocument(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Source("p", "f", "test", doc); err == nil || !strings.Contains(err.Error(), "reachable twice") && !strings.Contains(err.Error(), "is set") {
		t.Fatalf("err = %v, want a refusal", err)
	}
}

// A number in an interface keeps its type: an untyped 2 would come back
// as an int, which is not what the decoder gave.
func TestSpellsTheTypeOfANumberInAnInterface(t *testing.T) {
	doc := &openapi3.T{OpenAPI: "3.0.3", Paths: openapi3.NewPaths(openapi3.WithPath("/a", &openapi3.PathItem{}))}
	doc.Extensions = map[string]any{"x-n": float64(2), "x-s": "s", "x-list": []any{true, nil}}
	src, err := Source("p", "f", "test", doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"float64(2)", "[]any{true, nil}"} {
		if !strings.Contains(string(src), want) {
			t.Errorf("source lacks %s:\n%s", want, src)
		}
	}
}
