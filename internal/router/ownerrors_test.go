package router

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/fakedata"
	"github.com/heimdall-mock/heimdall-mock/internal/journal"
)

// problemSpec is an API that is not Heimdall: its own error schema, and
// every way OpenAPI lets an operation ask for credentials.
const problemSpec = `openapi: 3.0.3
info: {title: problems, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    basic: {type: http, scheme: basic}
    key: {type: apiKey, in: query, name: api_key}
    session: {type: apiKey, in: cookie, name: sid}
    partner: {type: apiKey, in: header, name: X-Partner}
    oauth: {type: oauth2, flows: {clientCredentials: {tokenUrl: "https://idp.example/token", scopes: {}}}}
  schemas:
    Problem:
      type: object
      additionalProperties: false
      required: [type, title, status]
      properties:
        type: {type: string, enum: ["https://errors.example/generic"]}
        title: {type: string, minLength: 1}
        status: {type: integer, minimum: 400, maximum: 599}
  responses:
    NotFound:
      description: nothing there
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}
security: [{bearer: []}]
paths:
  /widgets:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array, items: {type: string}}}}}
        "404": {$ref: "#/components/responses/NotFound"}
    post:
      security: [{basic: []}, {key: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string}}}
      responses:
        "201": {description: made}
        default:
          description: error
          content: {application/problem+json: {schema: {$ref: "#/components/schemas/Problem"}}}
  /widgets/{id}:
    get:
      security: [{session: [], partner: []}]
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: ok}
        "404": {$ref: "#/components/responses/NotFound"}
  /tokens:
    get:
      security: [{oauth: []}]
      responses:
        "200": {description: ok}
  /public:
    get:
      security: [{}]
      responses:
        "200": {description: ok}
`

func problemRouter(t *testing.T) (*Router, *journal.Journal) {
	t.Helper()
	j := journal.New(10)
	r, err := New(loadDoc(t, problemSpec), Options{Generate: fakedata.Generate, Seed: 3, ValidateRequests: true, Strict: true, Journal: j})
	if err != nil {
		t.Fatal(err)
	}
	return r, j
}

func TestCredentialsAreCheckedAsTheSecuritySchemeSays(t *testing.T) {
	r, _ := problemRouter(t)
	cases := []struct {
		name, method, target, body string
		header                     map[string]string
		want                       int
		challenge                  string
	}{
		{"bearer token", "GET", "/widgets", "", map[string]string{"Authorization": "Bearer t0k"}, 200, ""},
		{"no credentials", "GET", "/widgets", "", nil, 401, "Bearer"},
		{"basic where bearer is asked", "GET", "/widgets", "", map[string]string{"Authorization": "Basic dTpw"}, 401, "Bearer"},
		{"scheme word without a token", "GET", "/widgets", "", map[string]string{"Authorization": "Bearer "}, 401, "Bearer"},
		{"scheme word in any case", "GET", "/widgets", "", map[string]string{"Authorization": "bearer t0k"}, 200, ""},
		{"basic, one of two ways", "POST", "/widgets", `{"name":"a"}`, map[string]string{"Authorization": "Basic dTpw"}, 201, ""},
		{"query key, the other way", "POST", "/widgets?api_key=k", `{"name":"a"}`, nil, 201, ""},
		{"empty query key", "POST", "/widgets?api_key=", `{"name":"a"}`, nil, 401, "Basic"},
		{"cookie and header key together", "GET", "/widgets/1", "", map[string]string{"Cookie": "sid=s1", "X-Partner": "p"}, 200, ""},
		{"cookie without the header key", "GET", "/widgets/1", "", map[string]string{"Cookie": "sid=s1"}, 401, ""},
		{"header key without the cookie", "GET", "/widgets/1", "", map[string]string{"X-Partner": "p"}, 401, ""},
		{"oauth2 token is a bearer token", "GET", "/tokens", "", map[string]string{"Authorization": "Bearer t0k"}, 200, ""},
		{"oauth2 without a token", "GET", "/tokens", "", nil, 401, "Bearer"},
		{"optional authentication", "GET", "/public", "", nil, 200, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			if c.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for k, v := range c.header {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Code != c.want {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, c.want)
			}
			if got := w.Header().Get("WWW-Authenticate"); c.want == 401 && !strings.Contains(got, c.challenge) {
				t.Errorf("WWW-Authenticate %q, want %q", got, c.challenge)
			}
		})
	}
}

func TestRefusalsAnswerInTheSpecsOwnErrorShape(t *testing.T) {
	r, j := problemRouter(t)
	cases := []struct {
		name, method, target, body, contentType string
		want                                    int
		header                                  string // a header the answer must keep
	}{
		// Both documented responses share the NotFound component.
		{"unknown path", "GET", "/gadgets", "", "", 404, ""},
		// /widgets/{id} documents a 404 and no 405; the shape is the path's.
		{"unknown method", "DELETE", "/widgets/1", "", "", 405, "Allow"},
		{"missing credentials", "POST", "/widgets", `{"name":"a"}`, "application/json", 401, "WWW-Authenticate"},
		{"invalid body, by the default response", "POST", "/widgets?api_key=k", `{"name":1}`, "application/json", 400, ""},
		{"wrong media type", "POST", "/widgets?api_key=k", `name=a`, "application/x-www-form-urlencoded", 415, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.target, strings.NewReader(c.body))
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			w := httptest.NewRecorder()
			r.ServeHTTP(w, req)
			if w.Code != c.want {
				t.Fatalf("%d %s, want %d", w.Code, w.Body, c.want)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want the spec's application/problem+json", ct)
			}
			var p struct {
				Type   string `json:"type"`
				Title  string `json:"title"`
				Status int    `json:"status"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Type != "https://errors.example/generic" || p.Title == "" {
				t.Errorf("body %s is not the spec's Problem (%v)", w.Body, err)
			}
			if w.Header().Get(ReasonHeader) == "" {
				t.Errorf("no %s on a spec-shaped error", ReasonHeader)
			}
			if c.header != "" && w.Header().Get(c.header) == "" {
				t.Errorf("the spec's shape dropped the %s header", c.header)
			}
			e := j.List(1)[0]
			if len(e.RequestErrors) == 0 {
				t.Errorf("the journal does not say why: %+v", e)
			}
			if len(e.ResponseErrors) > 0 {
				t.Errorf("the answer breaks the spec: %q", e.ResponseErrors)
			}
		})
	}
	// GET /widgets documents neither 401 nor a default: the NestJS body,
	// which says more than nothing.
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest("GET", "/widgets", nil))
	if w.Code != 401 || !strings.Contains(w.Body.String(), `"statusCode":401`) || w.Header().Get(ReasonHeader) != "" {
		t.Errorf("undocumented 401: %d %s %v", w.Code, w.Body, w.Header())
	}
}
