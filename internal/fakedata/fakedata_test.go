package fakedata_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/heimdall-mock/heimdall-mock/internal/fakedata"
)

// components loads a small document whose components/schemas are the given
// JSON object, so tests can use $ref (and recursion) as real specs do.
func components(tb testing.TB, version, schemas string) map[string]*openapi3.SchemaRef {
	tb.Helper()
	doc := fmt.Sprintf(`{"openapi":%q,"info":{"title":"t","version":"1"},"paths":{},"components":{"schemas":%s}}`, version, schemas)
	loaded, err := openapi3.NewLoader().LoadFromData([]byte(doc))
	if err != nil {
		tb.Fatalf("load test schemas: %v", err)
	}
	// Examples are not checked: tests give bad ones on purpose, to see that
	// the generator does not use them.
	if err := loaded.Validate(context.Background(), openapi3.DisableExamplesValidation()); err != nil {
		tb.Fatalf("test schemas are invalid: %v", err)
	}
	return loaded.Components.Schemas
}

// schema30 loads one OpenAPI 3.0 schema, named S.
func schema30(tb testing.TB, js string) *openapi3.SchemaRef {
	tb.Helper()
	return components(tb, "3.0.3", `{"S":`+js+`}`)["S"]
}

// mustValidate checks that v, after a JSON round trip, satisfies s, and
// returns the round-tripped value.
func mustValidate(tb testing.TB, s *openapi3.SchemaRef, v any, opts ...openapi3.SchemaValidationOption) any {
	tb.Helper()
	rt := roundTrip(tb, v)
	if err := s.Value.VisitJSON(rt, append(opts, openapi3.MultiErrors())...); err != nil {
		b, _ := json.Marshal(v)
		tb.Fatalf("generated value is invalid: %v\nvalue: %s", err, b)
	}
	return rt
}

// eachSeed generates s with n seeds, validates each value, and hands the
// round-tripped value to check.
func eachSeed(tb testing.TB, s *openapi3.SchemaRef, n int, check func(v any)) {
	tb.Helper()
	for i := range n {
		v := mustValidate(tb, s, fakedata.Generate(s, fakedata.Seed(int64(i), tb.Name())))
		if check != nil {
			check(v)
		}
	}
}

var (
	uuidRE   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	emailRE  = regexp.MustCompile(`^[a-z0-9._-]+@[a-z0-9.-]+\.[a-z]+$`)
	slugRE   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	digits6  = regexp.MustCompile(`^[0-9]{6}$`)
	localeRE = regexp.MustCompile(`^[a-z]{2}-[A-Z]{2}$`)
	opaqueRE = regexp.MustCompile(`^[A-Za-z0-9_-]{32,}$`)
	phoneRE  = regexp.MustCompile(`^\+[0-9]{11}$`)
)

func isRFC3339(s string) error {
	_, err := time.Parse(time.RFC3339Nano, s)
	return err
}

func isHTTPSURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("not an absolute https URL: %q", s)
	}
	return nil
}

func matches(re *regexp.Regexp) func(string) error {
	return func(s string) error {
		if !re.MatchString(s) {
			return fmt.Errorf("%q does not match %s", s, re)
		}
		return nil
	}
}

func TestFormats(t *testing.T) {
	checks := map[string]func(string) error{
		"email":     matches(emailRE),
		"uuid":      matches(uuidRE),
		"date-time": isRFC3339,
		"date": func(s string) error {
			_, err := time.Parse(time.DateOnly, s)
			return err
		},
		"time": func(s string) error {
			_, err := time.Parse("15:04:05Z07:00", s)
			return err
		},
		"uri":      isHTTPSURL,
		"url":      isHTTPSURL,
		"hostname": matches(regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+$`)),
		"ipv4": func(s string) error {
			if ip := net.ParseIP(s); ip == nil || ip.To4() == nil {
				return fmt.Errorf("%q is not IPv4", s)
			}
			return nil
		},
		"ipv6": func(s string) error {
			if ip := net.ParseIP(s); ip == nil || ip.To4() != nil {
				return fmt.Errorf("%q is not IPv6", s)
			}
			return nil
		},
		"byte": func(s string) error {
			b, err := base64.StdEncoding.DecodeString(s)
			if err == nil && len(b) == 0 {
				err = fmt.Errorf("empty base64")
			}
			return err
		},
		"binary": func(s string) error {
			if s == "" {
				return fmt.Errorf("empty binary")
			}
			return nil
		},
		"password": func(s string) error {
			if len(s) < 12 || !strings.ContainsAny(s, "0123456789") || strings.ToLower(s) == s || strings.ToUpper(s) == s {
				return fmt.Errorf("weak password %q", s)
			}
			return nil
		},
	}
	for format, check := range checks {
		t.Run(format, func(t *testing.T) {
			s := schema30(t, `{"type":"string","format":"`+format+`"}`)
			eachSeed(t, s, 20, func(v any) {
				str, ok := v.(string)
				if !ok {
					t.Fatalf("got %T, want string", v)
				}
				if err := check(str); err != nil {
					t.Error(err)
				}
			})
		})
	}
}

func TestNumberFormats(t *testing.T) {
	int32s := schema30(t, `{"type":"integer","format":"int32"}`)
	int64s := schema30(t, `{"type":"integer","format":"int64","minimum":5000000000}`)
	doubles := schema30(t, `{"type":"number","format":"double","minimum":0,"maximum":1}`)
	fractions := 0
	for i := range 50 {
		seed := uint64(i + 1)
		if v, ok := fakedata.Generate(int32s, seed).(int64); !ok || v < math.MinInt32 || v > math.MaxInt32 {
			t.Errorf("int32: got %#v", fakedata.Generate(int32s, seed))
		}
		if v, ok := fakedata.Generate(int64s, seed).(int64); !ok || v < 5000000000 {
			t.Errorf("int64: got %#v", fakedata.Generate(int64s, seed))
		}
		v, ok := fakedata.Generate(doubles, seed).(float64)
		if !ok || v < 0 || v > 1 {
			t.Errorf("double: got %#v", fakedata.Generate(doubles, seed))
		}
		if v != math.Trunc(v) {
			fractions++
		}
	}
	if fractions == 0 {
		t.Error("a double in [0,1] never had a fraction")
	}
}

func TestPropertyNames(t *testing.T) {
	jwtShape := func(s string) error {
		parts := strings.Split(s, ".")
		if len(parts) != 3 {
			return fmt.Errorf("%q has %d parts, want 3", s, len(parts))
		}
		for _, p := range parts[:2] {
			raw, err := base64.RawURLEncoding.DecodeString(p)
			if err != nil || !json.Valid(raw) {
				return fmt.Errorf("JWT part %q is not base64url JSON", p)
			}
		}
		return nil
	}
	future := func(s string) error {
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return err
		}
		created, _ := time.Parse(time.RFC3339, "2026-01-01T00:00:00Z")
		if !ts.After(created) {
			return fmt.Errorf("expiry %s is not after the fixed now", s)
		}
		return nil
	}
	sentence := func(s string) error {
		if !strings.Contains(s, " ") {
			return fmt.Errorf("%q is not a sentence", s)
		}
		return nil
	}
	checks := map[string]func(string) error{
		"email":         matches(emailRE),
		"contact_email": matches(emailRE),
		"username":      matches(regexp.MustCompile(`^[a-z]+[0-9]*$`)),
		"display_name":  matches(regexp.MustCompile(`^\S+ \S+`)),
		"first_name":    matches(regexp.MustCompile(`^\S+`)),
		"phone":         matches(phoneRE),
		"slug":          matches(slugRE),
		"tenant_slug":   matches(slugRE),
		"url":           isHTTPSURL,
		"avatar_url":    isHTTPSURL,
		"jwks_uri":      isHTTPSURL,
		"id":            matches(uuidRE),
		"user_id":       matches(uuidRE),
		"created_at":    isRFC3339,
		"updatedAt":     isRFC3339,
		"expires_at":    future,
		"access_token":  jwtShape,
		"refresh_token": matches(opaqueRE),
		"token":         matches(opaqueRE),
		"code":          matches(digits6),
		"country":       matches(regexp.MustCompile(`^[A-Z]{2}$`)),
		"locale":        matches(localeRE),
		"ip":            matches(regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`)),
		"user_agent":    matches(regexp.MustCompile(`/`)),
		"created_by":    matches(uuidRE),
		"event_type":    matches(regexp.MustCompile(`^[a-z-]+\.(created|updated|deleted)$`)),
		"from_address":  matches(emailRE),
		"body_html":     matches(regexp.MustCompile(`^<p>.+</p>$`)),
		"permission":    matches(regexp.MustCompile(`^[a-z0-9-]+s:[a-z]+$`)),
		"token_type":    matches(regexp.MustCompile(`^Bearer$`)),
		"content_type":  matches(regexp.MustCompile(`^[a-z]+/[a-z]+$`)),
		"description":   sentence,
		"message":       sentence,
		"title":         sentence,
	}
	props := make([]string, 0, len(checks))
	for name := range checks {
		props = append(props, fmt.Sprintf("%q:{\"type\":\"string\"}", name))
	}
	s := schema30(t, `{"type":"object","properties":{`+strings.Join(props, ",")+`}}`)
	eachSeed(t, s, 10, func(v any) {
		obj := v.(map[string]any)
		for name, check := range checks {
			str, ok := obj[name].(string)
			if !ok {
				t.Errorf("%s: got %#v, want a string", name, obj[name])
				continue
			}
			if err := check(str); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

func TestTimestampsAreOrderedByMeaning(t *testing.T) {
	s := schema30(t, `{"type":"object","properties":{
		"created_at":{"type":"string","format":"date-time"},
		"updated_at":{"type":"string","format":"date-time"},
		"expires_at":{"type":"string","format":"date-time"}}}`)
	eachSeed(t, s, 30, func(v any) {
		obj := v.(map[string]any)
		at := func(k string) time.Time {
			ts, err := time.Parse(time.RFC3339Nano, obj[k].(string))
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			return ts
		}
		if !at("created_at").Before(at("updated_at")) || !at("updated_at").Before(at("expires_at")) {
			t.Errorf("want created_at < updated_at < expires_at, got %v", obj)
		}
	})
}

func TestTypelessPropertiesFollowTheirNames(t *testing.T) {
	s := schema30(t, `{"type":"object","properties":{"login_count":{},"is_active":{},"metadata":{},"email":{}}}`)
	eachSeed(t, s, 5, func(v any) {
		obj := v.(map[string]any)
		if _, ok := obj["login_count"].(float64); !ok {
			t.Errorf("login_count: got %T, want a number", obj["login_count"])
		}
		if _, ok := obj["is_active"].(bool); !ok {
			t.Errorf("is_active: got %T, want a bool", obj["is_active"])
		}
		if _, ok := obj["metadata"].(map[string]any); !ok {
			t.Errorf("metadata: got %T, want an object", obj["metadata"])
		}
		if e, _ := obj["email"].(string); !emailRE.MatchString(e) {
			t.Errorf("email: got %#v", obj["email"])
		}
	})
}

func TestEnumPicksMembers(t *testing.T) {
	s := schema30(t, `{"type":"string","enum":["active","suspended","deactivated","invited"]}`)
	seen := map[any]bool{}
	eachSeed(t, s, 40, func(v any) { seen[v] = true })
	if len(seen) < 3 {
		t.Errorf("40 seeds reached only %v", seen)
	}

	withNull := schema30(t, `{"type":"string","nullable":true,"enum":[null,"a"]}`)
	eachSeed(t, withNull, 20, func(v any) {
		if v != "a" {
			t.Errorf("got %#v, want the non-null member", v)
		}
	})
}

func TestConstExampleDefault(t *testing.T) {
	s := components(t, "3.1.0", `{"S":{"type":"object","properties":{
		"kind":{"const":"end_user"},
		"token_type":{"type":"string","example":"Bearer"},
		"plan":{"type":"string","default":"free"},
		"tier":{"type":"string","maxLength":3,"example":"too long"},
		"id":{"type":"string","example":"always-the-same"}}}}`)["S"]
	seenIDs := map[string]bool{}
	for i := range 10 {
		v := mustValidate(t, s, fakedata.Generate(s, uint64(i+1)), openapi3.EnableJSONSchema2020())
		obj := v.(map[string]any)
		if obj["kind"] != "end_user" {
			t.Errorf("const: got %#v", obj["kind"])
		}
		if obj["token_type"] != "Bearer" {
			t.Errorf("example: got %#v, want the schema's example", obj["token_type"])
		}
		if obj["plan"] != "free" {
			t.Errorf("default: got %#v, want the schema's default", obj["plan"])
		}
		if obj["tier"] == "too long" {
			t.Error("an example that breaks maxLength was used")
		}
		seenIDs[obj["id"].(string)] = true
	}
	if len(seenIDs) < 10 {
		t.Errorf("ids should vary per seed instead of copying the example: %v", seenIDs)
	}
}

func TestExamplesAreCopies(t *testing.T) {
	s := schema30(t, `{"type":"object","properties":{"tags":{"type":"array","items":{"type":"string"},"minItems":1}},"example":{"tags":["x"]}}`)
	obj := fakedata.Generate(s, 1).(map[string]any)
	obj["tags"] = nil
	if _, ok := s.Value.Example.(map[string]any)["tags"].([]any); !ok {
		t.Fatal("changing a generated value changed the schema's example")
	}
	c := components(t, "3.1.0", `{"S":{"const":{"a":[1,2]}}}`)["S"]
	v := fakedata.Generate(c, 1).(map[string]any)
	v["a"].([]any)[0] = "changed"
	if c.Value.Const.(map[string]any)["a"].([]any)[0] != float64(1) {
		t.Fatal("changing a generated value changed the schema's const")
	}
}

func TestNumericBounds(t *testing.T) {
	cases := map[string]struct {
		schema string
		lo, hi float64
	}{
		"inclusive":          {`{"type":"integer","minimum":3,"maximum":5}`, 3, 5},
		"exclusive 3.0":      {`{"type":"integer","minimum":3,"maximum":5,"exclusiveMinimum":true,"exclusiveMaximum":true}`, 4, 4},
		"multipleOf":         {`{"type":"integer","minimum":10,"maximum":100,"multipleOf":7}`, 14, 98},
		"only max negative":  {`{"type":"integer","maximum":-50}`, math.Inf(-1), -50},
		"only min large":     {`{"type":"integer","minimum":1000000}`, 1000000, math.Inf(1)},
		"fraction only":      {`{"type":"number","minimum":0.5,"maximum":0.7}`, 0.5, 0.7},
		"number exclusive":   {`{"type":"number","minimum":0,"maximum":1,"exclusiveMinimum":true,"exclusiveMaximum":true}`, math.SmallestNonzeroFloat64, 1 - 1e-16},
		"number multipleOf":  {`{"type":"number","minimum":0,"maximum":1,"multipleOf":0.25}`, 0, 1},
		"port by name range": {`{"type":"integer","minimum":1,"maximum":80}`, 1, 80},
		"widest double":      {`{"type":"number","format":"double","minimum":-1.7e308,"maximum":1.7e308}`, -1.7e308, 1.7e308},
		"beyond int64":       {`{"type":"integer","minimum":1e300}`, 1e300, math.Inf(1)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := schema30(t, tc.schema)
			eachSeed(t, s, 50, func(v any) {
				f, ok := v.(float64)
				if !ok || f < tc.lo || f > tc.hi {
					t.Errorf("got %#v, want a number in [%g, %g]", v, tc.lo, tc.hi)
				}
			})
		})
	}
}

func TestNumericBounds31(t *testing.T) {
	s := components(t, "3.1.0", `{"S":{"type":"integer","exclusiveMinimum":3,"exclusiveMaximum":6},
		"F":{"type":"number","exclusiveMinimum":0.1,"exclusiveMaximum":0.2}}`)
	for i := range 30 {
		v := mustValidate(t, s["S"], fakedata.Generate(s["S"], uint64(i)), openapi3.EnableJSONSchema2020())
		if v != float64(4) && v != float64(5) {
			t.Errorf("integer in (3,6): got %#v", v)
		}
		f := mustValidate(t, s["F"], fakedata.Generate(s["F"], uint64(i)), openapi3.EnableJSONSchema2020())
		if x := f.(float64); x <= 0.1 || x >= 0.2 {
			t.Errorf("number in (0.1,0.2): got %v", x)
		}
	}
}

// Absurd sizes in a schema are capped, so one call cannot exhaust memory;
// such values are then short of the schema, which says so on validation.
func TestHugeMinimumsAreCapped(t *testing.T) {
	arr := fakedata.Generate(schema30(t, `{"type":"array","minItems":1000000000,"items":{"type":"boolean"}}`), 1).([]any)
	str := fakedata.Generate(schema30(t, `{"type":"string","minLength":1000000000}`), 1).(string)
	obj := fakedata.Generate(schema30(t, `{"type":"object","minProperties":1000000000}`), 1).(map[string]any)
	if len(arr) > 4096 || len(str) > 4096 || len(obj) > 4096 {
		t.Fatalf("sizes %d, %d, %d: want capped", len(arr), len(str), len(obj))
	}
}

func TestNumericNameHints(t *testing.T) {
	s := schema30(t, `{"type":"object","properties":{"expires_in":{"type":"integer"},"port":{"type":"integer"},"member_count":{"type":"number"}}}`)
	eachSeed(t, s, 20, func(v any) {
		obj := v.(map[string]any)
		if e := obj["expires_in"].(float64); e < 60 || e > 86400 {
			t.Errorf("expires_in %g is not a plausible lifetime", e)
		}
		if p := obj["port"].(float64); p < 1024 || p > 65535 {
			t.Errorf("port %g out of range", p)
		}
		if c := obj["member_count"].(float64); c < 0 || c > 100 || c != math.Trunc(c) {
			t.Errorf("member_count %g is not a small whole number", c)
		}
	})
}

func TestStringBounds(t *testing.T) {
	cases := map[string]string{
		"long minLength":        `{"type":"string","minLength":50}`,
		"tiny maxLength":        `{"type":"string","maxLength":3}`,
		"exact length":          `{"type":"string","minLength":8,"maxLength":8}`,
		"slug pattern":          `{"type":"string","pattern":"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"}`,
		"code pattern":          `{"type":"string","pattern":"^[A-Z]{3}-\\d{4}$"}`,
		"pattern and minLength": `{"type":"string","pattern":"^[a-zA-Z0-9._-]+$","minLength":40,"maxLength":45}`,
		"alternation":           `{"type":"string","pattern":"^(red|green|blue)$"}`,
		"unicode escape":        `{"type":"string","pattern":"^\\u0041+$"}`,
		"email with maxLength":  `{"type":"string","format":"email","maxLength":254}`,
	}
	for name, js := range cases {
		t.Run(name, func(t *testing.T) {
			eachSeed(t, schema30(t, js), 30, nil)
		})
	}
}

func TestPatternNameHintKeptWhenItMatches(t *testing.T) {
	s := schema30(t, `{"type":"object","properties":{"slug":{"type":"string","pattern":"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"}}}`)
	eachSeed(t, s, 10, func(v any) {
		slug := v.(map[string]any)["slug"].(string)
		if !strings.Contains(slug, "-") {
			t.Errorf("slug %q should be the dashed name-based slug, not pattern noise", slug)
		}
	})
}

func TestUnsupportedPatternTerminates(t *testing.T) {
	// Go's regexp has no lookahead: the value cannot be checked against the
	// pattern, but it must still come back, within the other bounds.
	s := &openapi3.SchemaRef{Value: &openapi3.Schema{
		Type: &openapi3.Types{"string"}, Pattern: `^(?=.*\d).{8,}$`, MinLength: 8,
	}}
	for i := range 20 {
		v, ok := fakedata.Generate(s, uint64(i)).(string)
		if !ok || len(v) < 8 {
			t.Fatalf("got %#v, want a string of at least 8", v)
		}
	}
	impossible := &openapi3.SchemaRef{Value: &openapi3.Schema{
		Type: &openapi3.Types{"string"}, Pattern: `^[a-z]{3}$`, MinLength: 10,
	}}
	if _, ok := fakedata.Generate(impossible, 1).(string); !ok {
		t.Fatal("an unsatisfiable pattern should still give a string")
	}
}

func TestArrays(t *testing.T) {
	bounded := schema30(t, `{"type":"array","minItems":2,"maxItems":4,"items":{"type":"string"}}`)
	lengths := map[int]bool{}
	eachSeed(t, bounded, 40, func(v any) { lengths[len(v.([]any))] = true })
	if len(lengths) < 2 {
		t.Errorf("lengths never varied: %v", lengths)
	}

	unique := schema30(t, `{"type":"array","minItems":3,"uniqueItems":true,"items":{"type":"string","enum":["a","b","c"]}}`)
	eachSeed(t, unique, 20, nil)

	empty := schema30(t, `{"type":"array","maxItems":0,"items":{"type":"string"}}`)
	eachSeed(t, empty, 3, func(v any) {
		if len(v.([]any)) != 0 {
			t.Errorf("maxItems 0 gave %v", v)
		}
	})

	big := schema30(t, `{"type":"array","minItems":12,"items":{"type":"integer"}}`)
	eachSeed(t, big, 3, nil)

	capped := fakedata.New(fakedata.Options{MaxItems: 1})
	list := schema30(t, `{"type":"array","items":{"type":"string"}}`)
	for i := range 20 {
		if got := len(capped.Generate(list, uint64(i)).([]any)); got != 1 {
			t.Fatalf("MaxItems 1 gave %d items", got)
		}
	}
}

func TestObjects(t *testing.T) {
	s := schema30(t, `{"type":"object","required":["a"],"properties":{"a":{"type":"string"},"b":{"type":"integer"},"c":{"type":"boolean"}}}`)
	eachSeed(t, s, 5, func(v any) {
		if len(v.(map[string]any)) != 3 {
			t.Errorf("optional fields should be shown: %v", v)
		}
	})

	dict := schema30(t, `{"type":"object","additionalProperties":{"type":"integer","minimum":1,"maximum":9}}`)
	eachSeed(t, dict, 10, func(v any) {
		if len(v.(map[string]any)) == 0 {
			t.Error("a map schema gave no entries")
		}
	})

	minProps := schema30(t, `{"type":"object","minProperties":4,"properties":{"a":{"type":"string"}}}`)
	eachSeed(t, minProps, 5, nil)

	maxProps := schema30(t, `{"type":"object","maxProperties":2,"required":["z"],"properties":{"a":{"type":"string"},"b":{"type":"string"},"z":{"type":"string"}}}`)
	eachSeed(t, maxProps, 5, func(v any) {
		if _, ok := v.(map[string]any)["z"]; !ok {
			t.Errorf("maxProperties dropped a required field: %v", v)
		}
	})

	requiredOnly := schema30(t, `{"type":"object","required":["undeclared_email"]}`)
	eachSeed(t, requiredOnly, 3, func(v any) {
		if _, ok := v.(map[string]any)["undeclared_email"]; !ok {
			t.Errorf("a required key without a property schema is missing: %v", v)
		}
	})
}

func TestAllOfMergesBranches(t *testing.T) {
	schemas := components(t, "3.0.3", `{
		"Base":{"type":"object","required":["id"],"properties":{"id":{"type":"string","format":"uuid"},"n":{"type":"integer","minimum":0,"maximum":100}}},
		"S":{"allOf":[{"$ref":"#/components/schemas/Base"},
			{"type":"object","required":["name"],"properties":{"name":{"type":"string"},"n":{"type":"integer","minimum":50}}}]}}`)
	s := schemas["S"]
	eachSeed(t, s, 20, func(v any) {
		obj := v.(map[string]any)
		for _, k := range []string{"id", "name", "n"} {
			if _, ok := obj[k]; !ok {
				t.Errorf("missing %q from a branch: %v", k, obj)
			}
		}
		if n := obj["n"].(float64); n < 50 || n > 100 {
			t.Errorf("n = %g, want both branches' bounds [50,100]", n)
		}
	})
	before, _ := json.Marshal(schemas["Base"].Value)
	fakedata.Generate(s, 1)
	after, _ := json.Marshal(schemas["Base"].Value)
	if string(before) != string(after) {
		t.Fatal("generating an allOf modified a branch schema")
	}
}

func TestOneOfAnyOf(t *testing.T) {
	schemas := components(t, "3.0.3", `{
		"Email":{"type":"object","required":["kind","address"],"properties":{"kind":{"type":"string"},"address":{"type":"string","format":"email"}}},
		"Phone":{"type":"object","required":["kind","number"],"properties":{"kind":{"type":"string"},"number":{"type":"string"}}},
		"Contact":{"oneOf":[{"$ref":"#/components/schemas/Email"},{"$ref":"#/components/schemas/Phone"}],
			"discriminator":{"propertyName":"kind","mapping":{"sms":"#/components/schemas/Phone","zmail":"#/components/schemas/Email"}}},
		"Bare":{"oneOf":[{"$ref":"#/components/schemas/Email"},{"$ref":"#/components/schemas/Phone"}],"discriminator":{"propertyName":"kind"}},
		"Overlap":{"oneOf":[{"type":"string","enum":["x"]},{"type":"string"}]},
		"Any":{"anyOf":[{"type":"integer","minimum":7,"maximum":7},{"type":"string"}]}}`)

	eachSeed(t, schemas["Contact"], 5, func(v any) {
		obj := v.(map[string]any)
		if obj["kind"] != "zmail" || obj["address"] == nil {
			t.Errorf("want the first branch with its mapping key (zmail), got %v", obj)
		}
	})
	eachSeed(t, schemas["Bare"], 5, func(v any) {
		if k := v.(map[string]any)["kind"]; k != "Email" {
			t.Errorf("without a mapping the discriminator takes the schema name, got %v", k)
		}
	})
	eachSeed(t, schemas["Overlap"], 5, func(v any) {
		if v == "x" {
			t.Error("a value matching two oneOf branches was returned")
		}
	})
	eachSeed(t, schemas["Any"], 5, func(v any) {
		if v != float64(7) {
			t.Errorf("anyOf should use its first branch, got %#v", v)
		}
	})
}

// depthOf is how deeply objects and arrays nest in v.
func depthOf(v any) int {
	deepest := 0
	switch t := v.(type) {
	case map[string]any:
		for _, e := range t {
			deepest = max(deepest, depthOf(e))
		}
		return deepest + 1
	case []any:
		for _, e := range t {
			deepest = max(deepest, depthOf(e))
		}
		return deepest + 1
	}
	return 0
}

func TestRecursiveSchemasTerminate(t *testing.T) {
	schemas := components(t, "3.0.3", `{
		"Tree":{"type":"object","required":["name","children"],"properties":{"name":{"type":"string"},
			"children":{"type":"array","items":{"$ref":"#/components/schemas/Tree"}}}},
		"List":{"type":"object","required":["next"],"properties":{"value":{"type":"integer"},
			"next":{"nullable":true,"allOf":[{"$ref":"#/components/schemas/List"}]}}},
		"Knot":{"type":"object","required":["self"],"properties":{"self":{"$ref":"#/components/schemas/Knot"}}},
		"Loop":{"allOf":[{"$ref":"#/components/schemas/Loop"}],"type":"object","properties":{"a":{"type":"string"}}},
		"Fork":{"allOf":[{"$ref":"#/components/schemas/Fork"},{"$ref":"#/components/schemas/Fork"},{"$ref":"#/components/schemas/Fork"}],
			"type":"object","properties":{"b":{"type":"integer"}}},
		"Echo":{"oneOf":[{"$ref":"#/components/schemas/Echo"},{"$ref":"#/components/schemas/Echo"}]},
		"Ping":{"oneOf":[{"$ref":"#/components/schemas/Pong"},{"$ref":"#/components/schemas/Pong"}]},
		"Pong":{"anyOf":[{"$ref":"#/components/schemas/Ping"},{"$ref":"#/components/schemas/Ping"}]}}`)
	for _, maxDepth := range []int{1, 3, 6} {
		g := fakedata.New(fakedata.Options{MaxDepth: maxDepth})
		for _, name := range []string{"Tree", "List"} {
			s := schemas[name]
			v := mustValidate(t, s, g.Generate(s, 7))
			if d := depthOf(v); d > 2*maxDepth+2 {
				t.Errorf("%s with MaxDepth %d nested %d deep", name, maxDepth, d)
			}
		}
	}
	// A schema that requires itself has no finite valid value; it must still
	// return promptly.
	if v := fakedata.Generate(schemas["Knot"], 1); depthOf(v) == 0 {
		t.Errorf("Knot: got %#v, want a (necessarily cut) object", v)
	}
	// An allOf that names itself (three times, which would branch
	// exponentially if each were followed) merges as written.
	mustValidate(t, schemas["Loop"], fakedata.Generate(schemas["Loop"], 1))
	mustValidate(t, schemas["Fork"], fakedata.Generate(schemas["Fork"], 1))
	// A oneOf of only itself, directly or through another, has no value
	// at all; it must still return.
	if v := fakedata.Generate(schemas["Echo"], 1); v != nil {
		t.Errorf("Echo: got %#v, want nil", v)
	}
	fakedata.Generate(schemas["Ping"], 1)
}

func TestNullableGivesValues(t *testing.T) {
	eachSeed(t, schema30(t, `{"type":"string","nullable":true,"format":"date-time"}`), 5, func(v any) {
		if v == nil {
			t.Error("nullable gave null; a mock should show the value")
		}
	})
	s31 := components(t, "3.1.0", `{"S":{"type":["null","integer"],"minimum":3,"maximum":4},"N":{"type":"null"}}`)
	for i := range 5 {
		v := mustValidate(t, s31["S"], fakedata.Generate(s31["S"], uint64(i)), openapi3.EnableJSONSchema2020())
		if v != float64(3) && v != float64(4) {
			t.Errorf("type list: got %#v", v)
		}
	}
	if v := fakedata.Generate(s31["N"], 1); v != nil {
		t.Errorf("type null: got %#v", v)
	}
}

func TestNilSchemas(t *testing.T) {
	if v := fakedata.Generate(nil, 1); v != nil {
		t.Errorf("nil schema: got %#v", v)
	}
	if v := fakedata.Generate(&openapi3.SchemaRef{Ref: "#/components/schemas/Missing"}, 1); v != nil {
		t.Errorf("unresolved ref: got %#v", v)
	}
}

// bigSchema is a list of objects touching most features.
const bigSchema = `{"type":"object","required":["data"],"properties":{
	"data":{"type":"array","minItems":2,"items":{"type":"object","properties":{
		"id":{"type":"string","format":"uuid"},"email":{"type":"string"},"created_at":{"type":"string","format":"date-time"},
		"status":{"type":"string","enum":["active","suspended","deactivated"]},"score":{"type":"number"},"tags":{"type":"array","items":{"type":"string"}}}}},
	"next_cursor":{"type":"string","nullable":true}}}`

func TestDeterministicAndSeedSensitive(t *testing.T) {
	s := schema30(t, bigSchema)
	a1 := fakedata.Generate(s, 42)
	a2 := fakedata.Generate(s, 42)
	if diff := cmp.Diff(a1, a2); diff != "" {
		t.Fatalf("same seed, different values (-first +second):\n%s", diff)
	}
	for name, g := range map[string]*fakedata.Generator{
		"New(Options{})":     fakedata.New(fakedata.Options{}),
		"New(negative)":      fakedata.New(fakedata.Options{MaxDepth: -1, MaxItems: -1}),
		"zero Generator":     new(fakedata.Generator),
		"nil Generator":      nil,
		"New(explicit 6, 3)": fakedata.New(fakedata.Options{MaxDepth: 6, MaxItems: 3}),
	} {
		if v := g.Generate(s, 42); !cmp.Equal(a1, v) {
			t.Errorf("%s differs from the package default", name)
		}
	}
	distinct := map[string]bool{}
	for i := range 20 {
		distinct[canonicalJSON(t, fakedata.Generate(s, uint64(1000+i)))] = true
	}
	if len(distinct) != 20 {
		t.Fatalf("20 seeds gave only %d distinct values", len(distinct))
	}
}

func TestSiblingsKeepValuesWhenSchemaGrows(t *testing.T) {
	small := schema30(t, `{"type":"object","properties":{"id":{"type":"string","format":"uuid"}}}`)
	grown := schema30(t, `{"type":"object","properties":{"a_new_field":{"type":"string"},"id":{"type":"string","format":"uuid"}}}`)
	before := fakedata.Generate(small, 9).(map[string]any)["id"]
	after := fakedata.Generate(grown, 9).(map[string]any)["id"]
	if before != after {
		t.Fatalf("adding a field changed a sibling: %v -> %v", before, after)
	}
}

func canonicalJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestConcurrentGenerate(t *testing.T) {
	s := schema30(t, bigSchema)
	want := canonicalJSON(t, fakedata.Generate(s, 5))
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if got := canonicalJSON(t, fakedata.Generate(s, 5)); got != want {
					errs <- got
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("concurrent call differed:\n got %s\nwant %s", got, want)
	}
}

func TestSeed(t *testing.T) {
	if fakedata.Seed(1, "GET /x", "200") != fakedata.Seed(1, "GET /x", "200") {
		t.Fatal("Seed is not stable")
	}
	distinct := map[uint64]string{}
	for name, seed := range map[string]uint64{
		"base 1":    fakedata.Seed(1, "GET /x", "200"),
		"base 2":    fakedata.Seed(2, "GET /x", "200"),
		"status":    fakedata.Seed(1, "GET /x", "201"),
		"op":        fakedata.Seed(1, "GET /y", "200"),
		"split ab|": fakedata.Seed(1, "ab", "c"),
		"split a|b": fakedata.Seed(1, "a", "bc"),
		"no parts":  fakedata.Seed(1),
		"one empty": fakedata.Seed(1, ""),
	} {
		if other, dup := distinct[seed]; dup {
			t.Errorf("%s and %s give the same seed", name, other)
		}
		distinct[seed] = name
	}
}

func TestNumbersReadLikeDataByTheirNames(t *testing.T) {
	s := schema30(t, `{"type":"object","required":["dob","amount","price_cents","created_at","expires_at","birthYear","hour","discount_percent"],"properties":{
		"dob":{"type":"object","required":["day","month","year"],"properties":{
			"day":{"type":"integer"},"month":{"type":"integer","format":"int64"},"year":{"type":"integer"}}},
		"amount":{"type":"integer"},"price_cents":{"type":"integer","minimum":0},
		"created_at":{"type":"integer","format":"int64"},"expires_at":{"type":"integer"},
		"birthYear":{"type":"integer"},"hour":{"type":"integer"},"discount_percent":{"type":"number"}}}`)
	anchor := float64(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Unix())
	within := func(name string, v any, lo, hi float64) {
		t.Helper()
		f, ok := v.(float64)
		if !ok || f < lo || f > hi || f != math.Trunc(f) {
			t.Errorf("%s = %#v, want a whole number in [%v, %v]", name, v, lo, hi)
		}
	}
	eachSeed(t, s, 200, func(v any) {
		o := v.(map[string]any)
		dob := o["dob"].(map[string]any)
		within("dob.day", dob["day"], 1, 31)
		within("dob.month", dob["month"], 1, 12)
		within("dob.year", dob["year"], 1900, 2026)
		within("birthYear", o["birthYear"], 1900, 2026)
		within("amount", o["amount"], 1, 10_000_000)
		within("price_cents", o["price_cents"], 1, 10_000_000)
		within("created_at", o["created_at"], anchor-3*365*86400, anchor)
		within("expires_at", o["expires_at"], anchor, anchor+60*86400)
		within("hour", o["hour"], 0, 23)
		if p := o["discount_percent"].(float64); p < 0 || p > 100 {
			t.Errorf("discount_percent = %v", p)
		}
	})
}

func TestANameHintGivesWayToTheSchemasOwnRange(t *testing.T) {
	s := schema30(t, `{"type":"object","required":["day"],"properties":{"day":{"type":"integer","minimum":100,"maximum":200}}}`)
	eachSeed(t, s, 50, func(v any) {
		if d := v.(map[string]any)["day"].(float64); d < 100 || d > 200 {
			t.Errorf("day = %v outside the schema's own 100..200", d)
		}
	})
}
