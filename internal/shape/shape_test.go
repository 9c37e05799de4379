package shape

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/heimdall-mock/heimdall-mock/internal/fakedata"
)

// The domain's dialect: the spec its handlers are written for.
const domainYAML = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /{app_slug}/v1/auth/signin:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [identifier]
              properties: {identifier: {type: string}, display_name: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                oneOf:
                - $ref: '#/components/schemas/Tokens'
                - $ref: '#/components/schemas/Challenge'
  /v1/apps:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  data:
                    type: array
                    items: {type: object, required: [id], properties: {id: {type: string}, legacy: {type: string}}}
components:
  schemas:
    Tokens:
      type: object
      required: [access_token, token_type]
      properties: {access_token: {type: string}, token_type: {type: string}}
    Challenge:
      type: object
      required: [mfa_token]
      properties: {mfa_token: {type: string}}
`

// The loaded spec: the same API a release later.
const loadedYAML = `openapi: 3.0.3
info: {title: t, version: "2"}
paths:
  /{appSlug}/v1/auth/signin:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [identifier]
              properties: {identifier: {type: string}, displayName: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                oneOf:
                - $ref: '#/components/schemas/Tokens'
                - $ref: '#/components/schemas/Challenge'
  /v1/apps:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  data:
                    type: array
                    items:
                      type: object
                      additionalProperties: false
                      required: [id, role_id, owner]
                      properties:
                        id: {type: string}
                        role_id: {type: string, format: uuid}
                        owner:
                          type: object
                          required: [id, kind]
                          properties: {id: {type: string, format: uuid}, kind: {type: string, enum: [user, team]}}
components:
  schemas:
    Tokens:
      type: object
      additionalProperties: false
      required: [accessToken]
      properties: {accessToken: {type: string}}
    Challenge:
      type: object
      required: [mfa_token]
      properties: {mfa_token: {type: string}}
`

func load(t testing.TB, src string) Spec {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return Spec{Doc: doc, Raw: []byte(src)}
}

func newShaper(t testing.TB, seed int64) *Shaper {
	return New(load(t, domainYAML), load(t, loadedYAML), Options{Generate: fakedata.Generate, Seed: seed})
}

func TestTokensAreRenamedAndTheClosedObjectPruned(t *testing.T) {
	op := newShaper(t, 1).For("POST", "/{appSlug}/v1/auth/signin")
	out, changes := op.Response(200, []byte(`{"access_token":"eyJ.x.y","token_type":"Bearer"}`))
	if string(out) != `{"accessToken":"eyJ.x.y"}` {
		t.Errorf("body = %s", out)
	}
	want := []string{"response 200: access_token renamed to accessToken", "response 200: token_type dropped (the object is closed)"}
	if !slices.Equal(changes, want) {
		t.Errorf("changes = %q", changes)
	}
	// The other alternative of the oneOf passes as it was written.
	out, changes = op.Response(200, []byte(`{"mfa_token":"m"}`))
	if string(out) != `{"mfa_token":"m"}` || changes != nil {
		t.Errorf("challenge = %s %q", out, changes)
	}
}

func TestRequestRenamesRunInReverse(t *testing.T) {
	op := newShaper(t, 1).For("POST", "/{app_slug}/v1/auth/signin")
	out, changes := op.Request([]byte(`{"identifier":"ada","displayName":"Ada"}`))
	if string(out) != `{"display_name":"Ada","identifier":"ada"}` {
		t.Errorf("body = %s", out)
	}
	if len(changes) != 1 || changes[0] != "request body: displayName renamed to display_name" {
		t.Errorf("changes = %q", changes)
	}
}

func TestRequiredFieldsAreFilledInEveryItemAndAreStableForASeed(t *testing.T) {
	body := []byte(`{"data":[{"id":"a","legacy":"x"},{"id":"b"}]}`)
	out1, changes := newShaper(t, 7).For("GET", "/v1/apps").Response(200, body)
	out2, _ := newShaper(t, 7).For("GET", "/v1/apps").Response(200, body)
	out3, _ := newShaper(t, 8).For("GET", "/v1/apps").Response(200, body)
	if string(out1) != string(out2) {
		t.Errorf("one seed, two answers:\n%s\n%s", out1, out2)
	}
	if string(out1) == string(out3) {
		t.Errorf("another seed gave the same fills: %s", out1)
	}
	var got struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.Unmarshal(out1, &got); err != nil {
		t.Fatal(err)
	}
	for _, item := range got.Data {
		owner, _ := item["owner"].(map[string]any)
		if item["role_id"] == nil || owner["id"] == nil || (owner["kind"] != "user" && owner["kind"] != "team") || item["legacy"] != nil {
			t.Errorf("item = %v", item)
		}
	}
	if len(changes) != 3 {
		t.Errorf("changes = %q (one each for legacy, role_id, owner across both items)", changes)
	}
}

func TestTheDomainsOwnSpecNeedsNoPlans(t *testing.T) {
	s := New(load(t, domainYAML), load(t, domainYAML), Options{})
	if a := s.Adaptations(); len(a) != 0 || s.For("GET", "/v1/apps") != nil {
		t.Errorf("adaptations = %v", a)
	}
	// The same shapes in other bytes (JSON, reordered) plan nothing either.
	other := load(t, strings.Replace(domainYAML, `version: "1"`, `version: "1.0.1"`, 1))
	if a := New(load(t, domainYAML), other, Options{}).Adaptations(); len(a) != 0 {
		t.Errorf("adaptations = %v", a)
	}
}

func TestAdaptationsListThePlan(t *testing.T) {
	a := newShaper(t, 1).Adaptations()
	if len(a) != 2 || a[0].Path != "/v1/apps" || a[1].Path != "/{appSlug}/v1/auth/signin" {
		t.Fatalf("adaptations = %+v", a)
	}
	all := strings.Join(append(a[0].Changes, a[1].Changes...), "\n")
	for _, want := range []string{
		"response 200: data[].role_id filled from its schema (the domain has no such field)",
		"response 200: data[].legacy dropped: the object is closed and no longer has it",
		"request body: displayName renamed to display_name",
		"response 200: access_token renamed to accessToken",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing %q in\n%s", want, all)
		}
	}
}
