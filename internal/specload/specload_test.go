package specload

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

const smallYAML = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /v1/things/{id}:
    get:
      operationId: getThing
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  n: {type: integer, example: "not a number"}
              examples:
                good: {value: {n: 1}}
                bad: {value: {n: true}}
`

const small31 = `{"openapi":"3.1.0","info":{"title":"t","version":"1"},"paths":{"/x":{"get":{"responses":{"200":{"description":"ok",
"content":{"application/json":{"schema":{"type":["string","null"]}}}}}}}}}`

func TestLoadEmbeddedYAMLAndExampleWarnings(t *testing.T) {
	s, err := Load(t.Context(), "", Options{Embedded: []byte(smallYAML), EmbeddedName: "small.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Source != "embedded:small.yaml" || s.Version != "3.0.3" {
		t.Errorf("source %q version %q", s.Source, s.Version)
	}
	if s.Doc.Paths.Value("/v1/things/{id}") == nil {
		t.Fatal("path missing")
	}
	want := map[string]bool{
		"/paths/~1v1~1things~1{id}/get/responses/200/content/application~1json/schema/properties/n/example": false,
		"/paths/~1v1~1things~1{id}/get/responses/200/content/application~1json/examples/bad/value":          false,
	}
	for _, w := range s.AllWarnings() {
		if _, ok := want[w.Pointer]; ok {
			want[w.Pointer] = true
		}
		if strings.Contains(w.Pointer, "examples/good") {
			t.Errorf("valid example flagged: %s", w)
		}
	}
	for p, found := range want {
		if !found {
			t.Errorf("no warning at %s; got %v", p, s.AllWarnings())
		}
	}
}

func TestLoadOpenAPI31TypeArrays(t *testing.T) {
	s, err := LoadData([]byte(small31), "small31.json")
	if err != nil {
		t.Fatal(err)
	}
	if !s.Doc.IsOpenAPI31OrLater() || s.Version != "3.1.0" {
		t.Fatalf("version %q", s.Version)
	}
	schema := s.Doc.Paths.Value("/x").Get.Responses.Status(200).Value.Content["application/json"].Schema.Value
	if !schema.Type.Includes("null") || !schema.Type.Includes("string") {
		t.Errorf("type array lost: %v", schema.Type)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name, data, want string
	}{
		{"swagger.json", `{"swagger":"2.0","info":{}}`, "swagger 2.0 is not supported"},
		{"swagger.yaml", "swagger: '2.0'\n", "swagger 2.0 is not supported"},
		{"plain.json", `{"hello":"world"}`, "not an OpenAPI document: no openapi field"},
		{"old.json", `{"openapi":"2.5.0"}`, "OpenAPI 2.5.0 is not supported"},
		{"numeric.yaml", "openapi: 3.0\n", "must be a string"},
		{"broken.json", "{\n  \"openapi\": \"3.0.0\",\n  \"info\": {,\n}", "broken.json: invalid JSON at line 3:12"},
		{"cut.json", "{\n \"openapi\": \"3.0.0\"", "cut.json: invalid JSON at line 2:"},
		{"broken.yaml", "openapi: 3.0.0\ninfo:\n  title: [unclosed\n", "broken.yaml: invalid YAML: yaml: line"},
		{"empty.json", "  \n", "empty spec"},
		{"array.json", `[1,2]`, "must be an object, not an array"},
		{"typed.json", "{\"openapi\":\"3.0.0\",\"info\":{\"title\":\"x\",\"version\":\"1\"},\n\"paths\":{\"/a\":{\"get\":{\"responses\":{\"200\":{\"description\":\"d\",\"content\":{\"application/json\":{\"schema\":{\"type\":5}}}}}}}}}",
			"line 2: cannot unmarshal !!int into string field \"type\" in /paths/~1a/get/responses/200/content/application~1json/schema"},
	}
	for _, c := range cases {
		_, err := LoadData([]byte(c.data), c.name)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want it to contain %q", c.name, err, c.want)
		}
	}
	if _, err := Load(t.Context(), filepath.Join(t.TempDir(), "nope.json"), Options{}); err == nil {
		t.Error("missing file loaded")
	}
	if _, err := Load(t.Context(), "", Options{}); err == nil {
		t.Error("no embedded spec did not fail")
	}
}

func TestLoadFileAndURL(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "spec.yml")
	if err := os.WriteFile(path, []byte(smallYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(t.Context(), path, Options{})
	if err != nil || s.Source != path {
		t.Fatalf("file: %v, source %q", err, s.Source)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(small31))
	}))
	defer srv.Close()
	s, err = Load(t.Context(), srv.URL+"/spec", Options{})
	if err != nil || s.Source != srv.URL+"/spec" {
		t.Fatalf("url: %v", err)
	}
	if _, err := Load(t.Context(), srv.URL+"/missing", Options{}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("404 URL: %v", err)
	}
}

func TestLoadLiveFallsBackToCacheThenEmbedded(t *testing.T) {
	var failing atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		_, _ = w.Write([]byte(small31))
	}))
	defer srv.Close()
	opts := Options{LiveURL: srv.URL, CacheDir: t.TempDir(), Embedded: []byte(smallYAML), EmbeddedName: "small.yaml"}

	s, err := Load(t.Context(), "live", opts)
	if err != nil || !strings.HasPrefix(s.Source, "live ") || s.Version != "3.1.0" {
		t.Fatalf("live: %v %+v", err, s)
	}
	if _, err := os.Stat(filepath.Join(opts.CacheDir, cacheFile)); err != nil {
		t.Fatalf("live spec not cached: %v", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(opts.CacheDir, "*.tmp"))
	if len(leftovers) != 0 {
		t.Errorf("temp files left: %v", leftovers)
	}

	failing.Store(true)
	s, err = Load(t.Context(), "live", opts)
	if err != nil || !strings.HasPrefix(s.Source, "live (cached ") || s.Version != "3.1.0" {
		t.Fatalf("cache fallback: %v %+v", err, s)
	}
	if len(s.AllWarnings()) == 0 || !strings.Contains(s.AllWarnings()[0].Message, "live spec unavailable") {
		t.Errorf("fallback not explained: %v", s.AllWarnings())
	}

	opts.CacheDir = t.TempDir()
	s, err = Load(t.Context(), "live", opts)
	if err != nil || !strings.HasPrefix(s.Source, "embedded:small.yaml") {
		t.Fatalf("embedded fallback: %v %+v", err, s)
	}
	opts.Embedded = nil
	if _, err := Load(t.Context(), "live", opts); err == nil {
		t.Error("live with nothing to fall back to did not fail")
	}
}

func TestRealSpecsLoadWithTheirDefectsListed(t *testing.T) {
	for _, f := range testspecs.All(t) {
		s, err := Load(t.Context(), f, Options{})
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if s.Doc.Paths.Len() == 0 {
			t.Errorf("%s: no paths", filepath.Base(f))
		}
		t.Logf("%s: %d paths, %d warnings", filepath.Base(f), s.Doc.Paths.Len(), len(s.AllWarnings()))
	}
	// One sibling API documents an example that breaks its own schema; the
	// spec must still load, with the defect pointed at.
	found := false
	for _, f := range testspecs.Surfaces(t) {
		s, err := Load(t.Context(), f, Options{})
		if err != nil {
			continue
		}
		for _, w := range s.AllWarnings() {
			if strings.HasSuffix(w.Pointer, "/example") && strings.HasPrefix(w.Pointer, "/components/schemas/") {
				found = true
				t.Logf("%s: %s", filepath.Base(f), w)
			}
		}
	}
	if !found {
		t.Error("no surface spec reported an example violating its schema")
	}
	// The oldest Heimdall spec forgets to declare some path parameters.
	s, err := Load(t.Context(), testspecs.AuthVersions(t)[0], Options{})
	if err != nil {
		t.Fatal(err)
	}
	pointed := false
	for _, w := range s.AllWarnings() {
		if strings.HasPrefix(w.Pointer, "/paths/") && strings.Contains(w.Message, "path parameters") {
			pointed = true
		}
	}
	if !pointed {
		t.Errorf("undeclared path parameters not reported with a pointer: %v", s.AllWarnings())
	}
}

func BenchmarkLoadNewest(b *testing.B) {
	data, err := os.ReadFile(testspecs.Newest(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := LoadData(data, "newest"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKinLoaderNewest is the reference LoadData is measured against:
// kin-openapi's own loader, without any defect checks.
func BenchmarkKinLoaderNewest(b *testing.B) {
	data, err := os.ReadFile(testspecs.Newest(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := openapi3.NewLoader().LoadFromData(data); err != nil {
			b.Fatal(err)
		}
	}
}

// A cached copy that no longer parses (a disk filled mid-write by an
// older version, a hand edit) is skipped, and the warnings say so: the
// user otherwise wonders why the cache was not used.
func TestLoadLiveSaysWhenTheCacheIsUnusable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer srv.Close()
	opts := Options{LiveURL: srv.URL, CacheDir: t.TempDir(), Embedded: []byte(smallYAML), EmbeddedName: "small.yaml"}
	if err := os.WriteFile(filepath.Join(opts.CacheDir, cacheFile), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := Load(t.Context(), "live", opts)
	if err != nil || !strings.HasPrefix(s.Source, "embedded:small.yaml") {
		t.Fatalf("embedded fallback: %v %+v", err, s)
	}
	var all []string
	for _, w := range s.AllWarnings() {
		all = append(all, w.String())
	}
	joined := strings.Join(all, "\n")
	if !strings.Contains(joined, "live spec unavailable") || !strings.Contains(joined, "cached copy "+filepath.Join(opts.CacheDir, cacheFile)+" is unusable") {
		t.Errorf("warnings do not explain both fallbacks:\n%s", joined)
	}
}
