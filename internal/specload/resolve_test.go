package specload

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
	"github.com/heimdall-mock/heimdall-mock/specs"
)

// resolveLocal must leave a document exactly as kin-openapi's loader
// leaves it, down to which values are shared, save the loader's private
// record of where each reference pointed (refPath, read by InternalizeRefs
// only).
var sameResolution = []cmp.Option{
	cmp.Exporter(func(reflect.Type) bool { return true }), // the map-like objects keep their entries unexported
	cmp.FilterPath(func(p cmp.Path) bool {
		f, ok := p.Last().(cmp.StructField)
		return ok && f.Name() == "refPath"
	}, cmp.Ignore()),
}

// bothWays decodes data twice and resolves one copy with the loader and
// the other with resolveLocal, which must take it.
func bothWays(t *testing.T, name string, data []byte) (byLoader, local *openapi3.T) {
	t.Helper()
	byLoader, err := DecodeUnresolved(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	local, _ = DecodeUnresolved(data)
	loader := openapi3.NewLoader()
	if err := loader.ResolveRefsIn(byLoader, nil); err != nil {
		t.Fatalf("%s: the loader: %v", name, err)
	}
	if !resolveLocal(local) {
		t.Fatalf("%s: resolveLocal declined a 3.0 document with local references only", name)
	}
	return byLoader, local
}

func TestResolveLocalResolvesAsTheLoaderDoes(t *testing.T) {
	corpus := map[string][]byte{"embedded default": specs.DefaultJSON}
	if dir, ok := testspecs.Lookup(); ok {
		for _, path := range testspecs.All(t) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rel, _ := filepath.Rel(dir, path)
			corpus[rel] = data
		}
	}
	for name, data := range corpus {
		t.Run(name, func(t *testing.T) {
			byLoader, local := bothWays(t, name, data)
			if diff := cmp.Diff(byLoader, local, sameResolution...); diff != "" {
				t.Fatalf("resolved documents differ (-loader +local):\n%s", diff)
			}
			sharing(t, byLoader, "loader")
			sharing(t, local, "local")
		})
	}
}

// sharing checks that every schema reference's value is the component's
// own value, not a copy: the examples check and the response shaper key
// their caches by schema pointer.
func sharing(t *testing.T, doc *openapi3.T, who string) {
	t.Helper()
	seen := map[*openapi3.Schema]bool{}
	var walk func(s *openapi3.SchemaRef)
	walk = func(s *openapi3.SchemaRef) {
		if s == nil || s.Value == nil {
			return
		}
		if name, ok := strings.CutPrefix(s.Ref, "#/components/schemas/"); ok {
			target := doc.Components.Schemas[name]
			for target != nil && target.Ref != "" && target.Value != nil && target.Value != s.Value {
				name, _ = strings.CutPrefix(target.Ref, "#/components/schemas/")
				target = doc.Components.Schemas[name]
			}
			if target == nil || target.Value != s.Value {
				t.Errorf("%s: %s resolves to a copy, not the component", who, s.Ref)
			}
		}
		if seen[s.Value] {
			return
		}
		seen[s.Value] = true
		for _, p := range s.Value.Properties {
			walk(p)
		}
		walk(s.Value.Items)
		for _, l := range [][]*openapi3.SchemaRef{s.Value.AllOf, s.Value.AnyOf, s.Value.OneOf} {
			for _, v := range l {
				walk(v)
			}
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(mt.Schema)
				}
			}
			for _, resp := range op.Responses.Map() {
				if resp.Value != nil {
					for _, mt := range resp.Value.Content {
						walk(mt.Schema)
					}
				}
			}
		}
	}
	if len(seen) == 0 {
		t.Errorf("%s: no schema reached from the operations", who)
	}
}

// Every reference form, chain and cycle a 3.0 document may hold.
func TestResolveLocalOnEveryKindOfReference(t *testing.T) {
	doc := `{"openapi":"3.0.3","info":{"title":"t","version":"1"},
"paths":{"/a/{id}":{"parameters":[{"$ref":"#/components/parameters/Id"}],
  "post":{"requestBody":{"$ref":"#/components/requestBodies/Body"},
    "responses":{"200":{"$ref":"#/components/responses/Ok"},"default":{"description":"x","content":{"application/json":{"schema":{"$ref":"#/components/schemas/Alias"}}}}},
    "callbacks":{"hook":{"$ref":"#/components/callbacks/Hook"}}}}},
"components":{
 "schemas":{
  "Node":{"type":"object","properties":{"next":{"$ref":"#/components/schemas/Node"},"tags":{"type":"array","items":{"$ref":"#/components/schemas/Tag"}}},
    "additionalProperties":{"$ref":"#/components/schemas/Tag"},"allOf":[{"$ref":"#/components/schemas/Tag"}],"not":{"$ref":"#/components/schemas/Tag"}},
  "Tag":{"type":"string"},
  "Alias":{"$ref":"#/components/schemas/Alias2"},
  "Alias2":{"$ref":"#/components/schemas/Node"},
  "Pet":{"oneOf":[{"$ref":"#/components/schemas/Tag"}],"discriminator":{"propertyName":"k","mapping":{"t":"#/components/schemas/Tag"}}}},
 "parameters":{"Id":{"name":"id","in":"path","required":true,"schema":{"$ref":"#/components/schemas/Tag"},"examples":{"one":{"$ref":"#/components/examples/One"}}}},
 "headers":{"Rate":{"schema":{"$ref":"#/components/schemas/Tag"}}},
 "requestBodies":{"Body":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Node"},"examples":{"one":{"$ref":"#/components/examples/One"}}}}}},
 "responses":{"Ok":{"description":"ok","headers":{"X-Rate":{"$ref":"#/components/headers/Rate"}},"links":{"self":{"$ref":"#/components/links/Self"}},
   "content":{"application/json":{"schema":{"$ref":"#/components/schemas/Pet"}}}},"Same":{"$ref":"#/components/responses/Ok"}},
 "examples":{"One":{"value":"1"}},
 "links":{"Self":{"operationId":"x"}},
 "securitySchemes":{"Key":{"type":"apiKey","in":"header","name":"k"},"Alias":{"$ref":"#/components/securitySchemes/Key"}},
 "callbacks":{"Hook":{"{$request.body#/url}":{"post":{"requestBody":{"$ref":"#/components/requestBodies/Body"},"responses":{"200":{"description":"ok"}}}}}}}}`
	byLoader, local := bothWays(t, "hand-written", []byte(doc))
	if diff := cmp.Diff(byLoader, local, sameResolution...); diff != "" {
		t.Fatalf("resolved documents differ (-loader +local):\n%s", diff)
	}
	sharing(t, local, "local")
	node := local.Components.Schemas["Node"].Value
	if node.Properties["next"].Value != node {
		t.Error("a recursive schema is not its own property's value")
	}
	if local.Components.Schemas["Alias"].Value != node {
		t.Error("a chain of references does not end at its schema")
	}
}

// What resolveLocal does not take it declines without changing anything,
// and the loader resolves (or refuses) it as before.
func TestResolveLocalDeclinesWhatItDoesNotKnow(t *testing.T) {
	base := func(schemaRef string) string {
		return `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok",
"content":{"application/json":{"schema":{"$ref":"` + schemaRef + `"}}}}}}}},
"components":{"schemas":{"A":{"type":"object","properties":{"b":{"type":"string"}}},"Loop1":{"$ref":"#/components/schemas/Loop2"},"Loop2":{"$ref":"#/components/schemas/Loop1"},"Odd~Name":{"type":"string"}}}}`
	}
	for name, doc := range map[string]string{
		"a pointer into a schema": base("#/components/schemas/A/properties/b"),
		"a missing component":     base("#/components/schemas/Missing"),
		"a cycle of references":   base("#/components/schemas/Loop1"),
		"an escaped name":         base("#/components/schemas/Odd~0Name"),
		"another file":            base("other.json#/components/schemas/A"),
		"OpenAPI 3.1":             strings.Replace(base("#/components/schemas/A"), "3.0.3", "3.1.0", 1),
		"a path item reference":   `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"$ref":"#/paths/~1b"},"/b":{"get":{"responses":{"200":{"description":"ok"}}}}}}`,
		"schema and content": `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"parameters":[{"name":"q","in":"query",
"schema":{"type":"string"},"content":{"application/json":{"schema":{"type":"string"}}}}],"responses":{"200":{"description":"ok"}}}}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			d, err := DecodeUnresolved([]byte(doc))
			if err != nil {
				t.Fatal(err)
			}
			before, _ := DecodeUnresolved([]byte(doc))
			if resolveLocal(d) {
				t.Fatal("resolveLocal took it")
			}
			if diff := cmp.Diff(before, d, sameResolution...); diff != "" {
				t.Fatalf("declining changed the document:\n%s", diff)
			}
			viaResolve, errResolve := resolve(d)
			again, _ := DecodeUnresolved([]byte(doc))
			errLoader := openapi3.NewLoader().ResolveRefsIn(again, nil)
			if (errResolve == nil) != (errLoader == nil) {
				t.Fatalf("resolve: %v, the loader: %v", errResolve, errLoader)
			}
			if errResolve == nil {
				if diff := cmp.Diff(again, viaResolve, sameResolution...); diff != "" {
					t.Fatalf("resolve and the loader differ:\n%s", diff)
				}
			}
		})
	}
}
