package diff

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

func doc31(body string) []byte {
	return []byte("openapi: 3.1.0\ninfo: {title: t, version: '1'}\n" + body)
}

func compare31(t *testing.T, oldDoc, newDoc string) *Report {
	t.Helper()
	return compareDocs(t, doc31(oldDoc), doc31(newDoc))
}

func wantRules(t *testing.T, r *Report, want ...string) {
	t.Helper()
	got := rulesOf(r)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("findings:\n  got  %q\n  want %q", got, want)
	}
}

// An alternative of only `required` (no type, no properties) is matched
// with its unchanged twin, not reported removed and added again.
func TestConstraintOnlyAlternatives(t *testing.T) {
	anyOf := func(a, b string) string {
		return okBody(fmt.Sprintf("{type: object, properties: {a: {type: string}, b: {type: string}, c: {type: string}}, anyOf: [{required: [%s]}, {required: [%s]}]}", a, b))
	}
	wantRules(t, compareYAML(t, anyOf("a", "b"), anyOf("a", "b")))
	wantRules(t, compareYAML(t, anyOf("a", "b"), anyOf("b", "a")))
	wantRules(t, compareYAML(t, anyOf("a", "b"), anyOf("a", "c")),
		"response-oneof-alternative-added@response 200",
		"response-oneof-alternative-removed@response 200")

	refOnly := okBody("{oneOf: [{$ref: '#/components/schemas/A'}, {$ref: '#/components/schemas/B'}]}") + `components:
  schemas:
    A: {required: [x]}
    B: {required: [y]}
`
	wantRules(t, compareYAML(t, refOnly, refOnly))
	// A component renamed without change is the same alternative.
	renamed := strings.ReplaceAll(refOnly, "B", "Bee")
	wantRules(t, compareYAML(t, refOnly, renamed))
}

// Properties and required beside a oneOf are compared as well as the
// alternatives.
func TestSiblingsOfOneOfAreCompared(t *testing.T) {
	body := func(idType, required string) string {
		return okBody(fmt.Sprintf("{type: object, required: [%s], properties: {id: {type: %s}, kind: {type: string}}, oneOf: [{required: [kind]}, {required: [id]}]}", required, idType))
	}
	wantRules(t, compareYAML(t, body("string", "id, kind"), body("integer", "kind")),
		"response-property-became-optional@response 200: id",
		"response-property-type-changed@response 200: id")

	// Only the new side has the oneOf: a request that matched no
	// alternative is now refused.
	plain := jsonBody(obj("a: {type: string}, b: {type: string}", ""))
	constrained := jsonBody("{type: object, properties: {a: {type: string}, b: {type: string}}, oneOf: [{required: [a]}, {required: [b]}]}")
	wantRules(t, compareYAML(t, plain, constrained), "request-property-constraint-tightened@request body")
}

// OpenAPI 3.1: a $ref beside a description is the referenced schema plus
// the description, not an empty object.
func TestRefWithSiblings31(t *testing.T) {
	spec := func(idType string) string {
		return okBody("{$ref: '#/components/schemas/User', description: the user}") + fmt.Sprintf(`components:
  schemas:
    User:
      type: object
      required: [id]
      properties:
        id: {type: %s}
        manager: {$ref: '#/components/schemas/User', description: recursion through a sibling ref}
`, idType)
	}
	plainRef := strings.Replace(spec("string"), ", description: the user", "", 1)
	wantRules(t, compare31(t, plainRef, spec("string")))
	wantRules(t, compare31(t, spec("string"), spec("integer")),
		"response-property-type-changed@response 200: id",
		"response-property-type-changed@response 200: manager.id")

	// 3.1 siblings apply: a sibling `required` narrows the response.
	narrowed := strings.Replace(spec("string"), "description: the user", "required: [manager]", 1)
	wantRules(t, compare31(t, spec("string"), narrowed), "response-property-became-required@response 200: manager")
	// In 3.0 they are ignored.
	r, err := Compare(doc(spec("string")), doc(narrowed), Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantRules(t, r)
}

func TestJSONSchema2020Keywords(t *testing.T) {
	// type arrays: null added to a response field.
	wantRules(t, compare31(t, okBody(obj("a: {type: string}", "a")), okBody(obj("a: {type: [string, 'null']}", "a"))),
		"response-property-became-nullable@response 200: a")
	// const is an enum of one.
	wantRules(t, compare31(t, okBody(obj("kind: {const: user}", "kind")), okBody(obj("kind: {enum: [user]}", "kind"))))
	wantRules(t, compare31(t, okBody(obj("kind: {type: string, const: user}", "kind")), okBody(obj("kind: {type: string, const: admin}", "kind"))),
		"response-property-enum-value-added@response 200: kind", "response-property-enum-value-removed@response 200: kind")
	// examples never reach the wire.
	wantRules(t, compare31(t, okBody(obj("a: {type: string, examples: [x]}", "a")), okBody(obj("a: {type: string, examples: [y, z]}", "a"))))

	// $defs, recursive, reached through a $ref into them.
	tree := func(leaf string) string {
		return okBody("{$ref: '#/components/schemas/Tree/$defs/Node'}") + fmt.Sprintf(`components:
  schemas:
    Tree:
      $defs:
        Node:
          type: object
          properties:
            value: {type: %s}
            children: {type: array, items: {$ref: '#/components/schemas/Tree/$defs/Node'}}
`, leaf)
	}
	wantRules(t, compare31(t, tree("string"), tree("string")))
	// The recursion stops where the same pair comes round again.
	wantRules(t, compare31(t, tree("string"), tree("integer")),
		"response-property-type-changed@response 200: value")

	// $dynamicRef resolves to its $dynamicAnchor.
	dyn := func(leaf string) string {
		return okBody("{$ref: '#/components/schemas/List'}") + fmt.Sprintf(`components:
  schemas:
    List:
      $dynamicAnchor: item
      type: object
      properties:
        name: {type: %s}
        next: {$dynamicRef: '#item'}
`, leaf)
	}
	wantRules(t, compare31(t, dyn("string"), dyn("string")))
	wantRules(t, compare31(t, dyn("string"), dyn("boolean")),
		"response-property-type-changed@response 200: name",
		"response-property-type-changed@response 200: next.name")
}

// A response alternative that only a new request value can produce is a
// note: clients that do not send the value never see it.
func TestAlternativeForNewRequestValue(t *testing.T) {
	op := func(types, enrollment string) string {
		return fmt.Sprintf(`paths:
  /v1/factors:
    post:
      requestBody:
        content: {application/json: {schema: {type: object, required: [type], properties: {type: {type: string, enum: [%s]}}}}}
      responses:
        '201':
          description: ok
          content: {application/json: {schema: {type: object, required: [enrollment], properties: {enrollment: %s}}}}
components:
  schemas:
    TotpEnrollment: {type: object, required: [secret], properties: {secret: {type: string}}}
    EmailEnrollment: {type: object, required: [email_masked], properties: {email_masked: {type: string}}}
    SmsEnrollment: {type: object, required: [phone_masked], properties: {phone_masked: {type: string}}}
`, types, enrollment)
	}
	totp := "{$ref: '#/components/schemas/TotpEnrollment'}"
	both := "{oneOf: [{$ref: '#/components/schemas/TotpEnrollment'}, {$ref: '#/components/schemas/EmailEnrollment'}]}"
	r := compareYAML(t, op("totp", totp), op("totp, email", both))
	wantRules(t, r,
		"request-property-enum-value-added@request body: type",
		"response-oneof-alternative-added-for-new-request-value@response 201: enrollment")
	if msg := r.Findings[1].Message; !strings.Contains(msg, `"email"`) || !strings.HasPrefix(msg, "enrollment ") {
		t.Errorf("message %q should name the field and the request value", msg)
	}
	// An alternative unrelated to the new value still breaks clients.
	sms := strings.Replace(both, "EmailEnrollment", "SmsEnrollment", 1)
	wantRules(t, compareYAML(t, op("totp", totp), op("totp, email", sms)),
		"response-oneof-alternative-added@response 201: enrollment",
		"request-property-enum-value-added@request body: type")
}

// A graph whose every level references the next one twice has 2^depth
// paths. The comparison visits each schema pair once, so this finishes at
// once; the old stack-only walk would not finish at all. A change at the
// bottom is reported, under a bounded number of paths.
func TestDeepSharedGraphComparesEachPairOnce(t *testing.T) {
	const depth = 40
	graph := func(leaf string) string {
		var b strings.Builder
		b.WriteString(okBody("{$ref: '#/components/schemas/L0'}"))
		b.WriteString("components:\n  schemas:\n")
		for i := 0; i < depth; i++ {
			fmt.Fprintf(&b, "    L%d: {type: object, properties: {a: {$ref: '#/components/schemas/L%d'}, b: {$ref: '#/components/schemas/L%d'}, back: {$ref: '#/components/schemas/L0'}}, oneOf: [{required: [a]}, {required: [b]}]}\n", i, i+1, i+1)
		}
		fmt.Fprintf(&b, "    L%d: {type: object, properties: {v: {type: %s}}}\n", depth, leaf)
		return b.String()
	}
	wantRules(t, compareYAML(t, graph("string"), graph("string")))
	r := compareYAML(t, graph("string"), graph("integer"))
	if n := len(r.Findings); n == 0 || n > maxPathsPerPair {
		t.Fatalf("%d findings, want 1..%d", n, maxPathsPerPair)
	}
	if f := r.Findings[0]; f.Rule != ResponsePropertyTypeChanged || !strings.HasSuffix(f.Location, ".v") {
		t.Errorf("first finding %+v", f)
	}
}

// Invariants on every spec at hand: a spec diffed against itself reports
// nothing, and neither does it against its own normalised
// re-serialisation (keys reordered, YAML written as JSON).
func TestSelfAndReserialisedDiffAreEmpty(t *testing.T) {
	files := []string{filepath.Join("..", "..", "specs", "heimdall.yaml")}
	if _, ok := testspecs.Lookup(); ok {
		files = append(files, testspecs.All(t)...)
	}
	files = append(files, corpusFiles(t)...)
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if r, err := Compare(data, data, Options{}); err != nil {
				t.Fatal(err)
			} else if len(r.Findings) > 0 {
				t.Errorf("against itself: %d findings, first %+v", len(r.Findings), r.Findings[0])
			}
			again := reserialise(t, data)
			if r, err := Compare(data, again, Options{}); err != nil {
				t.Fatal(err)
			} else if len(r.Findings) > 0 {
				t.Errorf("against its re-serialisation: %d findings, first %+v", len(r.Findings), r.Findings[0])
			}
		})
	}
}

// reserialise writes the document as JSON with every mapping's keys in
// sorted order (Go's encoder sorts them), which reorders most of them.
func reserialise(t *testing.T, data []byte) []byte {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(stringKeys(v))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func stringKeys(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = stringKeys(e)
		}
		return x
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = stringKeys(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = stringKeys(e)
		}
	}
	return v
}

// additionalProperties, not, if/then/else and const as a 3.1 document
// writes them: findings name the field, "*" for a map's values.
func TestConstraintKeywords31(t *testing.T) {
	wantRules(t, compare31(t, jsonBody(obj("tags: {type: object, additionalProperties: {type: string}}", "")),
		jsonBody(obj("tags: {type: object, additionalProperties: {type: [string, integer], maxLength: 10}}", ""))),
		"request-property-constraint-tightened@request body: tags.*")
	wantRules(t, compare31(t, jsonBody(obj("tags: {type: object}", "")), jsonBody(obj("tags: {type: object, additionalProperties: false}", ""))),
		"request-object-closed@request body: tags")
	wantRules(t, compare31(t, okBody(obj("tags: {type: object, additionalProperties: false}", "tags")), okBody(obj("tags: {type: object, additionalProperties: true}", "tags"))),
		"response-object-opened@response 200: tags")
	// const in a request: the old value is refused, the new one accepted.
	wantRules(t, compare31(t, jsonBody(obj("kind: {type: string, const: user}", "kind")), jsonBody(obj("kind: {type: string, const: admin}", "kind"))),
		"request-property-enum-value-removed@request body: kind", "request-property-enum-value-added@request body: kind")
	wantRules(t, compare31(t, jsonBody(obj("kind: {type: string}", "kind")), jsonBody(obj("kind: {type: string, const: admin}", "kind"))),
		"request-property-enum-value-removed@request body: kind")
	wantRules(t, compare31(t, jsonBody(obj("name: {type: string, not: {const: root}}", "")), jsonBody(obj("name: {type: string, not: {enum: [root, admin]}}", ""))),
		"request-property-enum-value-removed@request body: name")
	wantRules(t, compare31(t, jsonBody(condObj(cardNeedsNumber)), jsonBody(condObj(strings.Replace(cardNeedsNumber, "number: {type: string}", "number: {type: string, maxLength: 19}", 1)))),
		"request-property-constraint-tightened@request body: number")
	// Reordered keywords and branches written the other way round are the same condition.
	wantRules(t, compare31(t, okBody(condObj(cardNeedsNumber)),
		okBody(condObj("then: {properties: {number: {type: string}}, required: [number]}, if: {properties: {kind: {const: card}}}"))))
}
