package violation

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

const spec = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /users:
    post:
      parameters:
        - {name: limit, in: query, required: true, schema: {type: integer}}
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email, role]
              properties:
                email: {type: string, format: email}
                role: {type: string, enum: [admin, member]}
                name: {type: string, minLength: 2}
                age: {type: integer}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties:
                  id: {type: string, format: uuid}
`

func route(t *testing.T) *routers.Route {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	item := doc.Paths.Value("/users")
	return &routers.Route{Spec: doc, Path: "/users", PathItem: item, Method: "POST", Operation: item.Post}
}

func options() *openapi3filter.Options {
	return &openapi3filter.Options{MultiError: true, SchemaValidationOptions: FormatOptions()}
}

func TestRequestNamesEachFieldAndRule(t *testing.T) {
	rt := route(t)
	body := `{"email":"not-an-email","role":"owner","name":"x"}`
	req := &http.Request{Method: "POST", URL: &url.URL{Path: "/users", RawQuery: "limit=many"},
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
	err := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{Request: req, Route: rt, Options: options()})
	if err == nil {
		t.Fatal("the request is valid")
	}
	got := strings.Join(Request(err), "\n")
	for _, want := range []string{
		"query.limit: must be an integer",
		`body.email: must be a valid email (format "email")`,
		"body.role: must be one of: admin, member",
		"body.name: must be at least 2 characters",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("messages lack %q:\n%s", want, got)
		}
	}
}

func TestResponseNamesStatusFieldAndRule(t *testing.T) {
	rt := route(t)
	req := &http.Request{Method: "POST", URL: &url.URL{Path: "/users"}, Header: http.Header{}}
	err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: rt, Options: options()},
		Status:                 200,
		Header:                 http.Header{"Content-Type": {"application/json"}},
		Body:                   io.NopCloser(bytes.NewReader([]byte(`{"id":"nope"}`))),
		Options:                options(),
	})
	if err == nil {
		t.Fatal("the response is valid")
	}
	got := Response(200, err)
	if len(got) != 1 || got[0] != `response 200 body.id: must be a valid uuid (format "uuid")` {
		t.Errorf("messages = %q", got)
	}
}

// A number beyond float64 (1e400) is the library's "cannot convert
// json.Number"; the client is told what is wrong with its value instead.
func TestNumbersOutOfRangeAreWordedForTheClient(t *testing.T) {
	rt := route(t)
	body := `{"email":"a@example.com","role":"admin","name":1e400,"age":1e400}`
	req := &http.Request{Method: "POST", URL: &url.URL{Path: "/users", RawQuery: "limit=1"},
		Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader(body))}
	err := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{Request: req, Route: rt, Options: options()})
	if err == nil {
		t.Fatal("the request is valid")
	}
	got := strings.Join(Request(err), "\n")
	for _, want := range []string{"body.name: must be a string", "body.age: is too large a number"} {
		if !strings.Contains(got, want) {
			t.Errorf("messages lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "json.Number") {
		t.Errorf("a library detail leaks to the client:\n%s", got)
	}
}
