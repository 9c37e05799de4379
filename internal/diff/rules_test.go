package diff

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// doc wraps a paths (and optional components) fragment into a document.
func doc(body string) []byte {
	return []byte("openapi: 3.0.0\ninfo: {title: t, version: '1'}\n" + body)
}

// jsonBody is a POST /{app}/v1/things operation with this request schema.
func jsonBody(schema string) string {
	return fmt.Sprintf(`paths:
  /{app}/v1/things:
    post:
      operationId: create
      parameters: [{name: app, in: path, required: true, schema: {type: string}}]
      requestBody:
        required: true
        content: {application/json: {schema: %s}}
      responses: {'201': {description: ok}}
`, schema)
}

// okBody is a GET /v1/things operation answering 200 with this schema.
func okBody(schema string) string {
	return fmt.Sprintf(`paths:
  /v1/things:
    get:
      operationId: list
      responses:
        '200':
          description: ok
          content: {application/json: {schema: %s}}
`, schema)
}

func withParams(params string) string {
	return fmt.Sprintf(`paths:
  /v1/things:
    get:
      operationId: list
      parameters: %s
      responses: {'200': {description: ok}}
`, params)
}

func compareYAML(t *testing.T, oldDoc, newDoc string) *Report {
	t.Helper()
	return compareDocs(t, doc(oldDoc), doc(newDoc))
}

func compareDocs(t *testing.T, oldDoc, newDoc []byte) *Report {
	t.Helper()
	r, err := Compare(oldDoc, newDoc, Options{})
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	return r
}

func rulesOf(r *Report) []string {
	var ids []string
	for _, f := range r.Findings {
		ids = append(ids, f.Rule+"@"+f.Location)
	}
	return ids
}

func hasRule(r *Report, id string) bool {
	for _, f := range r.Findings {
		if f.Rule == id {
			return true
		}
	}
	return false
}

// Each rule fires on its case and stays quiet on a near miss that looks
// similar but does not change what a client sees the same way.
type ruleCase struct {
	name     string
	old, new string
	fires    string // rule that must be reported
	quiet    string // rule that must not be reported
}

func obj(props, required string) string {
	return fmt.Sprintf("{type: object, required: [%s], properties: {%s}}", required, props)
}

// objA is an object with one listed field; extra is appended to it, e.g.
// ", additionalProperties: false".
func objA(extra string) string {
	return "{type: object, properties: {a: {type: string}}" + extra + "}"
}

// cardNeedsNumber is an if/then: a card payment must carry a number.
const cardNeedsNumber = "if: {properties: {kind: {const: card}}}, then: {required: [number], properties: {number: {type: string}}}"

// condObj is a payment object with this if/then/else ("" for none).
func condObj(cond string) string {
	if cond != "" {
		cond = ", " + cond
	}
	return "{type: object, properties: {kind: {type: string}, number: {type: string}}" + cond + "}"
}

func ruleCases() []ruleCase {
	return []ruleCase{{"operation removed", jsonBody(obj("a: {type: string}", "")), "paths: {}\n", OperationRemoved, ""},
		{"operation only renamed its path parameter", jsonBody(obj("a: {type: string}", "")),
			strings.ReplaceAll(jsonBody(obj("a: {type: string}", "")), "app", "app_slug"), PathParameterRenamed, OperationRemoved},
		{"request property became required", jsonBody(obj("a: {type: string}", "")), jsonBody(obj("a: {type: string}", "a")), RequestPropertyBecameRequired, ""},
		{"request property became optional is not breaking", jsonBody(obj("a: {type: string}", "a")), jsonBody(obj("a: {type: string}", "")), RequestPropertyBecameOptional, RequestPropertyBecameRequired},
		{"required request property added", jsonBody(obj("a: {type: string}", "")), jsonBody(obj("a: {type: string}, b: {type: string}", "b")), RequestPropertyAddedRequired, ""},
		{"optional request property added", jsonBody(obj("a: {type: string}", "")), jsonBody(obj("a: {type: string}, b: {type: string}", "")), RequestPropertyAddedOptional, RequestPropertyAddedRequired},
		{"camelCase to snake_case is one rename", jsonBody(obj("displayName: {type: string}", "displayName")), jsonBody(obj("display_name: {type: string}", "display_name")), RequestPropertyRenamed, RequestPropertyAddedRequired},
		{"a different new name is not a rename", jsonBody(obj("token: {type: string}", "")), jsonBody(obj("code: {type: string}", "")), RequestPropertyRemoved, RequestPropertyRenamed},
		{"request type changed", jsonBody(obj("a: {type: string}", "")), jsonBody(obj("a: {type: integer}", "")), RequestPropertyTypeChanged, ""},
		{"request type widened integer to number", jsonBody(obj("a: {type: integer}", "")), jsonBody(obj("a: {type: number}", "")), "", RequestPropertyTypeChanged},
		{"request format narrowed", jsonBody(obj("a: {type: string}", "")), jsonBody(obj("a: {type: string, format: uuid}", "")), RequestPropertyTypeChanged, ""},
		{"request maxLength lowered", jsonBody(obj("a: {type: string, maxLength: 100}", "")), jsonBody(obj("a: {type: string, maxLength: 50}", "")), RequestPropertyConstraintTightened, ""},
		{"request maxLength raised", jsonBody(obj("a: {type: string, maxLength: 50}", "")), jsonBody(obj("a: {type: string, maxLength: 100}", "")), "", RequestPropertyConstraintTightened},
		{"request minimum added", jsonBody(obj("a: {type: integer}", "")), jsonBody(obj("a: {type: integer, minimum: 1}", "")), RequestPropertyConstraintTightened, ""},
		{"response maxLength raised", okBody(obj("a: {type: string, maxLength: 50}", "a")), okBody(obj("a: {type: string, maxLength: 100}", "a")), ResponsePropertyConstraintLoosened, ""},
		{"response maxLength lowered", okBody(obj("a: {type: string, maxLength: 100}", "a")), okBody(obj("a: {type: string, maxLength: 50}", "a")), "", ResponsePropertyConstraintLoosened},
		{"request enum value removed", jsonBody(obj("a: {type: string, enum: [x, y]}", "")), jsonBody(obj("a: {type: string, enum: [x]}", "")), RequestPropertyEnumValueRemoved, ""},
		{"request enum value added", jsonBody(obj("a: {type: string, enum: [x]}", "")), jsonBody(obj("a: {type: string, enum: [x, y]}", "")), RequestPropertyEnumValueAdded, RequestPropertyEnumValueRemoved},
		{"request body became required", strings.Replace(jsonBody(obj("a: {type: string}", "")), "required: true\n        content", "required: false\n        content", 1), jsonBody(obj("a: {type: string}", "")), RequestBodyBecameRequired, ""},
		{"request media type removed", jsonBody(obj("a: {type: string}", "")), strings.Replace(jsonBody(obj("a: {type: string}", "")), "application/json", "application/xml", 1), RequestMediaTypeRemoved, ""},

		{"response property removed", okBody(obj("a: {type: string}, b: {type: string}", "a,b")), okBody(obj("a: {type: string}", "a")), ResponsePropertyRemoved, ""},
		{"response property added", okBody(obj("a: {type: string}", "a")), okBody(obj("a: {type: string}, b: {type: string}", "a,b")), ResponsePropertyAdded, ResponsePropertyRemoved},
		{"response property became optional", okBody(obj("a: {type: string}", "a")), okBody(obj("a: {type: string}", "")), ResponsePropertyBecameOptional, ""},
		{"response property became required", okBody(obj("a: {type: string}", "")), okBody(obj("a: {type: string}", "a")), ResponsePropertyBecameRequired, ResponsePropertyBecameOptional},
		{"response property became nullable", okBody(obj("a: {type: string}", "a")), okBody(obj("a: {type: string, nullable: true}", "a")), ResponsePropertyBecameNullable, ""},
		{"response property no longer nullable", okBody(obj("a: {type: string, nullable: true}", "a")), okBody(obj("a: {type: string}", "a")), "", ResponsePropertyBecameNullable},
		{"response type changed", okBody(obj("a: {type: string}", "a")), okBody(obj("a: {type: integer}", "a")), ResponsePropertyTypeChanged, ""},
		{"response type narrowed number to integer", okBody(obj("a: {type: number}", "a")), okBody(obj("a: {type: integer}", "a")), "", ResponsePropertyTypeChanged},
		{"response enum value added", okBody(obj("a: {type: string, enum: [x]}", "a")), okBody(obj("a: {type: string, enum: [x, y]}", "a")), ResponsePropertyEnumValueAdded, ""},
		{"response enum value removed", okBody(obj("a: {type: string, enum: [x, y]}", "a")), okBody(obj("a: {type: string, enum: [x]}", "a")), ResponsePropertyEnumValueRemoved, ResponsePropertyEnumValueAdded},
		{"response renamed field", okBody(obj("createdAt: {type: string}", "createdAt")), okBody(obj("created_at: {type: string}", "created_at")), ResponsePropertyRenamed, ResponsePropertyRemoved},
		{"200 gains a oneOf alternative", okBody(obj("token: {type: string}", "token")),
			okBody("{oneOf: [" + obj("token: {type: string}", "token") + ", " + obj("mfa_token: {type: string}", "mfa_token") + "]}"), ResponseOneOfAlternativeAdded, ResponsePropertyRemoved},
		{"oneOf with the same alternatives", okBody("{oneOf: [" + obj("a: {type: string}", "a") + ", " + obj("b: {type: string}", "b") + "]}"),
			okBody("{oneOf: [" + obj("b: {type: string}", "b") + ", " + obj("a: {type: string}", "a") + "]}"), "", ResponseOneOfAlternativeAdded},
		{"response body removed", okBody(obj("a: {type: string}", "a")), strings.Replace(okBody("x"), "\n          content: {application/json: {schema: x}}", "", 1), ResponseBodyRemoved, ""},
		{"array items field removed", okBody("{type: array, items: " + obj("a: {type: string}, b: {type: string}", "a,b") + "}"), okBody("{type: array, items: " + obj("a: {type: string}", "a") + "}"), ResponsePropertyRemoved, ""},

		{"required query parameter added", withParams("[]"), withParams("[{name: ws, in: query, required: true, schema: {type: string}}]"), RequestParameterAddedRequired, ""},
		{"optional query parameter added", withParams("[]"), withParams("[{name: ws, in: query, schema: {type: string}}]"), RequestParameterAddedOptional, RequestParameterAddedRequired},
		{"query parameter became required", withParams("[{name: ws, in: query, schema: {type: string}}]"), withParams("[{name: ws, in: query, required: true, schema: {type: string}}]"), RequestParameterBecameRequired, ""},
		{"query parameter renamed", withParams("[{name: pageSize, in: query, schema: {type: string}}]"), withParams("[{name: page_size, in: query, schema: {type: string}}]"), RequestParameterRenamed, RequestParameterRemoved},
		{"query parameter removed", withParams("[{name: q, in: query, schema: {type: string}}]"), withParams("[]"), RequestParameterRemoved, ""},
		{"header name case is not a change", withParams("[{name: X-Key, in: header, required: true, schema: {type: string}}]"), withParams("[{name: x-key, in: header, required: true, schema: {type: string}}]"), "", RequestParameterAddedRequired},
		{"parameter enum value removed", withParams("[{name: s, in: query, schema: {type: string, enum: [a, b]}}]"), withParams("[{name: s, in: query, schema: {type: string, enum: [a]}}]"), RequestParameterEnumValueRemoved, ""},
		{"parameter type changed", withParams("[{name: n, in: query, schema: {type: string}}]"), withParams("[{name: n, in: query, schema: {type: integer}}]"), RequestParameterTypeChanged, ""},

		{"security requirement added", withParams("[]"), strings.Replace(withParams("[]"), "operationId: list", "operationId: list\n      security: [{bearer: []}]", 1), SecurityRequirementAdded, ""},
		{"security requirement removed", strings.Replace(withParams("[]"), "operationId: list", "operationId: list\n      security: [{bearer: []}]", 1), withParams("[]"), SecurityRequirementRemoved, SecurityRequirementAdded},
		{"security scheme swapped", strings.Replace(withParams("[]"), "operationId: list", "operationId: list\n      security: [{bearer: []}]", 1), strings.Replace(withParams("[]"), "operationId: list", "operationId: list\n      security: [{apiKey: []}]", 1), SecurityRequirementChanged, ""},
		{"operation opts out of the document's security", "security: [{bearer: []}]\n" + withParams("[]"),
			"security: [{bearer: []}]\n" + strings.Replace(withParams("[]"), "operationId: list", "operationId: list\n      security: []", 1), SecurityRequirementRemoved, SecurityRequirementChanged},
		{"optional auth alternative added", withParams("[]"), strings.Replace(withParams("[]"), "operationId: list", "operationId: list\n      security: [{bearer: []}, {}]", 1), "", SecurityRequirementAdded},

		{"operationId renamed", withParams("[]"), strings.Replace(withParams("[]"), "operationId: list", "operationId: listThings", 1), OperationIDChanged, ""},
		{"operation deprecated", withParams("[]"), strings.Replace(withParams("[]"), "operationId: list", "operationId: list\n      deprecated: true", 1), OperationDeprecated, ""},
		{"success status swapped", withParams("[]"), strings.Replace(withParams("[]"), "'200'", "'201'", 1), ResponseSuccessStatusRemoved, ""},

		{"request object closed", jsonBody(objA("")), jsonBody(objA(", additionalProperties: false")), RequestObjectClosed, ""},
		{"request object opened", jsonBody(objA(", additionalProperties: false")), jsonBody(objA("")), RequestObjectOpened, RequestObjectClosed},
		{"additionalProperties true is {}", jsonBody(objA(", additionalProperties: true")), jsonBody(objA(", additionalProperties: {}")), "", RequestObjectClosed},
		{"request map values change type", jsonBody(objA(", additionalProperties: {type: string}")), jsonBody(objA(", additionalProperties: {type: integer}")), RequestPropertyTypeChanged, RequestObjectClosed},
		{"request object gains a schema for extra fields", jsonBody(objA("")), jsonBody(objA(", additionalProperties: {type: string}")), RequestObjectClosed, ""},
		{"response object opened", okBody(objA(", additionalProperties: false")), okBody(objA("")), ResponseObjectOpened, ""},
		{"response object closed", okBody(objA("")), okBody(objA(", additionalProperties: false")), ResponseObjectClosed, ResponseObjectOpened},
		{"response map values loosened", okBody(objA(", additionalProperties: {type: string}")), okBody(objA("")), ResponseObjectOpened, ""},

		{"request not added", jsonBody(obj("a: {type: string}", "")), jsonBody(obj("a: {type: string, not: {pattern: '^x'}}", "")), RequestPropertyNotAdded, ""},
		{"request not removed", jsonBody(obj("a: {type: string, not: {pattern: '^x'}}", "")), jsonBody(obj("a: {type: string}", "")), RequestPropertyNotRemoved, RequestPropertyNotAdded},
		{"request not changed", jsonBody(obj("a: {type: string, not: {pattern: '^x'}}", "")), jsonBody(obj("a: {type: string, not: {pattern: '^y'}}", "")), RequestPropertyNotChanged, ""},
		{"request not unchanged", jsonBody(obj("a: {type: string, not: {pattern: '^x'}}", "")), jsonBody(obj("a: {type: string, not: {pattern: '^x'}}", "")), "", RequestPropertyNotChanged},
		{"request excludes one more value", jsonBody(obj("a: {type: string, not: {enum: [x]}}", "")), jsonBody(obj("a: {type: string, not: {enum: [x, y]}}", "")), RequestPropertyEnumValueRemoved, RequestPropertyNotChanged},
		{"response not removed", okBody(obj("a: {type: string, not: {pattern: '^x'}}", "a")), okBody(obj("a: {type: string}", "a")), ResponsePropertyNotRemoved, ""},
		{"response not added", okBody(obj("a: {type: string}", "a")), okBody(obj("a: {type: string, not: {pattern: '^x'}}", "a")), ResponsePropertyNotAdded, ResponsePropertyNotRemoved},
		{"response not changed", okBody(obj("a: {type: string, not: {pattern: '^x'}}", "a")), okBody(obj("a: {type: string, not: {pattern: '^y'}}", "a")), ResponsePropertyNotChanged, ""},
		{"response excludes one value fewer", okBody(obj("a: {type: string, not: {enum: [x, y]}}", "a")), okBody(obj("a: {type: string, not: {enum: [x]}}", "a")), ResponsePropertyEnumValueAdded, ResponsePropertyNotChanged},

		{"request condition added", jsonBody(condObj("")), jsonBody(condObj(cardNeedsNumber)), RequestPropertyConditionAdded, ""},
		{"request condition removed", jsonBody(condObj(cardNeedsNumber)), jsonBody(condObj("")), RequestPropertyConditionRemoved, RequestPropertyConditionAdded},
		{"request condition's if changed", jsonBody(condObj(cardNeedsNumber)), jsonBody(condObj(strings.Replace(cardNeedsNumber, "card", "bank", 1))), RequestPropertyConditionChanged, ""},
		{"request then branch compared field by field", jsonBody(condObj(cardNeedsNumber)), jsonBody(condObj(strings.Replace(cardNeedsNumber, "number: {type: string}", "number: {type: integer}", 1))), RequestPropertyTypeChanged, RequestPropertyConditionChanged},
		{"request else branch added", jsonBody(condObj(cardNeedsNumber)), jsonBody(condObj(cardNeedsNumber + ", else: {required: [iban]}")), RequestPropertyConditionAdded, ""},
		{"response condition removed", okBody(condObj(cardNeedsNumber)), okBody(condObj("")), ResponsePropertyConditionRemoved, ""},
		{"response condition added", okBody(condObj("")), okBody(condObj(cardNeedsNumber)), ResponsePropertyConditionAdded, ResponsePropertyConditionRemoved},
		{"response condition's if changed", okBody(condObj(cardNeedsNumber)), okBody(condObj(strings.Replace(cardNeedsNumber, "card", "bank", 1))), ResponsePropertyConditionChanged, ""},
		{"condition unchanged", okBody(condObj(cardNeedsNumber)), okBody(condObj(cardNeedsNumber)), "", ResponsePropertyConditionChanged},

		{"error status removed", strings.Replace(withParams("[]"), "{'200': {description: ok}}", "{'200': {description: ok}, '404': {description: nf}}", 1), withParams("[]"), ResponseStatusRemoved, ResponseSuccessStatusRemoved},
	}
}

func TestRules(t *testing.T) {
	for _, tc := range ruleCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := compareYAML(t, tc.old, tc.new)
			if tc.fires != "" && !hasRule(r, tc.fires) {
				t.Errorf("want %s, got %v", tc.fires, rulesOf(r))
			}
			if tc.quiet != "" && hasRule(r, tc.quiet) {
				t.Errorf("%s must not fire, got %v", tc.quiet, rulesOf(r))
			}
			if tc.fires == "" && tc.quiet == "" {
				t.Fatal("case asserts nothing")
			}
		})
	}
}

func TestEveryRuleHasACase(t *testing.T) {
	// Rules exercised elsewhere (deprecation, token move, oneOf in
	// requests) are listed here so a new rule without a test shows up.
	covered := map[string]bool{
		OperationRemovedAfterDeprecation: true, ResponsePropertyRemovedAfterDeprecation: true,
		TokenMovedToHeader: true, OperationAdded: true, RequestOneOfAlternativeAdded: true,
		RequestOneOfAlternativeRemoved: true, ResponseOneOfAlternativeRemoved: true,
		RequestParameterBecameOptional: true, RequestParameterEnumValueAdded: true,
		RequestBodyAddedRequired: true, RequestBodyAddedOptional: true, RequestBodyRemoved: true,
		ResponseOneOfAlternativeAddedForNewValue: true, // TestAlternativeForNewRequestValue
		ResponseStatusAdded:                      true, ResponseMediaTypeRemoved: true, ResponseBodyAdded: true,
	}
	for _, tc := range ruleCases() {
		covered[tc.fires] = true
	}
	for _, r := range Rules() {
		if !covered[r.ID] {
			t.Errorf("rule %s has no test case", r.ID)
		}
	}
}

func TestRemovalAfterDeprecationReportsAge(t *testing.T) {
	old := strings.Replace(withParams("[]"), "operationId: list", "operationId: list\n      deprecated: true", 1)
	r, err := Compare(doc(old), doc("paths: {}\n"), Options{
		OldName: "specs/2026-05-03T2218-aaaa.json", NewName: "specs/2026-06-02T0900-bbbb.json",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Findings) != 1 || r.Findings[0].Rule != OperationRemovedAfterDeprecation {
		t.Fatalf("findings: %v", rulesOf(r))
	}
	if msg := r.Findings[0].Message; !strings.Contains(msg, "30 days") {
		t.Errorf("message %q should give the deprecation age of 30 days", msg)
	}

	// Without dates it still says it was deprecated; explicit dates win.
	r, _ = Compare(doc(old), doc("paths: {}\n"), Options{})
	if msg := r.Findings[0].Message; !strings.Contains(msg, "had been deprecated") {
		t.Errorf("undated message %q", msg)
	}
	r, _ = Compare(doc(old), doc("paths: {}\n"), Options{
		OldName: "2026-05-03T2218-a.json", OldDate: time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC),
		NewDate: time.Date(2026, 5, 11, 0, 0, 0, 0, time.UTC),
	})
	if msg := r.Findings[0].Message; !strings.Contains(msg, "10 days") {
		t.Errorf("explicit dates message %q", msg)
	}

	// With history, the age counts from the first version that deprecated
	// it; a version where it was not deprecated stops the walk.
	load := func(y string) *Spec {
		s, err := Load(doc(y))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	at := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	history := []DatedSpec{
		{at("2026-04-01"), load(old)},
		{at("2026-03-01"), load(withParams("[]"))}, // not yet deprecated
		{at("2026-04-20"), load(old)},
	}
	r, _ = Compare(doc(old), doc("paths: {}\n"), Options{OldDate: at("2026-05-01"), NewDate: at("2026-06-01"), History: history})
	if msg := r.Findings[0].Message; !strings.Contains(msg, "61 days") || !strings.Contains(msg, "2026-04-01") {
		t.Errorf("history-aged message %q, want 61 days since 2026-04-01", msg)
	}

	// A response field removed after deprecation.
	oldField := okBody("{type: object, required: [a], properties: {a: {type: string}, b: {type: string, deprecated: true}}}")
	newField := okBody("{type: object, required: [a], properties: {a: {type: string}}}")
	r = compareYAML(t, oldField, newField)
	if !hasRule(r, ResponsePropertyRemovedAfterDeprecation) || hasRule(r, ResponsePropertyRemoved) {
		t.Errorf("deprecated field removal: %v", rulesOf(r))
	}
}

func TestTokenMovedToAuthorizationHeader(t *testing.T) {
	verify := func(params, required string) string {
		return fmt.Sprintf(`paths:
  /{app_slug}/v1/verify:
    post:
      parameters: %s
      requestBody:
        required: true
        content: {application/json: {schema: {type: object, required: [%s], properties: {token: {type: string}}}}}
      responses: {'200': {description: ok}}
`, params, required)
	}
	path := "{name: app_slug, in: path, required: true, schema: {type: string}}"
	header := "{name: authorization, in: header, required: true, schema: {type: string}}"
	r := compareYAML(t, verify("["+path+"]", "token"), verify("["+path+", "+header+"]", ""))
	if len(r.Failing(Error)) != 1 || r.Findings[0].Rule != TokenMovedToHeader {
		t.Fatalf("want one %s, got %v", TokenMovedToHeader, rulesOf(r))
	}
	if hasRule(r, RequestParameterAddedRequired) || hasRule(r, RequestPropertyBecameOptional) {
		t.Errorf("the move should be reported once, got %v", rulesOf(r))
	}

	// Near miss: a required header without a body token is the generic rule.
	r = compareYAML(t, withParams("[]"), withParams("["+header+"]"))
	if !hasRule(r, RequestParameterAddedRequired) || hasRule(r, TokenMovedToHeader) {
		t.Errorf("plain new header: %v", rulesOf(r))
	}
}

func TestRequestOneOfAlternatives(t *testing.T) {
	a := "{type: object, properties: {email: {type: string}}}"
	b := "{type: object, properties: {phone: {type: string}}}"
	r := compareYAML(t, jsonBody(a), jsonBody("{oneOf: ["+a+", "+b+"]}"))
	if !hasRule(r, RequestOneOfAlternativeAdded) || len(r.Failing(Error)) != 0 {
		t.Errorf("request alternative added: %v", rulesOf(r))
	}
	r = compareYAML(t, jsonBody("{oneOf: ["+a+", "+b+"]}"), jsonBody(a))
	if !hasRule(r, RequestOneOfAlternativeRemoved) {
		t.Errorf("request alternative removed: %v", rulesOf(r))
	}
	r = compareYAML(t, okBody("{oneOf: ["+a+", "+b+"]}"), okBody(a))
	if !hasRule(r, ResponseOneOfAlternativeRemoved) || len(r.Failing(Error)) != 0 {
		t.Errorf("response alternative removed: %v", rulesOf(r))
	}
}

func TestBodiesAndStatuses(t *testing.T) {
	withBody := func(required string) string {
		return strings.Replace(withParams("[]"), "      responses:", "      requestBody: {required: "+required+", content: {application/json: {schema: {type: object}}}}\n      responses:", 1)
	}
	cases := []struct {
		name, old, new, rule string
	}{
		{"required body added", withParams("[]"), withBody("true"), RequestBodyAddedRequired},
		{"optional body added", withParams("[]"), withBody("false"), RequestBodyAddedOptional},
		{"body removed", withBody("true"), withParams("[]"), RequestBodyRemoved},
		{"operation added", "paths: {}\n", withParams("[]"), OperationAdded},
		{"status added", withParams("[]"), strings.Replace(withParams("[]"), "{'200': {description: ok}}", "{'200': {description: ok}, '409': {description: c}}", 1), ResponseStatusAdded},
		{"response body documented", withParams("[]"), okBody("{type: object}"), ResponseBodyAdded},
		{"response media type removed", okBody("{type: object}"), strings.Replace(okBody("{type: object}"), "application/json", "text/plain", 1), ResponseMediaTypeRemoved},
		{"parameter became optional", withParams("[{name: q, in: query, required: true, schema: {type: string}}]"), withParams("[{name: q, in: query, schema: {type: string}}]"), RequestParameterBecameOptional},
		{"parameter enum value added", withParams("[{name: q, in: query, schema: {type: string, enum: [a]}}]"), withParams("[{name: q, in: query, schema: {type: string, enum: [a, b]}}]"), RequestParameterEnumValueAdded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := compareYAML(t, tc.old, tc.new)
			if !hasRule(r, tc.rule) {
				t.Errorf("want %s, got %v", tc.rule, rulesOf(r))
			}
		})
	}
}

// No breaking finding for edits that do not change the wire.
func TestNoFalseAlarms(t *testing.T) {
	component := `components:
  schemas:
    Thing:
      type: object
      required: [id, name]
      properties:
        id: {type: string, description: the id}
        name: {type: string}
`
	plainRef := okBody("{$ref: '#/components/schemas/Thing'}") + component
	wrappedRef := okBody("{allOf: [{$ref: '#/components/schemas/Thing'}]}") + component
	reordered := okBody("{$ref: '#/components/schemas/Thing'}") + `components:
  schemas:
    Thing:
      properties:
        name: {type: string}
        id: {description: the id, type: string}
      required: [name, id]
      type: object
`
	described := strings.Replace(plainRef, "description: the id", "description: the stable identifier, now better explained", 1)
	described = strings.Replace(described, "description: ok", "description: the things", 1)

	undeclared := `paths:
  /{app_slug}/v1/me:
    get:
      responses: {'204': {description: ok}}
`
	declared := `paths:
  /{app_slug}/v1/me:
    get:
      parameters: [{name: app_slug, in: path, required: true, schema: {type: string}}]
      responses: {'204': {description: ok}}
`
	cases := []struct{ name, old, new string }{
		{"allOf single wrapper vs plain $ref", plainRef, wrappedRef},
		{"plain $ref vs allOf single wrapper", wrappedRef, plainRef},
		{"reordered keys", plainRef, reordered},
		{"description edits", plainRef, described},
		{"undeclared path parameter now declared", undeclared, declared},
		{"identical documents", plainRef, plainRef},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := compareYAML(t, tc.old, tc.new)
			for _, f := range r.Findings {
				if f.Level > Info {
					t.Errorf("false alarm: %s %s: %s", f.Rule, f.Location, f.Message)
				}
			}
		})
	}
}

func TestRecursiveSchemasTerminate(t *testing.T) {
	node := func(extra string) string {
		return okBody("{$ref: '#/components/schemas/Node'}") + `components:
  schemas:
    Node:
      type: object
      properties:
        children: {type: array, items: {$ref: '#/components/schemas/Node'}}
` + extra
	}
	r := compareYAML(t, node("        label: {type: string}\n"), node(""))
	if !hasRule(r, ResponsePropertyRemoved) {
		t.Errorf("want the removed field found inside a recursive schema, got %v", rulesOf(r))
	}
}

func TestBadInputIsAnError(t *testing.T) {
	good := doc(withParams("[]"))
	for name, bad := range map[string][]byte{
		"empty":     nil,
		"not yaml":  []byte("{{{ not a spec"),
		"swagger 2": []byte("swagger: '2.0'\ninfo: {title: t, version: '1'}\npaths: {}\n"),
	} {
		if _, err := Compare(bad, good, Options{}); err == nil {
			t.Errorf("%s as old: want an error", name)
		}
		if _, err := Compare(good, bad, Options{}); err == nil {
			t.Errorf("%s as new: want an error", name)
		}
	}
}

func TestDateFromName(t *testing.T) {
	d, ok := DateFromName("specs/auth/2026-05-03T2218-da531587.json")
	if !ok || d != time.Date(2026, 5, 3, 22, 18, 0, 0, time.UTC) {
		t.Errorf("got %v %v", d, ok)
	}
	if _, ok := DateFromName("heimdall.json"); ok {
		t.Error("no date in heimdall.json")
	}
}
