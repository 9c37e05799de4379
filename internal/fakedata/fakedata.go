// Package fakedata makes realistic, schema-valid JSON values from OpenAPI
// schemas, so the mock can answer operations that have no stateful handler
// and the contract runner can build request bodies.
//
// Every value is a pure function of (schema, seed): each object property and
// array item gets its own seed derived from its parent's seed and its key or
// index, so adding a field to a schema does not reshuffle its siblings.
//
// What a value looks like, in order of preference: const, then an enum
// member, then the schema's own example or default when it validates, then
// a value chosen by format (uuid, date-time, email, ...) or, lacking one,
// by the property's name (email, *_id, *_at, access_token, slug, ...).
// Fields that identify a record or a moment (ids, emails, timestamps,
// tokens) skip the example, so list items differ. Objects carry every
// declared property, nullable values are non-null, oneOf/anyOf take their
// first usable branch, allOf branches are merged. Past Options.MaxDepth
// objects keep only required fields and arrays only minItems, which ends
// recursive schemas.
package fakedata

import (
	"math/rand/v2"
	"strconv"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/getkin/kin-openapi/openapi3"
)

// Options tunes a Generator. Zero fields take the package defaults.
type Options struct {
	// MaxDepth is how many object/array levels get the full shape; deeper
	// levels get only what the schema requires, which ends recursive schemas.
	MaxDepth int
	// MaxItems caps how many items an array gets beyond its minItems.
	MaxItems int
}

const (
	defaultMaxDepth = 6
	defaultMaxItems = 3

	// hardStopSlack is how many levels past MaxDepth required-only recursion
	// may still go before the generator gives up on a branch: a schema that
	// requires itself has no finite value at all.
	hardStopSlack = 8
	// maxCompositionChain bounds allOf/oneOf/anyOf hops that do not nest
	// (a schema whose allOf refers back to itself).
	maxCompositionChain = 32
	// maxCalls caps the schema visits of one Generate call. Only
	// pathological specs reach it (a oneOf whose branches are itself makes
	// every failed branch retry the next, doubling per level); the value is
	// then cut short rather than the call taking forever.
	maxCalls = 1 << 18
	// maxCount caps minItems/minLength/minProperties taken from a schema, so
	// a hostile or broken schema cannot make one call allocate gigabytes.
	maxCount = 1024
)

// Generator makes fake values. It holds no per-call state, so one Generator
// may serve any number of goroutines.
type Generator struct {
	opts Options
}

// New returns a Generator; zero option fields take the defaults (6 and 3).
func New(opts Options) *Generator {
	return &Generator{opts: opts.withDefaults()}
}

func (o Options) withDefaults() Options {
	if o.MaxDepth <= 0 {
		o.MaxDepth = defaultMaxDepth
	}
	if o.MaxItems <= 0 {
		o.MaxItems = defaultMaxItems
	}
	return o
}

var defaultGenerator = New(Options{})

// Generate returns a JSON-ready value (map[string]any, []any, string,
// float64/int64, bool, nil) for schema. The same (schema, seed) always gives
// the same value.
func Generate(schema *openapi3.SchemaRef, seed uint64) any {
	return defaultGenerator.Generate(schema, seed)
}

// Generate returns a JSON-ready value for schema; see the package Generate.
// A nil schema (or one whose reference was never resolved) gives nil. A
// nil or zero Generator works with the default options.
func (g *Generator) Generate(schema *openapi3.SchemaRef, seed uint64) any {
	if schema == nil || schema.Value == nil {
		return nil
	}
	var opts Options
	if g != nil {
		opts = g.opts
	}
	pcg := rand.NewPCG(seed, mix64(seed^0x9e3779b97f4a7c15))
	r := &run{
		opts: opts.withDefaults(),
		src:  pcg,
		f:    gofakeit.NewFaker(pcg, false),
	}
	v, _ := r.value(schema.Value, node{seed: seed})
	return v
}

// Seed derives a stable seed from a base seed and strings (operation,
// status, ...). Parts are length-prefixed, so ("ab","c") and ("a","bc")
// differ.
func Seed(base int64, parts ...string) uint64 {
	h := mix64(uint64(base) ^ fnvOffset)
	for _, p := range parts {
		h = hashString(h, p)
	}
	return mix64(h)
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func hashString(h uint64, s string) uint64 {
	h ^= uint64(len(s))
	h *= fnvPrime
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// mix64 is the SplitMix64 finaliser: it spreads FNV's weak low bits so that
// nearby inputs give unrelated PCG streams.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

func childSeed(parent uint64, key string) uint64 {
	return mix64(hashString(parent^fnvOffset, key))
}

func itemSeed(parent uint64, index int) uint64 {
	return childSeed(parent, "#"+strconv.Itoa(index))
}

// run is the state of one Generate call; it is never shared.
type run struct {
	opts  Options
	src   *rand.PCG
	f     *gofakeit.Faker
	calls int
}

// node is where in the value tree a schema is being generated.
type node struct {
	name  string // the parent object's key, the main hint for realistic values
	depth int    // object/array nesting
	chain int    // composition hops since the last nesting
	seed  uint64
	// discProp/discKey ask the object made here to carry a oneOf
	// discriminator's mapping key.
	discProp, discKey string
}

func (n node) child(name string, seed uint64) node {
	return node{name: name, depth: n.depth + 1, seed: seed}
}

func (n node) composed() node {
	n.chain++
	return n
}

func (r *run) reseed(seed uint64) {
	r.src.Seed(seed, mix64(seed^0x9e3779b97f4a7c15))
}

// value generates for s. The bool is false when no value could be made
// within the depth budget and null is not allowed either; the caller then
// omits an optional field or stops filling an array.
func (r *run) value(s *openapi3.Schema, n node) (any, bool) {
	if s == nil {
		r.reseed(n.seed)
		return r.hinted(n.name, ""), true
	}
	if s.Always != nil {
		if *s.Always {
			r.reseed(n.seed)
			return r.hinted(n.name, ""), true
		}
		return nil, false
	}
	r.calls++
	if n.chain > maxCompositionChain || n.depth > r.opts.MaxDepth+hardStopSlack || r.calls > maxCalls {
		return nil, allowsNull(s)
	}
	if len(s.AllOf) > 0 {
		return r.value(flatten(s), n.composed())
	}
	if len(s.OneOf) > 0 || len(s.AnyOf) > 0 {
		return r.choice(s, n)
	}
	r.reseed(n.seed)
	if s.Const != nil {
		return cloneJSON(s.Const), true
	}
	if v, ok := r.pickEnum(s); ok {
		return v, true
	}
	switch typ := typeOf(s, n.name); typ {
	case openapi3.TypeNull:
		return nil, true
	case openapi3.TypeObject:
		return r.object(s, n)
	case openapi3.TypeArray:
		return r.array(s, n)
	default:
		return r.leaf(s, typ, n), true
	}
}

// allowsNull reports whether null is a valid value for s: 3.0 nullable or
// a 3.1 type list with "null".
func allowsNull(s *openapi3.Schema) bool {
	return s.Nullable || (s.Type != nil && s.Type.Includes(openapi3.TypeNull))
}

// typeOf picks the JSON type to generate: the first non-null declared type,
// else one implied by the keywords present, else one the property name
// suggests.
func typeOf(s *openapi3.Schema, name string) string {
	if s.Type != nil && len(*s.Type) > 0 {
		for _, t := range *s.Type {
			if t != openapi3.TypeNull {
				return t
			}
		}
		return openapi3.TypeNull
	}
	switch {
	case len(s.Properties) > 0 || s.AdditionalProperties.Schema != nil || s.MinProps > 0 || s.Discriminator != nil:
		return openapi3.TypeObject
	case s.Items != nil || len(s.PrefixItems) > 0 || s.MinItems > 0 || s.MaxItems != nil:
		return openapi3.TypeArray
	case s.Format == "int32" || s.Format == "int64":
		return openapi3.TypeInteger
	case s.Min != nil || s.Max != nil || s.MultipleOf != nil || s.Format == "float" || s.Format == "double":
		return openapi3.TypeNumber
	case s.Pattern != "" || s.MinLength > 0 || s.MaxLength != nil || s.Format != "":
		return openapi3.TypeString
	}
	switch hintFor(name, "").kind {
	case kindCount, kindPort, kindSeconds, kindMillis, kindUnixTime, kindSmallInt, kindPercent, kindDay, kindMonth, kindYear, kindHour, kindMinute, kindAmount:
		return openapi3.TypeInteger
	case kindFlag:
		return openapi3.TypeBoolean
	case kindObject:
		return openapi3.TypeObject
	}
	return openapi3.TypeString
}

// pickEnum chooses an enum member, preferring non-null ones: a mock should
// show the value's shape rather than its absence.
func (r *run) pickEnum(s *openapi3.Schema) (any, bool) {
	if len(s.Enum) == 0 {
		return nil, false
	}
	nonNull := 0
	for _, e := range s.Enum {
		if e != nil {
			nonNull++
		}
	}
	if nonNull == 0 {
		return nil, true
	}
	pick := r.f.IntN(nonNull)
	for _, e := range s.Enum {
		if e == nil {
			continue
		}
		if pick == 0 {
			return cloneJSON(e), true
		}
		pick--
	}
	return nil, true // unreachable: pick < nonNull
}

// cloneJSON deep-copies maps and slices taken from a schema (const, enum,
// example), so callers may mutate generated values without editing the spec.
func cloneJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = cloneJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = cloneJSON(e)
		}
		return out
	case int:
		return int64(t)
	case int32:
		return int64(t)
	case float32:
		return float64(t)
	case uint64:
		return float64(t)
	default:
		return v
	}
}
