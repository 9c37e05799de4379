package fakedata_test

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/heimdall-mock/heimdall-mock/internal/fakedata"
)

// fuzzCorpus seeds FuzzGenerate with schemas that exercise each feature.
var fuzzCorpus = []string{
	`{"type":"string","format":"email"}`,
	`{"type":"string","minLength":3,"maxLength":5}`,
	`{"type":"string","pattern":"^[a-z]{2,4}-[0-9]+$"}`,
	`{"type":"integer","minimum":-5,"maximum":5,"multipleOf":2}`,
	`{"type":"number","minimum":0,"exclusiveMinimum":true,"maximum":1}`,
	`{"type":"string","enum":["a","b",null],"nullable":true}`,
	`{"type":"array","minItems":1,"maxItems":3,"uniqueItems":true,"items":{"type":"string"}}`,
	`{"type":"object","required":["id","created_at"],"properties":{"id":{"type":"string","format":"uuid"},"created_at":{"type":"string"},"tags":{"type":"array","items":{"type":"string"}}}}`,
	`{"type":"object","additionalProperties":{"type":"integer"},"minProperties":2}`,
	`{"type":"object","maxProperties":1,"properties":{"a":{"type":"string"},"b":{"type":"boolean"}}}`,
	`{"allOf":[{"type":"object","properties":{"a":{"type":"string"}}},{"type":"object","required":["b"],"properties":{"b":{"type":"integer"}}}]}`,
	`{"oneOf":[{"type":"string","enum":["x"]},{"type":"string"}]}`,
	`{}`,
}

func FuzzGenerate(f *testing.F) {
	for i, js := range fuzzCorpus {
		f.Add(uint64(i), []byte(js))
	}
	f.Fuzz(func(t *testing.T, seed uint64, schemaJSON []byte) {
		var s openapi3.Schema
		if err := json.Unmarshal(schemaJSON, &s); err != nil {
			return
		}
		// VisitJSON is only defined for schemas that pass Validate.
		if err := s.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
			return
		}
		ref := &openapi3.SchemaRef{Value: &s}
		v := fakedata.Generate(ref, seed)
		if again := fakedata.Generate(ref, seed); !cmp.Equal(v, again) {
			t.Fatalf("same seed, different values: %#v vs %#v", v, again)
		}
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("value does not encode: %v (%#v)", err, v)
		}
		if !satisfiable(&s, 0) {
			return // no valid value may exist; only panics and determinism are checked
		}
		var decoded any
		if err := json.Unmarshal(b, &decoded); err != nil {
			t.Fatal(err)
		}
		if err := s.VisitJSON(decoded, openapi3.MultiErrors()); err != nil {
			t.Fatalf("invalid value for %s: %v\nvalue: %s", schemaJSON, err, b)
		}
	})
}

// satisfiable is a conservative check that s has a valid value the
// generator is expected to find: it answers false for anything it cannot
// vouch for (contradictory bounds, patterns, negation, tight numeric
// ranges), so the fuzz target asserts validity only where it must hold.
func satisfiable(s *openapi3.Schema, depth int) bool {
	if s == nil {
		return true
	}
	if depth > 6 || s.Not != nil || s.Pattern != "" || s.Discriminator != nil || s.Always != nil ||
		len(s.OneOf)+len(s.AnyOf)+len(s.PrefixItems)+len(s.PatternProperties)+len(s.DependentSchemas)+len(s.DependentRequired) > 0 ||
		s.If != nil || s.Contains != nil || s.PropertyNames != nil ||
		s.UnevaluatedItems.Has != nil || s.UnevaluatedItems.Schema != nil ||
		s.UnevaluatedProperties.Has != nil || s.UnevaluatedProperties.Schema != nil {
		return false
	}
	for _, e := range s.Enum {
		if s.VisitJSON(e) != nil {
			return false
		}
	}
	if s.Const != nil && s.VisitJSON(s.Const) != nil {
		return false
	}
	for _, branch := range s.AllOf {
		// Merged bounds may contradict each other; only plain property
		// bags are vouched for.
		if branch == nil || branch.Value == nil || !satisfiable(branch.Value, depth+1) ||
			branch.Value.Min != nil || branch.Value.Max != nil || branch.Value.MaxLength != nil ||
			branch.Value.MaxItems != nil || branch.Value.MaxProps != nil || len(branch.Value.Enum) > 0 ||
			branch.Value.Format != "" || branch.Value.Type != nil && !branch.Value.Type.Is(openapi3.TypeObject) {
			return false
		}
	}
	branchKeys := map[string]bool{}
	for k := range s.Properties {
		branchKeys[k] = true
	}
	for _, branch := range s.AllOf {
		for k := range branch.Value.Properties {
			if branchKeys[k] {
				return false // two schemas for one key may contradict
			}
			branchKeys[k] = true
		}
	}
	if len(s.AllOf) > 0 && (s.Type != nil && !s.Type.Is(openapi3.TypeObject) || len(s.Enum) > 0) {
		return false
	}
	// strings
	if s.MaxLength != nil && (s.MinLength > *s.MaxLength || s.Format != "") {
		return false
	}
	if s.MinLength > 256 || s.Format != "" && s.MinLength > 0 {
		return false
	}
	// numbers
	if s.Min != nil || s.Max != nil || s.MultipleOf != nil || s.ExclusiveMin.IsSet() || s.ExclusiveMax.IsSet() {
		if s.ExclusiveMin.Value != nil || s.ExclusiveMax.Value != nil || s.Format == "int32" {
			return false
		}
		lo, hi := -1e9, 1e9
		if s.Min != nil {
			lo = *s.Min
		}
		if s.Max != nil {
			hi = *s.Max
		}
		if math.Abs(lo) > 1e9 || math.Abs(hi) > 1e9 || hi-lo < 2 {
			return false
		}
		if m := s.MultipleOf; m != nil && (*m < 1 || *m != math.Trunc(*m) || *m > (hi-lo)/2) {
			return false
		}
	}
	// arrays
	if s.MaxItems != nil && s.MinItems > *s.MaxItems || s.MinItems > 64 {
		return false
	}
	if s.UniqueItems && s.MinItems > 1 {
		items := s.Items
		if items == nil || items.Value == nil || len(items.Value.Enum) > 0 || items.Value.Const != nil ||
			items.Value.Type == nil || !items.Value.Type.Is(openapi3.TypeString) || items.Value.MaxLength != nil {
			return false
		}
	}
	if s.Items != nil && !satisfiable(s.Items.Value, depth+1) {
		return false
	}
	// objects
	if s.MaxProps != nil && (s.MinProps > *s.MaxProps || uint64(len(s.Required)) > *s.MaxProps) || s.MinProps > 64 {
		return false
	}
	if s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has {
		if s.MinProps > uint64(len(s.Properties)) {
			return false
		}
		for _, k := range s.Required {
			if _, ok := s.Properties[k]; !ok {
				return false
			}
		}
	}
	for _, p := range s.Properties {
		if p == nil || !satisfiable(p.Value, depth+1) {
			return false
		}
	}
	if a := s.AdditionalProperties.Schema; a != nil && !satisfiable(a.Value, depth+1) {
		return false
	}
	return true
}
