package specload

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"
	yaml "go.yaml.in/yaml/v4"

	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

// cmpAll is the one option the comparisons take: it lets cmp look into
// unexported fields instead of refusing them, so those are compared too.
// kin-openapi keeps a map-like object's entries, a reference's siblings
// and an operation's explicit null responses in unexported fields, and
// the direct decoder must leave them as the node decode does. (Nothing
// is ignored: the document types have no func fields.)
var cmpAll = cmp.Exporter(func(reflect.Type) bool { return true })

// sameDecode fails unless decodeDirect and decodeViaNodes agree on data:
// both fail, or both give the same document. It returns what the direct
// decoder said and whether the node decode succeeded.
func sameDecode(t testing.TB, name string, data []byte) (directResult, bool) {
	t.Helper()
	want, wantErr := decodeViaNodes(data)
	got, res, gotErr := decodeDirect(data)
	if (wantErr == nil) != (gotErr == nil) {
		t.Errorf("%s: node decode error %v, direct decode error %v", name, wantErr, gotErr)
		return res, wantErr == nil
	}
	if wantErr == nil {
		if diff := cmp.Diff(want, got, cmpAll); diff != "" {
			t.Errorf("%s: the documents differ (-nodes +direct):\n%s", name, diff)
		}
	}
	return res, wantErr == nil
}

// sameLoad fails unless loadPlainJSON agrees with what it was before the
// direct decoder (loadViaNodes): the same refusals (a swagger field, an
// openapi field that is no string), the same version, the same resolved
// document.
func sameLoad(t testing.TB, name string, data []byte) {
	t.Helper()
	wantDoc, wantVersion, wantErr := loadViaNodes(data)
	gotDoc, gotVersion, gotErr := loadPlainJSON(data)
	switch {
	case (wantErr == nil) != (gotErr == nil):
		t.Errorf("%s: loading: before %v, now %v", name, wantErr, gotErr)
	case wantVersion != gotVersion:
		t.Errorf("%s: version %q, was %q", name, gotVersion, wantVersion)
	case wantErr == nil:
		a, aerr := json.Marshal(wantDoc)
		b, berr := json.Marshal(gotDoc)
		if !bytes.Equal(a, b) || (aerr == nil) != (berr == nil) {
			t.Errorf("%s: the resolved documents differ", name)
		}
	}
}

// decodeViaNodes is how the direct path decoded before decodeDirect: a
// node tree handed to kin-openapi's UnmarshalYAML methods, the reference
// the direct decoder is tested against (and what decodeDirect still does
// with a document whose top-level object it leaves).
func decodeViaNodes(data []byte) (*openapi3.T, error) {
	root, paths, err := jsonDocNodes(data)
	if err != nil {
		return nil, err
	}
	return decodeSplit(root, paths)
}

// loadViaNodes is loadPlainJSON as it was before the direct decoder.
func loadViaNodes(data []byte) (*openapi3.T, string, error) {
	if !isJSON(data) {
		return nil, "", errNotPlainJSON
	}
	root, paths, err := jsonDocNodes(data)
	if err != nil {
		return nil, "", err
	}
	var openapi *yaml.Node
	for i := 0; root.Kind == yaml.MappingNode && i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "swagger":
			return nil, "", errNotPlainJSON
		case "openapi":
			openapi = root.Content[i+1]
		}
	}
	if openapi == nil || openapi.Kind != yaml.ScalarNode || openapi.Tag != "!!str" {
		return nil, "", errNotPlainJSON
	}
	version, err := checkVersion(versionProbe{OpenAPI: openapi.Value})
	if err != nil {
		return nil, "", err
	}
	doc, err := decodeSplit(root, paths)
	if err != nil {
		return nil, "", err
	}
	if doc, err = resolve(doc); err != nil {
		return nil, "", err
	}
	return doc, version, nil
}

type corpusDoc struct {
	name string
	data []byte
	// real: a spec served in production or shipped, where the direct
	// decoder should need no fallback at all.
	real bool
}

// EnvExtraSpecs names more spec files (JSON or YAML) for the differential
// tests, separated as in PATH: public specs too large to ship with the
// repository.
const EnvExtraSpecs = "HEIMDALL_EXTRA_SPECS"

// differentialCorpus is every spec the tests can find: the shipped
// default (as JSON and as its YAML source written as JSON), the real
// specs when their folder is there, kin-openapi's own test documents
// written as JSON, and the files EnvExtraSpecs names.
func differentialCorpus(t *testing.T) []corpusDoc {
	t.Helper()
	var out []corpusDoc
	add := func(name string, data []byte, real bool) {
		if !isJSON(data) {
			converted, err := YAMLToJSON(data)
			if err != nil {
				return // not writable as JSON (a merge key, several documents)
			}
			data = converted
		}
		out = append(out, corpusDoc{name, data, real})
	}
	for _, f := range []string{"../../specs/heimdall.gen.json", "../../specs/heimdall.yaml"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		add(filepath.Base(f), data, true)
	}
	if _, ok := testspecs.Lookup(); ok {
		for _, f := range testspecs.All(t) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			add(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), data, true)
		}
	}
	if dir := kinTestdata(); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, f := range files {
			switch filepath.Ext(f) {
			case ".json", ".yaml", ".yml":
			default:
				continue
			}
			if data, err := os.ReadFile(f); err == nil {
				add("kin/"+filepath.Base(f), data, false)
			}
		}
	}
	for _, f := range filepath.SplitList(os.Getenv(EnvExtraSpecs)) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("%s: %v", EnvExtraSpecs, err)
		}
		add("extra/"+filepath.Base(f), data, false)
	}
	return out
}

// kinTestdata is kin-openapi's folder of test documents, "" when the go
// command cannot say where the module is.
func kinTestdata() string {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/getkin/kin-openapi").Output()
	if err != nil {
		return ""
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "openapi3", "testdata")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return ""
	}
	return dir
}

func TestDirectDecodeMatchesNodeDecode(t *testing.T) {
	corpus := differentialCorpus(t)
	decoded := 0
	for _, c := range corpus {
		res, ok := sameDecode(t, c.name, c.data)
		sameLoad(t, c.name, c.data)
		if ok {
			decoded++
		}
		if c.real && res.fallbacks != 0 {
			t.Errorf("%s: %d values decoded from nodes, want none in a real spec", c.name, res.fallbacks)
		}
		t.Logf("%s: %d bytes, %d fallbacks", c.name, len(c.data), res.fallbacks)
	}
	if decoded < 2 {
		t.Fatalf("only %d of %d documents decode: the comparison compares nothing", decoded, len(corpus))
	}
}

// directDocs are small documents for what the real specs do not have:
// OpenAPI 3.1 keywords, extensions at every level, and odd values. The
// first one holds nothing the direct decoder leaves to the node decode.
var directDocs = []string{
	`{"openapi":"3.1.0","jsonSchemaDialect":"https://json-schema.org/draft/2020-12/schema","x-top":{"nested":{"deep":[[],{}]},"n":-2.5e-3,"i":12},
	 "info":{"title":"t","summary":"s","description":"d","termsOfService":"tos","version":"1","license":{"name":"MIT","identifier":"MIT","url":"u","x-l":1},"contact":{"name":"n","url":"u","email":"e@x","x-c":1},"x-i":{"a":[1,2.5,"s",null,true,false]},"other":1},
	 "servers":[{"url":"https://{env}.x","description":"d","variables":{"env":{"default":"api","enum":["api","dev"],"description":"d","x-v":false}},"x-s":1}],
	 "tags":[{"name":"a","description":"d","externalDocs":{"url":"https://x","x-e":1},"x-t":1}],
	 "security":[{},{"bearer":[]},{"oauth":["read","write"]}],
	 "externalDocs":{"url":"https://x","description":"d"},
	 "webhooks":{"ping":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object"}}}},"responses":{"200":{"description":"ok"}}}},"gone":null},
	 "paths":{"x-p":1,"/a/{id}":{"summary":"s","description":"d","parameters":[{"$ref":"#/components/parameters/id"}],"x-pi":null,"servers":[{"url":"/"}],
	   "get":{"operationId":"g","summary":"s","description":"d","tags":["a"],"deprecated":true,"security":[],"servers":[{"url":"/v2"}],"externalDocs":{"url":"u"},"x-op":[1],
	     "parameters":[{"name":"q","in":"query","schema":{"type":"string"}},null],
	     "callbacks":{"cb":{"{$request.body#/url}":{"post":{"responses":{"204":{"description":"x"}}}},"x-cb":2},"ref":{"$ref":"#/components/callbacks/C","summary":"s"}},
	     "responses":{"x-r":"y","200":{"description":"ok","x-resp":1,"headers":{"X-H":{"schema":{"type":"integer"},"required":true,"x-h":1},"X-R":{"$ref":"#/components/headers/H","description":"d"},"X-N":null},
	        "links":{"self":{"operationId":"g","parameters":{"id":"$response.body#/id","n":3},"requestBody":{"a":1},"server":{"url":"/"},"x-l":1},"r":{"$ref":"#/components/links/L"}},
	        "content":{"application/json":{"schema":{"$ref":"#/components/schemas/S"},"examples":{"e":{"summary":"s","value":{"n":1}},"r":{"$ref":"#/components/examples/E","summary":"over","description":"d"}},"x-m":1},
	                   "multipart/form-data":{"schema":{"type":"object","properties":{"f":{"type":"string","contentMediaType":"image/png","contentEncoding":"base64","contentSchema":{"type":"string"}}}},"encoding":{"f":{"contentType":"image/png","explode":true,"style":"form","allowReserved":true,"headers":{"X":{"schema":{"type":"string"}}},"x-en":1}}}}},
	       "default":{"$ref":"#/components/responses/R"}}},
	   "put":{"requestBody":{"$ref":"#/components/requestBodies/B"},"responses":{}},
	   "post":{"requestBody":{"description":"b","content":{"application/json":{}}}},
	   "delete":{"responses":{"204":{"description":"x"}}},"patch":{"responses":{}},"head":{"responses":{}},"options":{"responses":{}},"trace":{"responses":{}},"query":{"responses":{}},
	   "additionalOperations":{"COPY":{"responses":{}}}},
	   "/ref":{"$ref":"#/paths/~1a~1{id}"}},
	 "components":{"schemas":{"S":{"type":["object","null"],"properties":{"a":{"const":"x"},"b":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":10.5,"multipleOf":0.5},
	       "c":{"type":"array","prefixItems":[{"type":"string"},{"type":"integer"}],"items":{"type":"string"},"contains":{"type":"string"},"minContains":1,"maxContains":3,"uniqueItems":true,"minItems":0,"maxItems":5},
	       "d":{"examples":[1,"two",null,{"x":[]}],"enum":[1,2.5,"s",null,true],"default":{"k":[1]},"const":null},"e":{"$ref":"#/components/schemas/T"},"n":null,
	       "f":{"type":"string","pattern":"^a","minLength":1,"maxLength":9,"format":"email","xml":{"name":"f","attribute":true,"wrapped":false,"prefix":"p","namespace":"n","x-x":1},"readOnly":true,"writeOnly":false,"deprecated":true,"title":"F","description":"d","externalDocs":{"url":"u"},"allowEmptyValue":true},
	       "g":{"type":"integer","exclusiveMinimum":true,"exclusiveMaximum":false,"minimum":-1,"maximum":1E+2,"example":-0.0,"default":1.0},"h":{"type":[]}},
	     "patternProperties":{"^x-":{"type":"string"}},"propertyNames":{"pattern":"^[a-z]"},"minProperties":1,"maxProperties":10,"additionalProperties":false,"unevaluatedProperties":{"type":"integer"},"unevaluatedItems":true,
	     "dependentRequired":{"a":["b"],"e":[]},"dependentSchemas":{"a":{"required":["c"]}},"if":{"required":["a"]},"then":{"required":[]},"else":{"not":{"required":["b"]}},
	     "$defs":{"D":{"type":"string"}},"$schema":"s","$comment":"c","$id":"i","$anchor":"a","$dynamicRef":"#r","$dynamicAnchor":"r","x-s":{"n":null},"unknownKeyword":{"a":1}},
	   "T":{"oneOf":[{"$ref":"#/components/schemas/S"},{"type":"null"}],"anyOf":[{"type":"string"}],"allOf":[{"type":"object"}],"discriminator":{"propertyName":"k","mapping":{"a":"#/components/schemas/S"},"x-d":1},"nullable":true,"additionalProperties":{"type":"string"},"minimum":-1,"maximum":1e3,"example":{"a":-2.5e-3,"<<":{"b":1}}},
	   "U":{"additionalProperties":{"$ref":"#/components/schemas/T"},"items":{"$ref":"#/components/schemas/S"},"unevaluatedItems":{"type":"string"},"additionalProperties ":1},
	   "V":{"discriminator":{"propertyName":"k","mapping":{}},"required":["a"],"enum":[],"examples":[]}},
	  "parameters":{"id":{"name":"id","in":"path","required":true,"schema":{"type":"string"},"example":12,"examples":{"e":{"value":1}},"style":"simple","explode":false,"allowEmptyValue":false,"allowReserved":false,"deprecated":false,"description":"d","x-p":[]},
	      "q":{"name":"q","in":"query","content":{"application/json":{"schema":{"type":"object"}}}}},
	  "headers":{"H":{"schema":{"type":"string"},"description":"h"}},
	  "requestBodies":{"B":{"description":"b","required":true,"content":{"application/json":{"schema":{"$ref":"#/components/schemas/S"}}},"x-b":1}},
	  "responses":{"R":{"description":"r","content":{"text/plain":{"schema":{"type":"string"},"example":"x","itemSchema":{"type":"string"}}}}},
	  "securitySchemes":{"bearer":{"type":"http","scheme":"bearer","bearerFormat":"JWT"},"key":{"type":"apiKey","name":"k","in":"header","description":"d","x-k":1},"oidc":{"type":"openIdConnect","openIdConnectUrl":"https://x"},
	      "oauth":{"type":"oauth2","flows":{"implicit":{"authorizationUrl":"a","scopes":{"read":"r"}},"password":{"tokenUrl":"t","scopes":{}},"clientCredentials":{"tokenUrl":"t","refreshUrl":"r","scopes":{"w":"w"},"x-f":1},"authorizationCode":{"authorizationUrl":"a","tokenUrl":"t","scopes":{}},"x-fl":1}},
	      "r":{"$ref":"#/components/securitySchemes/key"}},
	  "examples":{"E":{"summary":"e","description":"d","value":[1,2],"x-e":1},"X":{"externalValue":"https://x"}},
	  "links":{"L":{"operationRef":"#/paths/~1a~1{id}/get","description":"l"}},
	  "callbacks":{"C":{"{$url}":{"get":{"responses":{"200":{"description":"c"}}}}}},
	  "x-comp":true}}`,

	// 3.0 with the schemas not first in the components, escapes, an
	// extension in the paths and responses and a path item that is null.
	`{"openapi":"3.0.3","info":{"title":"t \u00e9\ud83d\ude00 \"q\" \\ \/","version":"1"},"components":{"responses":{"R":{"description":"r"}},"schemas":{"A":{"type":"string","nullable":true,"description":"tab\there"},"B":null}},
	 "paths":{"/a\"}{":{"summary":"} ] \\"},"/null":null,"x-a":{"k":[1,"s"]},"/b":{"get":{"responses":{"x-y":1,"200":null,"201":{"$ref":"#/components/responses/R"}}}}}}`,

	// The odd ones: each decoded from nodes, or refused, as before.
	`{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{
	   "ref-desc":{"$ref":"#/components/schemas/B","description":"d"},
	   "ref-ext":{"$ref":"#/components/schemas/B","x-e":1},
	   "ref-late":{"description":"d","$ref":"#/components/schemas/B"},
	   "ref-num":{"$ref":5,"type":"string"},
	   "ref-empty":{"$ref":"","type":"string"},
	   "ref-null":{"$ref":null},
	   "bool-items":{"items":true,"properties":{"a":false,"b":null},"allOf":[true,{"type":"string"}],"not":false},
	   "types":{"type":null,"required":["a",null],"enum":null,"example":null,"minimum":null,"minLength":null,"maxLength":null,"exclusiveMinimum":null,"additionalProperties":null,"xml":null,"items":null,"properties":null},
	   "nums":{"minLength":1.0,"maxLength":1e2,"minItems":0,"maximum":12345678901234567890,"example":12345678901234567890},
	   "negzero":{"example":-0},
	   "B":{"type":"string"}}}}`,
	`{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":true}}}`,
	`{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{},"components":{"x":1,"schemas":{"A":true,"B":null}}}`,
	`{"openapi":"3.0.3","info":null,"paths":null,"components":null,"tags":null,"servers":null,"security":null,"externalDocs":null}`,
	`{"openapi":"3.0.3","info":true,"paths":{}}`,
	`{"openapi":"3.0.3","info":{"title":5,"version":"1"},"paths":{}}`,
	`{"openapi":3.1,"info":{"title":"t","version":"1"},"paths":{}}`,
	`{"openapi":null,"info":{"title":"t","version":"1"},"paths":{}}`,
	`{"swagger":"2.0","openapi":"3.0.0","info":{"title":"t","version":"1"},"paths":{}}`,
	`{"openapi":"2.0","info":{"title":"t","version":"1"},"paths":{}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":false}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":null}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":true}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":null,"post":true}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"deprecated":"yes","responses":{}}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"tags":"a","responses":{}}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"tags":["a",null],"responses":{}}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"security":[null,{"a":null},{"b":"x"}],"responses":{}}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"security":{},"responses":{}}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"servers":{},"responses":{}}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"servers":null,"security":null,"responses":{}}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"parameters":[null,{"name":"a","in":"query","explode":"false","required":"true"}]}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"parameters":true}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"parameters":[{"$ref":"#/x","summary":null}]}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"parameters":[{"name":"a","$ref":"#/x"}]}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":null,"headers":{"X":true},"content":true}}}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":5}}}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":{"type":7}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":{"type":["string",7]}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":{"enum":"x","exclusiveMinimum":"x"}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":{"minLength":-1}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":{"minimum":"5"}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":{"maxLength":12345678901234567890}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":{"dependentRequired":{"a":["b",null],"c":null}}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":{"discriminator":{"propertyName":"k","mapping":{"a":null}}}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"securitySchemes":{"o":{"type":"oauth2","flows":{"implicit":{"authorizationUrl":"a","scopes":{"a":null,"b":1}}}}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"callbacks":{"C":{"$ref":5}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"callbacks":{"C":{"{$url}":null,"x-c":1}},"links":{"L":{"parameters":null,"server":null}},"examples":{"E":{"value":null}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"links":{"L":{"parameters":[1]}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"x-n":-0}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"x-n":1e400}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"x-n":01}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"x-n":[1,]}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"x-n":{"a":1,"a":2}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"a","description":"b"}}}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":{"$ref":"#/a","$ref":"#/b"}}}}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"x-s":"a\u0000b\x"}`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}} trailing`,
	"\ufeff" + `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}`,
	`[{"openapi":"3.0.3"}]`,
	`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"x-big":{"a":{"b":{"c":{"d":{"e":{"f":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}}}}}}}`,
}

func TestDirectDecodeMatchesNodeDecodeOnSmallDocs(t *testing.T) {
	fellBack := 0
	for i, doc := range directDocs {
		res, _ := sameDecode(t, fmt.Sprintf("doc %d", i), []byte(doc))
		sameLoad(t, fmt.Sprintf("doc %d", i), []byte(doc))
		if i == 0 && res.fallbacks != 0 {
			t.Errorf("doc 0: %d values decoded from nodes, want none", res.fallbacks)
		}
		fellBack += res.fallbacks
	}
	if fellBack < 20 {
		t.Errorf("only %d values decoded from nodes: the odd documents no longer exercise the fallback", fellBack)
	}
}

// What sameDecode checks would pass trivially if both decoders failed on
// the first document: it does not.
func TestDirectDecodeOfTheFullDocument(t *testing.T) {
	doc, res, err := decodeDirect([]byte(directDocs[0]))
	if err != nil || res.fallbacks != 0 || !res.openapiString || res.swagger {
		t.Fatalf("%v %+v", err, res)
	}
	s := doc.Components.Schemas["S"].Value
	if got := *s.Type; len(got) != 2 || got[1] != "null" {
		t.Errorf("type %v", got)
	}
	if s.Properties["b"].Value.ExclusiveMin.Value == nil || s.Properties["g"].Value.ExclusiveMin.Bool == nil {
		t.Errorf("exclusive bounds not read")
	}
	if ex := s.Properties["d"].Value.Examples; len(ex) != 4 || ex[0] != 1.0 {
		t.Errorf("examples %#v", ex)
	}
	if doc.Paths.Value("/a/{id}").Get.Responses.Value("200").Value.Headers["X-R"].Description == nil {
		t.Errorf("a reference's description was dropped")
	}
}

// Mutated real specs: keys dropped, renamed or added, values replaced by
// values of other types. Both decoders must agree on every one, and the
// mutations must reach all three outcomes (decoded directly, decoded
// partly from nodes, refused) or they test less than they seem to.
func TestDirectDecodeMatchesNodeDecodeOnMutatedSpecs(t *testing.T) {
	sources := map[string][]byte{}
	data, err := os.ReadFile("../../specs/heimdall.gen.json")
	if err != nil {
		t.Fatal(err)
	}
	sources["heimdall.gen.json"] = data
	if _, ok := testspecs.Lookup(); ok {
		// The auth versions differ little from one another: the newest
		// stands for them all.
		for _, f := range append([]string{testspecs.Newest(t)}, testspecs.Surfaces(t)...) {
			if sources[filepath.Base(f)], err = os.ReadFile(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range filepath.SplitList(os.Getenv(EnvExtraSpecs)) {
		if data, err := os.ReadFile(f); err == nil && isJSON(data) {
			sources[filepath.Base(f)] = data
		}
	}
	perSpec := 16
	if testing.Short() {
		perSpec = 3
	}
	rng := rand.New(rand.NewPCG(7, uint64(len(sources))))
	var direct, partly, refused int
	for name, data := range sources {
		root, err := jsonNodes(data)
		if err != nil {
			t.Fatal(err)
		}
		var objects []*yaml.Node
		collectObjects(root, &objects)
		for i := range perSpec {
			copies := map[*yaml.Node]*yaml.Node{}
			mutated := copyNode(root, copies)
			var changes []string
			for range 1 + rng.IntN(3) {
				changes = append(changes, mutate(rng, copies[objects[rng.IntN(len(objects))]]))
			}
			var b bytes.Buffer
			writeNode(&b, mutated)
			res, ok := sameDecode(t, fmt.Sprintf("%s #%d %v", name, i, changes), b.Bytes())
			switch {
			case !ok:
				refused++
			case res.fallbacks > 0:
				partly++
			default:
				direct++
			}
		}
	}
	t.Logf("%d decoded directly, %d partly from nodes, %d refused", direct, partly, refused)
	if direct == 0 || partly == 0 || refused == 0 {
		t.Errorf("the mutations miss an outcome: %d direct, %d partly from nodes, %d refused", direct, partly, refused)
	}
}

func collectObjects(n *yaml.Node, out *[]*yaml.Node) {
	if n.Kind == yaml.MappingNode {
		*out = append(*out, n)
	}
	for _, c := range n.Content {
		collectObjects(c, out)
	}
}

func copyNode(n *yaml.Node, copies map[*yaml.Node]*yaml.Node) *yaml.Node {
	c := *n
	c.Content = make([]*yaml.Node, len(n.Content))
	for i, e := range n.Content {
		c.Content[i] = copyNode(e, copies)
	}
	copies[n] = &c
	return &c
}

// replacements are values of every JSON type, and the ones the YAML
// resolver reads its own way.
var replacements = []string{
	`null`, `true`, `false`, `0`, `-0`, `-0.0`, `1.5`, `-3`, `1e2`, `12345678901234567890`, `"s"`, `""`, `"#/components/schemas/X"`,
	`[]`, `{}`, `["a",null]`, `[1,"a"]`, `{"$ref":"#/components/schemas/X"}`, `{"$ref":5}`, `{"type":"string"}`, `{"a":{"b":[null]}}`,
}

// addedKeys are keys a mutation adds: declared ones of several types,
// extensions and unknown keys.
var addedKeys = []string{
	"$ref", "x-added", "unknown", "type", "description", "summary", "example", "examples", "items", "properties", "required",
	"schema", "content", "responses", "parameters", "enum", "default", "nullable", "minLength", "maximum", "additionalProperties",
	"exclusiveMinimum", "discriminator", "security", "tags", "headers", "in", "name", "200", "/added", "<<",
}

// mutate changes obj once and says how.
func mutate(rng *rand.Rand, obj *yaml.Node) string {
	value := func() *yaml.Node {
		n, err := jsonNodes([]byte(replacements[rng.IntN(len(replacements))]))
		if err != nil {
			panic(err)
		}
		return n
	}
	// A new key is rarely one the object has: a duplicate is refused
	// whatever else the document holds, which tests little.
	newKey := func() string {
		for {
			k := addedKeys[rng.IntN(len(addedKeys))]
			present := false
			for i := 0; i < len(obj.Content); i += 2 {
				present = present || obj.Content[i].Value == k
			}
			if !present || rng.IntN(8) == 0 {
				return k
			}
		}
	}
	pairs := len(obj.Content) / 2
	switch op := rng.IntN(4); {
	case op == 0 && pairs > 0: // drop a key
		i := 2 * rng.IntN(pairs)
		k := obj.Content[i].Value
		obj.Content = append(obj.Content[:i], obj.Content[i+2:]...)
		return "drop " + k
	case op == 1 && pairs > 0: // retype a value
		i := 2 * rng.IntN(pairs)
		obj.Content[i+1] = value()
		return "retype " + obj.Content[i].Value
	case op == 2 && pairs > 0: // rename a key, maybe to a duplicate
		i := 2 * rng.IntN(pairs)
		k := *obj.Content[i]
		k.Value = newKey()
		obj.Content[i] = &k
		return "rename to " + k.Value
	default: // add a key
		k := newKey()
		obj.Content = append(obj.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: k}, value())
		return "add " + k
	}
}

// writeNode writes a node tree from jsonNodes back as JSON, scalars as
// written (a number keeps its text).
func writeNode(b *bytes.Buffer, n *yaml.Node) {
	switch n.Kind {
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(n.Content[i].Value)
			b.Write(k)
			b.WriteByte(':')
			writeNode(b, n.Content[i+1])
		}
		b.WriteByte('}')
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, e := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			writeNode(b, e)
		}
		b.WriteByte(']')
	default:
		if n.Tag == "!!str" {
			s, _ := json.Marshal(n.Value)
			b.Write(s)
		} else {
			b.WriteString(n.Value)
		}
	}
}

// FuzzDirectDecode holds the two decoders to the same answer on any
// input; the seeds are the small documents above.
func FuzzDirectDecode(f *testing.F) {
	for _, doc := range directDocs {
		f.Add([]byte(doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameDecode(t, "input", data)
		sameLoad(t, "input", data)
	})
}

// The direct decoder reads numbers as the YAML resolver does: the node
// decode is the reference for every shape of number text.
func TestDirectDecodeNumbers(t *testing.T) {
	for _, n := range []string{"0", "-1", "1.0", "-0.0", "1e2", "1E+2", "1e-2", "2.5e-3", "9007199254740993", "-9223372036854775808",
		"9223372036854775807", "9223372036854775808", "18446744073709551616", "1e308", "4.9e-324", "1e-400", "0.1", "123456789.123456789"} {
		for _, field := range []string{"example", "minimum", "minLength", "maxItems"} {
			doc := `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":{"` + field + `":` + n + `}}}}`
			sameDecode(t, field+" "+n, []byte(doc))
			sameLoad(t, field+" "+n, []byte(doc))
		}
	}
}

// A document refused by the node parse is refused here with the same
// error, so LoadData takes the general path for it as before.
func TestDirectDecodeRefusesWhatTheNodeParseRefuses(t *testing.T) {
	for _, doc := range []string{
		`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"paths":{"/a":{}}}`,
		`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"x-big":1e400}`,
		`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":null}}}`,
		`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"x"}}}}},"x":[1 2]}`,
	} {
		if _, _, err := decodeDirect([]byte(doc)); !errors.Is(err, errNotPlainJSON) {
			t.Errorf("%.70s: %v, want errNotPlainJSON", doc, err)
		}
	}
}
