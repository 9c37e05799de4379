package specs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

// loadDefault parses the embedded contract afresh, so a test may mutate the
// result without touching what other tests see.
func loadDefault(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(Default)
	if err != nil {
		t.Fatalf("load %s: %v", DefaultName, err)
	}
	return doc
}

func loadFile(t *testing.T, path string) *openapi3.T {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatalf("load %s: %v", filepath.Base(path), err)
	}
	return doc
}

func TestDefaultLoadsAndValidates(t *testing.T) {
	doc := loadDefault(t)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("%s is not a valid OpenAPI document: %v", DefaultName, err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi = %q, want 3.0.3", doc.OpenAPI)
	}
	if got, want := doc.Info.Title, "Heimdall API (heimdall-mock default)"; got != want {
		t.Errorf("info.title = %q, want %q", got, want)
	}
	if got := doc.Info.Version; got != "1.0.0" {
		t.Errorf("info.version = %q, want 1.0.0", got)
	}
	if n := len(operationsOf(doc)); n < 150 {
		t.Errorf("only %d operations; the Heimdall API has over 150", n)
	}
}

// Every operation carries a summary and only tags the document declares, so
// generated docs group and label every route.
func TestDefaultOperationsAreLabelled(t *testing.T) {
	doc := loadDefault(t)
	declared := map[string]bool{}
	for _, tag := range doc.Tags {
		declared[tag.Name] = true
	}
	for _, op := range operationsOf(doc) {
		if strings.TrimSpace(op.op.Summary) == "" {
			t.Errorf("%s has no summary", op.key)
		}
		if len(op.op.Tags) == 0 {
			t.Errorf("%s has no tag", op.key)
		}
		for _, tag := range op.op.Tags {
			if !declared[tag] {
				t.Errorf("%s uses undeclared tag %q", op.key, tag)
			}
		}
	}
}

// --- examples ---------------------------------------------------------------

// example is one example value found in a document with the schema it must
// satisfy.
type example struct {
	where  string
	value  any
	schema *openapi3.Schema
}

// examplesOf collects every example in doc: on schemas (at any depth), on
// parameters and on media types.
func examplesOf(doc *openapi3.T) []example {
	var out []example
	seen := map[*openapi3.Schema]bool{}
	var visit func(where string, ref *openapi3.SchemaRef)
	visit = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if s.Example != nil {
			out = append(out, example{where, s.Example, s})
		}
		for _, name := range sortedKeys(s.Properties) {
			visit(where+"."+name, s.Properties[name])
		}
		visit(where+"[]", s.Items)
		visit(where+"{}", s.AdditionalProperties.Schema)
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
			for i, sub := range group {
				visit(fmt.Sprintf("%s|%d", where, i), sub)
			}
		}
	}
	media := func(where string, content openapi3.Content) {
		for _, mt := range sortedKeys(content) {
			m := content[mt]
			if m.Schema == nil || m.Schema.Value == nil {
				continue
			}
			if m.Example != nil {
				out = append(out, example{where + " " + mt, m.Example, m.Schema.Value})
			}
			for _, name := range sortedKeys(m.Examples) {
				if ex := m.Examples[name]; ex != nil && ex.Value != nil {
					out = append(out, example{where + " " + mt + " " + name, ex.Value.Value, m.Schema.Value})
				}
			}
			visit(where+" "+mt, m.Schema)
		}
	}
	for _, name := range sortedKeys(doc.Components.Schemas) {
		visit("#/components/schemas/"+name, doc.Components.Schemas[name])
	}
	for _, op := range operationsOf(doc) {
		for _, p := range op.op.Parameters {
			if p.Value == nil {
				continue
			}
			if p.Value.Example != nil && p.Value.Schema != nil {
				out = append(out, example{op.key + " param " + p.Value.Name, p.Value.Example, p.Value.Schema.Value})
			}
			visit(op.key+" param "+p.Value.Name, p.Value.Schema)
		}
		if rb := op.op.RequestBody; rb != nil && rb.Value != nil {
			media(op.key+" request", rb.Value.Content)
		}
		for status, r := range op.op.Responses.Map() {
			if r.Value != nil {
				media(op.key+" "+status, r.Value.Content)
			}
		}
	}
	return out
}

func TestDefaultExamplesMatchTheirSchemas(t *testing.T) {
	doc := loadDefault(t)
	examples := examplesOf(doc)
	// The contract ships examples for sign-in, sign-up and the token
	// responses; finding none would mean the walk is broken.
	if len(examples) < 5 {
		t.Fatalf("found %d examples, want at least 5", len(examples))
	}
	for _, ex := range examples {
		if err := ex.schema.VisitJSON(ex.value); err != nil {
			t.Errorf("example at %s does not match its schema: %v", ex.where, err)
		}
	}
}

func TestExampleCheckRejectsABadExample(t *testing.T) {
	doc := loadDefault(t)
	token := doc.Components.Schemas["ConsumerTokenResponseDto"]
	if token == nil || token.Value == nil {
		t.Fatal("ConsumerTokenResponseDto is missing")
	}
	token.Value.Example = map[string]any{"access_token": "a", "token_type": "Bearer", "expires_in": "soon"}
	for _, ex := range examplesOf(doc) {
		if ex.schema == token.Value {
			if err := ex.schema.VisitJSON(ex.value); err == nil {
				t.Fatal("an example without refresh_token and with a string expires_in passed validation")
			}
			return
		}
	}
	t.Fatal("the example walk did not find the token response example")
}

// --- shape comparison ---------------------------------------------------------

// shapeSchema is a schema reduced to what decides a payload's shape: $refs
// are resolved, single allOf wrappers flattened, prose and examples dropped.
// Ref is set only where a cycle was cut, naming the schema that recurs.
type shapeSchema struct {
	Ref                  string
	Type                 []string
	Format               string
	Nullable             bool
	Enum                 []any
	Default              any
	Pattern              string
	MinLength, MaxLength *uint64
	Minimum, Maximum     *float64
	MinItems, MaxItems   *uint64
	Required             []string
	Properties           map[string]*shapeSchema
	Items                *shapeSchema
	AllOf, OneOf, AnyOf  []*shapeSchema
	// AdditionalProperties is nil when the schema says nothing about extra
	// properties; AdditionalAllowed records an explicit true/false.
	AdditionalProperties *shapeSchema
	AdditionalAllowed    *bool
}

type shapeParam struct {
	Name     string
	In       string
	Required bool
	Schema   *shapeSchema
}

type shapeBody struct {
	Required bool
	Content  map[string]*shapeSchema
}

// shapeOperation is everything a client or server relies on in one
// operation, in a form go-cmp can compare.
type shapeOperation struct {
	OperationID string
	Security    []map[string][]string
	Parameters  []shapeParam
	RequestBody *shapeBody
	Responses   map[string]map[string]*shapeSchema
}

// normaliser turns schemas into shapeSchemas. The stack of $ref names being
// expanded is the cycle guard: a ref that is already open becomes a Ref stub.
type normaliser struct {
	open map[string]bool
}

func refName(ref string) string {
	return ref[strings.LastIndex(ref, "/")+1:]
}

func (n *normaliser) schema(ref *openapi3.SchemaRef) *shapeSchema {
	if ref == nil || ref.Value == nil {
		return nil
	}
	if ref.Ref != "" {
		name := refName(ref.Ref)
		if n.open[name] {
			return &shapeSchema{Ref: name}
		}
		n.open[name] = true
		defer delete(n.open, name)
	}
	s := ref.Value
	// A lone allOf entry is how generators attach prose (or nullable) to
	// a $ref; the shape is that of the entry.
	if len(s.AllOf) == 1 && s.Type.IsEmpty() && len(s.Properties) == 0 && len(s.OneOf) == 0 && len(s.AnyOf) == 0 {
		inner := n.schema(s.AllOf[0])
		if inner != nil && s.Nullable && !inner.Nullable {
			copied := *inner
			copied.Nullable = true
			inner = &copied
		}
		return inner
	}
	out := &shapeSchema{
		Format:    s.Format,
		Nullable:  s.Nullable,
		Default:   s.Default,
		Pattern:   s.Pattern,
		MaxLength: s.MaxLength,
		Minimum:   s.Min,
		Maximum:   s.Max,
		MaxItems:  s.MaxItems,
		Items:     n.schema(s.Items),
		AllOf:     n.list(s.AllOf),
		OneOf:     n.list(s.OneOf),
		AnyOf:     n.list(s.AnyOf),
	}
	if s.Type != nil && len(*s.Type) > 0 {
		out.Type = append([]string(nil), (*s.Type)...)
		sort.Strings(out.Type)
	}
	if len(s.Enum) > 0 {
		out.Enum = append([]any(nil), s.Enum...)
	}
	if s.MinLength > 0 {
		v := s.MinLength
		out.MinLength = &v
	}
	if s.MinItems > 0 {
		v := s.MinItems
		out.MinItems = &v
	}
	if len(s.Required) > 0 {
		out.Required = append([]string(nil), s.Required...)
		sort.Strings(out.Required)
	}
	if len(s.Properties) > 0 {
		out.Properties = make(map[string]*shapeSchema, len(s.Properties))
		for name, p := range s.Properties {
			out.Properties[name] = n.schema(p)
		}
	}
	out.AdditionalProperties = n.schema(s.AdditionalProperties.Schema)
	if has := s.AdditionalProperties.Has; has != nil {
		v := *has
		out.AdditionalAllowed = &v
	}
	return out
}

func (n *normaliser) list(refs openapi3.SchemaRefs) []*shapeSchema {
	if len(refs) == 0 {
		return nil
	}
	out := make([]*shapeSchema, len(refs))
	for i, r := range refs {
		out[i] = n.schema(r)
	}
	return out
}

func (n *normaliser) content(c openapi3.Content) map[string]*shapeSchema {
	if len(c) == 0 {
		return nil
	}
	out := make(map[string]*shapeSchema, len(c))
	for mt, m := range c {
		var s *shapeSchema
		if m != nil {
			s = n.schema(m.Schema)
		}
		out[mt] = s
	}
	return out
}

func normaliseOperation(op *openapi3.Operation) shapeOperation {
	n := &normaliser{open: map[string]bool{}}
	out := shapeOperation{OperationID: op.OperationID}
	if op.Security != nil {
		for _, req := range *op.Security {
			m := map[string][]string{}
			for name, scopes := range req {
				m[name] = append([]string{}, scopes...)
			}
			out.Security = append(out.Security, m)
		}
	}
	for _, p := range op.Parameters {
		if p.Value == nil {
			continue
		}
		out.Parameters = append(out.Parameters, shapeParam{
			Name:     p.Value.Name,
			In:       p.Value.In,
			Required: p.Value.Required,
			Schema:   n.schema(p.Value.Schema),
		})
	}
	sort.Slice(out.Parameters, func(i, j int) bool {
		a, b := out.Parameters[i], out.Parameters[j]
		if a.In != b.In {
			return a.In < b.In
		}
		return a.Name < b.Name
	})
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		out.RequestBody = &shapeBody{Required: rb.Value.Required, Content: n.content(rb.Value.Content)}
	}
	if op.Responses != nil {
		out.Responses = map[string]map[string]*shapeSchema{}
		for status, r := range op.Responses.Map() {
			var c map[string]*shapeSchema
			if r.Value != nil {
				c = n.content(r.Value.Content)
			}
			out.Responses[status] = c
		}
	}
	return out
}

type docOperation struct {
	key string // "METHOD /path"
	op  *openapi3.Operation
}

func operationsOf(doc *openapi3.T) []docOperation {
	var out []docOperation
	if doc.Paths == nil {
		return nil
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			out = append(out, docOperation{key: strings.ToUpper(method) + " " + path, op: op})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

// missingOperations lists the operations of want that got lacks.
func missingOperations(want, got *openapi3.T) []string {
	have := map[string]bool{}
	for _, op := range operationsOf(got) {
		have[op.key] = true
	}
	var missing []string
	for _, op := range operationsOf(want) {
		if !have[op.key] {
			missing = append(missing, op.key)
		}
	}
	return missing
}

// shapeDiffs compares every operation of got with the same operation of
// want and returns the cmp.Diff (-want +got) of each one that differs.
// Operations only got has are reported too: the default spec must not invent
// operations.
func shapeDiffs(want, got *openapi3.T) map[string]string {
	wantOps := map[string]*openapi3.Operation{}
	for _, op := range operationsOf(want) {
		wantOps[op.key] = op.op
	}
	diffs := map[string]string{}
	for _, op := range operationsOf(got) {
		w, ok := wantOps[op.key]
		if !ok {
			diffs[op.key] = "operation is not in the real spec"
			continue
		}
		if d := cmp.Diff(normaliseOperation(w), normaliseOperation(op.op)); d != "" {
			diffs[op.key] = d
		}
	}
	return diffs
}

func TestDefaultHasEveryOperationOfTheNewestSpec(t *testing.T) {
	newest := loadFile(t, testspecs.Newest(t))
	ours := loadDefault(t)
	for _, key := range missingOperations(newest, ours) {
		t.Errorf("%s is missing from %s", key, DefaultName)
	}
}

func TestDefaultShapesMatchTheNewestSpec(t *testing.T) {
	newest := loadFile(t, testspecs.Newest(t))
	ours := loadDefault(t)
	diffs := shapeDiffs(newest, ours)
	for _, op := range operationsOf(ours) {
		t.Run(op.key, func(t *testing.T) {
			if d, ok := diffs[op.key]; ok {
				t.Errorf("shape differs from the newest real spec (-real +default):\n%s", d)
			}
		})
	}
}

func TestDefaultSchemaNamesAndSecurityMatchTheNewestSpec(t *testing.T) {
	newest := loadFile(t, testspecs.Newest(t))
	ours := loadDefault(t)
	if d := cmp.Diff(sortedKeys(newest.Components.Schemas), sortedKeys(ours.Components.Schemas)); d != "" {
		t.Errorf("component schema names differ (-real +default):\n%s", d)
	}
	scheme := func(doc *openapi3.T) map[string][3]string {
		out := map[string][3]string{}
		for name, s := range doc.Components.SecuritySchemes {
			if s.Value != nil {
				out[name] = [3]string{s.Value.Type, s.Value.Scheme, s.Value.BearerFormat}
			}
		}
		return out
	}
	if d := cmp.Diff(scheme(newest), scheme(ours)); d != "" {
		t.Errorf("security schemes differ (-real +default):\n%s", d)
	}
}

// The real API changed between its first and its newest published version;
// comparing those two on real data must report differences.
func TestShapeComparisonSeesRealVersionChanges(t *testing.T) {
	versions := testspecs.AuthVersions(t)
	if len(versions) < 2 {
		t.Skip("need two real versions")
	}
	oldest := loadFile(t, versions[0])
	newest := loadFile(t, versions[len(versions)-1])
	if len(missingOperations(newest, oldest)) == 0 {
		t.Error("the oldest version reportedly has every operation of the newest")
	}
	if len(shapeDiffs(newest, oldest)) == 0 {
		t.Error("no shape differences between the oldest and the newest version")
	}
}

// TestShapeComparisonNoticesChanges proves the comparator is not blind: each
// case damages a fresh copy of the default spec and expects a reported diff.
func TestShapeComparisonNoticesChanges(t *testing.T) {
	cases := []struct {
		name   string
		damage func(t *testing.T, doc *openapi3.T) string // returns the operation key expected to differ
	}{
		{"property type", func(t *testing.T, doc *openapi3.T) string {
			prop := doc.Components.Schemas["ConsumerTokenResponseDto"].Value.Properties["expires_in"]
			prop.Value.Type = &openapi3.Types{openapi3.TypeString}
			return "POST /{app_slug}/v1/auth/signup"
		}},
		{"required set", func(t *testing.T, doc *openapi3.T) string {
			s := doc.Components.Schemas["ConsumerSigninDto"].Value
			s.Required = s.Required[:1]
			return "POST /{app_slug}/v1/auth/signin"
		}},
		{"dropped property", func(t *testing.T, doc *openapi3.T) string {
			delete(doc.Components.Schemas["ConsumerSignupDto"].Value.Properties, "display_name")
			return "POST /{app_slug}/v1/auth/signup"
		}},
		{"parameter required", func(t *testing.T, doc *openapi3.T) string {
			op := doc.Paths.Find("/{app_slug}/v1/auth/signin").Post
			op.Parameters[0].Value.Required = false
			return "POST /{app_slug}/v1/auth/signin"
		}},
		{"status code", func(t *testing.T, doc *openapi3.T) string {
			op := doc.Paths.Find("/{app_slug}/v1/auth/refresh").Post
			op.Responses.Set("201", op.Responses.Value("200"))
			op.Responses.Delete("200")
			return "POST /{app_slug}/v1/auth/refresh"
		}},
		{"enum value", func(t *testing.T, doc *openapi3.T) string {
			s := doc.Components.Schemas["JwkDto"].Value.Properties["use"].Value
			s.Enum = []any{"enc"}
			return "GET /{app_slug}/v1/.well-known/jwks.json"
		}},
		{"security", func(t *testing.T, doc *openapi3.T) string {
			op := doc.Paths.Find("/{app_slug}/v1/me").Get
			op.Security = nil
			return "GET /{app_slug}/v1/me"
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := loadDefault(t)
			got := loadDefault(t)
			if d := shapeDiffs(want, got); len(d) != 0 {
				t.Fatalf("an untouched copy differs from itself: %v", d)
			}
			key := tc.damage(t, got)
			if _, ok := shapeDiffs(want, got)[key]; !ok {
				t.Errorf("damaging %s went unnoticed on %s", tc.name, key)
			}
		})
	}
	t.Run("missing operation", func(t *testing.T) {
		want := loadDefault(t)
		got := loadDefault(t)
		got.Paths.Find("/{app_slug}/v1/auth/logout").Post = nil
		missing := missingOperations(want, got)
		if len(missing) != 1 || missing[0] != "POST /{app_slug}/v1/auth/logout" {
			t.Errorf("missingOperations = %v, want the logout operation only", missing)
		}
	})
}

func TestNormaliserStopsAtCycles(t *testing.T) {
	node := &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeObject}}
	ref := &openapi3.SchemaRef{Ref: "#/components/schemas/Node", Value: node}
	node.Properties = openapi3.Schemas{"children": {Value: &openapi3.Schema{
		Type:  &openapi3.Types{openapi3.TypeArray},
		Items: ref,
	}}}
	got := (&normaliser{open: map[string]bool{}}).schema(ref)
	stub := got.Properties["children"].Items
	if stub == nil || stub.Ref != "Node" || stub.Properties != nil {
		t.Fatalf("the recursive reference was not cut into a stub: %+v", stub)
	}
}

func TestNormaliserFlattensSingleAllOf(t *testing.T) {
	target := &openapi3.SchemaRef{Ref: "#/components/schemas/Hint", Value: &openapi3.Schema{
		Type:       &openapi3.Types{openapi3.TypeObject},
		Properties: openapi3.Schemas{"name": {Value: &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeString}}}},
	}}
	wrapped := &openapi3.SchemaRef{Value: &openapi3.Schema{AllOf: openapi3.SchemaRefs{target}, Description: "prose"}}
	n := &normaliser{open: map[string]bool{}}
	if d := cmp.Diff(n.schema(target), n.schema(wrapped)); d != "" {
		t.Errorf("allOf wrapper not flattened (-ref +wrapper):\n%s", d)
	}
}

// --- copied prose ---------------------------------------------------------------

// proseMinLen is the length above which a real description or summary is
// distinctive enough that finding it in our file means it was copied.
const proseMinLen = 40

// realProse collects, from a decoded real spec, every description and
// summary longer than proseMinLen and every string example longer than
// twenty characters.
func realProse(v any, out map[string]bool) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if s, ok := val.(string); ok {
				switch {
				case (k == "description" || k == "summary") && len(s) > proseMinLen:
					out[s] = true
				case k == "example" && len(s) > 20:
					out[s] = true
				}
			}
			realProse(val, out)
		}
	case []any:
		for _, val := range x {
			realProse(val, out)
		}
	}
}

// stringsOf lists every string (keys and values) in a decoded document.
func stringsOf(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			*out = append(*out, k)
			stringsOf(val, out)
		}
	case []any:
		for _, val := range x {
			stringsOf(val, out)
		}
	case string:
		*out = append(*out, x)
	}
}

// copiedProse returns the phrases of prose that occur in raw text or inside
// any of the parsed strings (YAML may fold a long string over lines).
func copiedProse(prose map[string]bool, raw string, parsed []string) []string {
	var found []string
	for p := range prose {
		if strings.Contains(raw, p) {
			found = append(found, p)
			continue
		}
		for _, s := range parsed {
			if len(s) >= len(p) && strings.Contains(s, p) {
				found = append(found, p)
				break
			}
		}
	}
	sort.Strings(found)
	return found
}

func ourStrings(t *testing.T, data []byte) []string {
	t.Helper()
	var decoded any
	if err := yaml.Unmarshal(data, &decoded); err != nil {
		t.Fatalf("parse %s: %v", DefaultName, err)
	}
	var out []string
	stringsOf(decoded, &out)
	return out
}

func TestDefaultCopiesNoProseFromRealSpecs(t *testing.T) {
	parsed := ourStrings(t, Default)
	for _, path := range testspecs.AuthVersions(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			prose := proseOfFile(t, path)
			if len(prose) == 0 {
				t.Fatal("no prose found in the real spec; the collector is broken")
			}
			for _, p := range copiedProse(prose, string(Default), parsed) {
				t.Errorf("%s contains text from the real spec: %q", DefaultName, p)
			}
		})
	}
}

func proseOfFile(t *testing.T, path string) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var decoded any
	if err := yaml.Unmarshal(data, &decoded); err != nil {
		t.Fatalf("parse %s: %v", filepath.Base(path), err)
	}
	prose := map[string]bool{}
	realProse(decoded, prose)
	return prose
}

func TestCopiedProseIsDetected(t *testing.T) {
	phrase := "A long enough sentence that only one document would ever contain."
	prose := map[string]bool{phrase: true}
	folded := []byte("info:\n  description: >-\n    A long enough sentence that only one\n    document would ever contain.\n")
	if got := copiedProse(prose, string(folded), ourStrings(t, folded)); len(got) != 1 {
		t.Errorf("a folded copy went unnoticed: %v", got)
	}
	clean := []byte("info:\n  description: Something else entirely, in other words.\n")
	if got := copiedProse(prose, string(clean), ourStrings(t, clean)); len(got) != 0 {
		t.Errorf("false positive: %v", got)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func BenchmarkLoadDefault(b *testing.B) {
	for b.Loop() {
		if _, err := openapi3.NewLoader().LoadFromData(Default); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNormaliseDefault(b *testing.B) {
	doc, err := openapi3.NewLoader().LoadFromData(Default)
	if err != nil {
		b.Fatal(err)
	}
	ops := operationsOf(doc)
	for b.Loop() {
		for _, op := range ops {
			normaliseOperation(op.op)
		}
	}
}
