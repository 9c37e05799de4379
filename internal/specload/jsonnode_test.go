package specload

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

// sameModel fails unless the direct JSON decode and kin-openapi's loader
// give the same document, compared as each writes it back out.
func sameModel(t *testing.T, name string, data []byte) {
	t.Helper()
	fast, err := decodeJSON(data)
	if err != nil {
		t.Errorf("%s: direct decode: %v", name, err)
		return
	}
	slow, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatalf("%s: kin-openapi: %v", name, err)
	}
	a, err := json.Marshal(fast)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(slow)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		t.Errorf("%s: the models differ at byte %d: direct %.120q, kin-openapi %.120q", name, i, a[i:], b[i:])
	}
}

func TestDirectJSONDecodeMatchesKinOpenAPI(t *testing.T) {
	for _, doc := range []string{
		small31,
		`{"openapi":"3.0.3","info":{"title":"t \u00e9\ud83d\ude00 \"q\" \\ \/","version":"1","x-n":[1,-2.5,1e3,12345678901234567890,true,false,null,{}],"x-e":[]},
		 "paths":{"/a/{id}":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer","minimum":0,"maximum":1E2,"multipleOf":0.5}}],
		 "get":{"responses":{"200":{"description":"ok","headers":{"X-Rate":{"schema":{"type":"integer","format":"int64","example":9007199254740993}}},
		 "content":{"application/json":{"schema":{"$ref":"#/components/schemas/S"},"example":{"date":"2026-05-03","n":1.0}}}}}}}},
		 "components":{"schemas":{"S":{"type":"object","additionalProperties":false,"nullable":true,"properties":{"date":{"type":"string","format":"date"},"self":{"$ref":"#/components/schemas/S"}},"default":{"date":"2026-05-03"}}}}}`,
	} {
		sameModel(t, "inline", []byte(doc))
	}
}

func TestDirectJSONDecodeMatchesKinOpenAPIOnRealSpecs(t *testing.T) {
	for _, f := range testspecs.All(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sameModel(t, filepath.Base(f), data)
	}
}

// What the direct path refuses still loads, through kin-openapi's loader,
// with its rules and its positioned messages.
func TestDirectJSONDecodeLeavesTheRestToKinOpenAPI(t *testing.T) {
	for _, doc := range []string{
		`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"paths":{"/a":{}}}`, // duplicate key
		`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"x-big":1e400}`,
		"\ufeff" + `{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}`,
	} {
		if _, err := jsonNodes([]byte(doc)); err == nil && doc[0] != 0xef {
			t.Errorf("%.60s: accepted, want it left to kin-openapi", doc)
		}
	}
	_, err := LoadData([]byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":{"responses":{"200":{"description":"ok","content":{"application/json":{"schema":{"type":7}}}}}}}}}`), "bad.json")
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("line")) {
		t.Errorf("a wrongly typed element should be named with its line: %v", err)
	}
}

func BenchmarkDirectJSONDecodeNewest(b *testing.B) {
	data, err := os.ReadFile(testspecs.Newest(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeJSON(data); err != nil {
			b.Fatal(err)
		}
	}
}

// decodeJSON is the direct path's document decode on its own.
func decodeJSON(data []byte) (*openapi3.T, error) {
	doc, _, err := decodeDirect(data)
	if err != nil {
		return nil, err
	}
	return resolve(doc)
}

// BenchmarkNodeDecodeNewest is the decode the direct one replaced.
func BenchmarkNodeDecodeNewest(b *testing.B) {
	data, err := os.ReadFile(testspecs.Newest(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		doc, err := decodeViaNodes(data)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := resolve(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// Decoding the paths and the component schemas item by item, from the
// text, gives exactly what decoding them from the whole tree gives:
// DeepEqual sees the unexported fields kin-openapi keeps a map-like
// object's entries in.
func TestItemByItemEqualsTheWholeTree(t *testing.T) {
	docs := map[string][]byte{
		"extensions": []byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"x-a":{"k":[1,"s"]},"/a":{"get":{"responses":{"200":{"description":"ok"}}}},"x-b":null,"/b/{id}":{"x-c":true,"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"string"}}]}},"components":{}}`),
		"schemas":    []byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"x-c":1,"schemas":{"x-s":{"type":"string","example":3},"A":{"$ref":"#/components/schemas/B","description":"d"},"B":{"type":"object","properties":{"a":{"$ref":"#/components/schemas/A"}},"additionalProperties":{"type":"integer"}}},"responses":{"R":{"description":"r"}}}}`),
		"empty":      []byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{ },"components":{"schemas":{}}}`),
		"escapes":    []byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a\"}{":{"summary":"} ] \\"}},"components":{}}`),
	}
	for _, f := range testspecs.All(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(f)] = data
	}
	for name, data := range docs {
		root, left, err := jsonDocNodes(data)
		if err != nil || left.paths == nil {
			t.Fatalf("%s: %v, paths %v", name, err, left.paths)
		}
		lazy, err := decodeSplit(root, left)
		if err != nil {
			t.Fatalf("%s: item by item: %v", name, err)
		}
		whole, err := jsonNodes(data)
		if err != nil {
			t.Fatal(err)
		}
		eager, err := decodeSplit(whole, nil)
		if err != nil {
			t.Fatalf("%s: whole tree: %v", name, err)
		}
		if !reflect.DeepEqual(lazy, eager) {
			a, _ := json.Marshal(lazy)
			b, _ := json.Marshal(eager)
			t.Errorf("%s: the documents differ (JSON forms equal: %v)", name, bytes.Equal(a, b))
		}
	}
}

// What the item-by-item parse cannot take as it is goes to the
// general path, as it did when the whole tree was parsed at once.
func TestItemByItemRefusals(t *testing.T) {
	for _, doc := range []string{
		`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{},"/a":{}},"components":{}}`,
		`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"x-a":1,"x-a":2},"components":{}}`,
		`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{"get":}},"components":{}}`,
		`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/a":{}}`,
		`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":{},"A":{}}}}`,
		`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":{"A":null}}}`,
	} {
		root, paths, err := jsonDocNodes([]byte(doc))
		if err != nil {
			continue
		}
		if _, err := decodeSplit(root, paths); !errors.Is(err, errNotPlainJSON) {
			t.Errorf("%.70s: %v, want errNotPlainJSON", doc, err)
		}
	}
}
