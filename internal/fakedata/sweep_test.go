package fakedata_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/heimdall-mock/heimdall-mock/internal/fakedata"
	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

// sweepSeeds is how many seeds each schema is generated with: enough to
// reach enum members, array lengths and oneOf fallbacks that one seed misses.
const sweepSeeds = 4

// bodySchema is one JSON body schema of a real spec.
type bodySchema struct {
	where  string // "POST /path 201" or "POST /path request"
	schema *openapi3.SchemaRef
}

func loadSpec(tb testing.TB, file string) *openapi3.T {
	tb.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(file)
	if err != nil {
		tb.Fatalf("%s: load: %v", filepath.Base(file), err)
	}
	// VisitJSON is only defined for validated schemas; a spec problem is
	// worth seeing but is not this package's failure.
	if err := doc.Validate(context.Background()); err != nil {
		first, _, _ := strings.Cut(err.Error(), "\n")
		tb.Logf("%s: spec does not validate: %s", filepath.Base(file), first)
	}
	return doc
}

// jsonBodies lists every JSON response and request body schema of doc, in a
// stable order.
func jsonBodies(doc *openapi3.T) []bodySchema {
	var out []bodySchema
	paths := doc.Paths.InMatchingOrder()
	sort.Strings(paths)
	for _, path := range paths {
		item := doc.Paths.Value(path)
		ops := item.Operations()
		methods := make([]string, 0, len(ops))
		for m := range ops {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		for _, method := range methods {
			op := ops[method]
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for mt, media := range op.RequestBody.Value.Content {
					if strings.Contains(mt, "json") && media.Schema != nil {
						out = append(out, bodySchema{method + " " + path + " request " + mt, media.Schema})
					}
				}
			}
			if op.Responses == nil {
				continue
			}
			statuses := make([]string, 0, op.Responses.Len())
			for status := range op.Responses.Map() {
				statuses = append(statuses, status)
			}
			sort.Strings(statuses)
			for _, status := range statuses {
				resp := op.Responses.Value(status)
				if resp == nil || resp.Value == nil {
					continue
				}
				for mt, media := range resp.Value.Content {
					if strings.Contains(mt, "json") && media.Schema != nil {
						out = append(out, bodySchema{method + " " + path + " " + status + " " + mt, media.Schema})
					}
				}
			}
		}
	}
	return out
}

// roundTrip passes v through encoding/json, as a response body would go, so
// that validation sees float64 numbers and proves v is encodable.
func roundTrip(tb testing.TB, v any) any {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("generated value does not encode: %v (%#v)", err, v)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		tb.Fatalf("generated JSON does not decode: %v", err)
	}
	return out
}

// TestSweepRealSpecs generates every JSON body of every real spec with
// several seeds and checks each against its schema with kin-openapi.
func TestSweepRealSpecs(t *testing.T) {
	strictFormats(t)
	for _, file := range testspecs.All(t) {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			doc := loadSpec(t, file)
			bodies := jsonBodies(doc)
			if len(bodies) == 0 {
				t.Fatal("no JSON bodies found: the sweep would check nothing")
			}
			requests := 0
			for _, body := range bodies {
				if strings.Contains(body.where, " request ") {
					requests++
				}
			}
			if requests == 0 || requests == len(bodies) {
				t.Fatalf("%d of %d bodies are requests: the sweep would miss one direction", requests, len(bodies))
			}
			// The default generator shows full shapes; the shallow one cuts
			// every object to its required fields right away, which must
			// stay valid too.
			generators := map[string]*fakedata.Generator{
				"default": fakedata.New(fakedata.Options{}),
				"shallow": fakedata.New(fakedata.Options{MaxDepth: 1, MaxItems: 1}),
			}
			failures := 0
			for genName, g := range generators {
				for _, body := range bodies {
					for i := range sweepSeeds {
						seed := fakedata.Seed(int64(i), name, body.where)
						v := roundTrip(t, g.Generate(body.schema, seed))
						if err := body.schema.Value.VisitJSON(v, openapi3.MultiErrors()); err != nil {
							failures++
							if failures <= 20 {
								b, _ := json.Marshal(v)
								t.Errorf("%s (%s generator) seed %d: invalid value: %v\nvalue: %s", body.where, genName, seed, err, b)
							}
						}
					}
				}
			}
			t.Logf("%d bodies (%d requests) x %d seeds x %d generators, %d invalid",
				len(bodies), requests, sweepSeeds, len(generators), failures)
		})
	}
}

// strictFormats makes the validator check the formats the generator claims
// to produce, which kin-openapi leaves unchecked by default.
func strictFormats(t *testing.T) {
	t.Helper()
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122))
	openapi3.DefineStringFormatValidator("email", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail))
	openapi3.DefineIPv4Format()
	openapi3.DefineIPv6Format()
}
