package specs

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/heimdall-mock/heimdall-mock/internal/specload"
)

// The JSON form a start loads is heimdall.yaml as it is now: run
// `go generate ./specs` after editing the YAML.
func TestDefaultJSONIsTheYAMLOfToday(t *testing.T) {
	want, err := specload.YAMLToJSON(Default)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(DefaultJSON, want) {
		t.Fatal("heimdall.gen.json is stale: run go generate ./specs")
	}
	fromJSON, err := specload.LoadData(DefaultJSON, "json")
	if err != nil {
		t.Fatal(err)
	}
	fromYAML, err := specload.LoadData(Default, "yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(fromJSON.Doc)
	b, _ := json.Marshal(fromYAML.Doc)
	if !bytes.Equal(a, b) {
		t.Error("the JSON form decodes to another document than the YAML")
	}
	if diff := cmp.Diff(fromYAML.AllWarnings(), fromJSON.AllWarnings()); diff != "" {
		t.Errorf("warnings differ (-yaml +json):\n%s", diff)
	}
}

func BenchmarkLoadDefaultJSON(b *testing.B) {
	for b.Loop() {
		if _, err := specload.LoadData(DefaultJSON, DefaultName); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadDefaultYAML(b *testing.B) {
	for b.Loop() {
		if _, err := specload.LoadData(Default, DefaultName); err != nil {
			b.Fatal(err)
		}
	}
}
