package specs

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heimdall-mock/heimdall-mock/internal/docgen"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
)

// The Go form a start builds is heimdall.gen.json as it is now (which
// TestDefaultJSONIsTheYAMLOfToday ties to heimdall.yaml): run
// `go generate ./specs` after editing the YAML.
func TestDefaultDocIsTheJSONOfToday(t *testing.T) {
	decoded, err := specload.DecodeUnresolved(DefaultJSON)
	if err != nil {
		t.Fatal(err)
	}
	want, err := docgen.Source("specs", "defaultDoc", "specs/internal/gendoc", decoded)
	if err != nil {
		t.Fatal(err)
	}
	if src, err := os.ReadFile("heimdall.gen.go"); err != nil || !bytes.Equal(src, want) {
		t.Fatal("heimdall.gen.go is stale: run go generate ./specs")
	}
	// DeepEqual sees the unexported fields too, where the decoder keeps a
	// map-like object's entries.
	if built := DefaultDoc(); !reflect.DeepEqual(built, decoded) {
		a, _ := json.Marshal(built)
		b, _ := json.Marshal(decoded)
		t.Fatalf("DefaultDoc differs from decoding DefaultJSON (JSON forms equal: %v)", bytes.Equal(a, b))
	}
	if DefaultDoc() == DefaultDoc() || DefaultDoc().Paths == DefaultDoc().Paths {
		t.Error("DefaultDoc shares a document between calls; a caller may change its own")
	}
}

// Loading through Decoded gives what parsing the embedded JSON gives, the
// document's defects included.
func TestLoadingDefaultDocEqualsParsingIt(t *testing.T) {
	parsed, err := specload.LoadData(DefaultJSON, "embedded:"+DefaultName)
	if err != nil {
		t.Fatal(err)
	}
	built, err := specload.Load(t.Context(), "", specload.Options{Embedded: DefaultJSON, EmbeddedName: DefaultName, Decoded: DefaultDoc})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(built.Doc, parsed.Doc) {
		t.Error("the resolved documents differ")
	}
	if built.Source != parsed.Source || built.Version != parsed.Version || !bytes.Equal(built.Raw, parsed.Raw) {
		t.Errorf("built %q %q, parsed %q %q", built.Source, built.Version, parsed.Source, parsed.Version)
	}
	if diff := cmp.Diff(parsed.AllWarnings(), built.AllWarnings()); diff != "" {
		t.Errorf("warnings differ (-parsed +built):\n%s", diff)
	}
}

func BenchmarkDefaultDoc(b *testing.B) {
	for b.Loop() {
		DefaultDoc()
	}
}

func BenchmarkLoadDefaultDoc(b *testing.B) {
	for b.Loop() {
		if _, err := specload.Load(b.Context(), "", specload.Options{Embedded: DefaultJSON, Decoded: DefaultDoc}); err != nil {
			b.Fatal(err)
		}
	}
}
