package router

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/heimdall-mock/heimdall-mock/internal/fakedata"
	"github.com/heimdall-mock/heimdall-mock/internal/faults"
	"github.com/heimdall-mock/heimdall-mock/internal/journal"
)

// testSpec exercises every routing and validation rule the router has.
const testSpec = `openapi: 3.0.3
info: {title: test, version: "1"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    App:
      type: object
      required: [id, name]
      properties:
        id: {type: string, format: uuid}
        name: {type: string}
    SignupDto:
      type: object
      required: [email, password]
      properties:
        email: {type: string, format: email}
        password: {type: string, minLength: 8}
        role: {type: string, enum: [admin, member]}
        nested: {type: object, properties: {deep: {type: integer}}}
paths:
  /v1/apps:
    get:
      operationId: listApps
      security: [{bearer: []}]
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 100}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {$ref: "#/components/schemas/App"}}
  /v1/apps/me:
    get:
      operationId: myApp
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/App"}}}}
  /v1/apps/{app_id}:
    get:
      operationId: getApp
      parameters:
        - {name: app_id, in: path, required: true, schema: {type: string, format: uuid}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/App"}}}}
        "404": {description: missing}
    delete:
      operationId: deleteApp
      parameters:
        - {name: app_id, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: gone}
  /{app_slug}/v1/auth/signup:
    post:
      operationId: signup
      parameters:
        - {name: app_slug, in: path, required: true, schema: {type: string}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/SignupDto"}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema:
                type: object
                required: [token]
                properties:
                  token: {type: string}
              examples:
                alice: {value: {token: alice-token}}
                bob: {value: {token: bob-token}}
  /v1/files/{dir}/{name}:
    get:
      operationId: getFile
      parameters:
        - {name: dir, in: path, required: true, schema: {type: string}}
        - {name: name, in: path, required: true, schema: {type: string}}
      responses:
        "200": {description: ok, content: {text/plain: {example: file body}}}
  /v1/oauth/start:
    get:
      operationId: oauthStart
      responses:
        "302":
          description: to the provider
          headers:
            Location: {schema: {type: string, example: "https://idp.example/authorize"}}
        "400": {description: bad}
  /v1/echo:
    get:
      operationId: echo
      parameters:
        - {name: X-Request-Id, in: header, required: true, schema: {type: string, maxLength: 8}}
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object, properties: {ok: {type: boolean}}}}}}
`

func loadDoc(t testing.TB, src string) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

type fixture struct {
	router  *Router
	journal *journal.Journal
	faults  *faults.Registry
	reg     *Registry
}

func newFixture(t testing.TB, mutate func(*Options)) *fixture {
	t.Helper()
	f := &fixture{journal: journal.New(100), faults: faults.NewRegistry(), reg: NewRegistry()}
	opts := Options{
		Registry: f.reg, Generate: fakedata.Generate, Seed: 7, ValidateRequests: true, Strict: true,
		Journal: f.journal, Faults: f.faults,
	}
	if mutate != nil {
		mutate(&opts)
	}
	r, err := New(loadDoc(t, testSpec), opts)
	if err != nil {
		t.Fatal(err)
	}
	f.router = r
	return f
}

type call struct {
	method, path, body string
	header             map[string]string
}

func (f *fixture) do(t testing.TB, c call) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.header {
		if v == "" {
			req.Header.Del(k)
			continue
		}
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	f.router.ServeHTTP(w, req)
	return w
}

type errBody struct {
	StatusCode int    `json:"statusCode"`
	Message    any    `json:"message"`
	Error      string `json:"error"`
}

func decodeErr(t testing.TB, w *httptest.ResponseRecorder) errBody {
	t.Helper()
	var b errBody
	if err := json.Unmarshal(w.Body.Bytes(), &b); err != nil {
		t.Fatalf("body %q is not JSON: %v", w.Body.String(), err)
	}
	if b.StatusCode != w.Code || b.Error == "" {
		t.Errorf("error body %+v does not match status %d", b, w.Code)
	}
	return b
}

func messages(b errBody) []string {
	var out []string
	switch m := b.Message.(type) {
	case string:
		out = append(out, m)
	case []any:
		for _, s := range m {
			out = append(out, s.(string))
		}
	}
	return out
}

func TestRouting(t *testing.T) {
	f := newFixture(t, nil)
	cases := []struct {
		method, path string
		wantOp       string
		wantParams   []string
		known        bool
	}{
		{"GET", "/v1/apps/me", "myApp", nil, true},
		{"GET", "/v1/apps/me/", "myApp", nil, true},
		{"GET", "/v1/apps/0b7f1c1e-2a4b-4c1d-8e9f-0a1b2c3d4e5f", "getApp", []string{"0b7f1c1e-2a4b-4c1d-8e9f-0a1b2c3d4e5f"}, true},
		{"DELETE", "/v1/apps/x", "deleteApp", []string{"x"}, true},
		{"HEAD", "/v1/apps/me", "myApp", nil, true},
		{"POST", "/acme/v1/auth/signup", "signup", []string{"acme"}, true},
		{"GET", "/v1/files/a%2Fb/c%20d", "getFile", []string{"a/b", "c d"}, true},
		{"GET", "/v1/files/a/b/c", "", nil, false},
		{"PUT", "/v1/apps/me", "", nil, true},
		{"GET", "/nope", "", nil, false},
		{"GET", "/", "", nil, false},
	}
	for _, c := range cases {
		op, params, known := f.router.Match(c.method, c.path)
		gotOp := ""
		if op != nil {
			gotOp = op.OperationID
		}
		if gotOp != c.wantOp || known != c.known || strings.Join(params, "|") != strings.Join(c.wantParams, "|") {
			t.Errorf("Match(%s %s) = %q %q %v, want %q %q %v", c.method, c.path, gotOp, params, known, c.wantOp, c.wantParams, c.known)
		}
	}
	if n := len(f.router.Operations()); n != 8 {
		t.Errorf("%d operations mounted, want 8", n)
	}
}

func TestNotFoundAndMethodNotAllowed(t *testing.T) {
	f := newFixture(t, nil)
	w := f.do(t, call{method: "GET", path: "/x?a=1"})
	if w.Code != 404 {
		t.Fatalf("status %d", w.Code)
	}
	if b := decodeErr(t, w); b.Message != "Cannot GET /x?a=1" || b.Error != "Not Found" {
		t.Errorf("404 body %+v", b)
	}
	w = f.do(t, call{method: "PATCH", path: "/v1/apps/123"})
	if w.Code != 405 || w.Header().Get("Allow") != "DELETE, GET, HEAD, OPTIONS" {
		t.Errorf("405: %d Allow=%q", w.Code, w.Header().Get("Allow"))
	}
	decodeErr(t, w)
	w = f.do(t, call{method: "OPTIONS", path: "/v1/apps"})
	if w.Code != 204 || w.Header().Get("Allow") != "GET, HEAD, OPTIONS" {
		t.Errorf("OPTIONS: %d Allow=%q", w.Code, w.Header().Get("Allow"))
	}
	if f.journal.Len() != 3 {
		t.Errorf("journal has %d entries, want 3", f.journal.Len())
	}
}

func TestHeadIsGetWithoutBody(t *testing.T) {
	f := newFixture(t, nil)
	get := f.do(t, call{method: "GET", path: "/v1/apps/me"})
	head := f.do(t, call{method: "HEAD", path: "/v1/apps/me"})
	if get.Code != 200 || head.Code != 200 || head.Body.Len() != 0 || get.Body.Len() == 0 {
		t.Errorf("GET %d (%d bytes), HEAD %d (%d bytes)", get.Code, get.Body.Len(), head.Code, head.Body.Len())
	}
	if head.Header().Get("Content-Type") != get.Header().Get("Content-Type") {
		t.Error("HEAD lost the content type")
	}
}

func TestRequestValidationMessages(t *testing.T) {
	f := newFixture(t, nil)
	auth := map[string]string{"Authorization": "Bearer x"}
	cases := []struct {
		name string
		c    call
		want []string
	}{
		{"required and format", call{method: "POST", path: "/acme/v1/auth/signup", body: `{"email":"nope"}`},
			[]string{`body.email: must be a valid email (format "email")`, "body.password: is required"}},
		{"length and enum", call{method: "POST", path: "/acme/v1/auth/signup", body: `{"email":"a@b.co","password":"short","role":"owner"}`},
			[]string{"body.password: must be at least 8 characters", "body.role: must be one of: admin, member"}},
		{"nested type", call{method: "POST", path: "/acme/v1/auth/signup", body: `{"email":"a@b.co","password":"longenough","nested":{"deep":"x"}}`},
			[]string{"body.nested.deep: must be an integer"}},
		{"missing body", call{method: "POST", path: "/acme/v1/auth/signup", header: map[string]string{"Content-Type": "application/json"}},
			[]string{"body: is required"}},
		{"query type", call{method: "GET", path: "/v1/apps?limit=abc", header: auth}, []string{"query.limit: must be an integer"}},
		{"query maximum", call{method: "GET", path: "/v1/apps?limit=500", header: auth}, []string{"query.limit: must be at most 100"}},
		{"path format", call{method: "GET", path: "/v1/apps/not-a-uuid"}, []string{`path.app_id: must be a valid uuid (format "uuid")`}},
		{"header required", call{method: "GET", path: "/v1/echo"}, []string{"header.X-Request-Id: is required"}},
		{"header length", call{method: "GET", path: "/v1/echo", header: map[string]string{"X-Request-Id": "123456789"}},
			[]string{"header.X-Request-Id: must be at most 8 characters"}},
	}
	for _, c := range cases {
		w := f.do(t, c.c)
		if w.Code != 400 {
			t.Errorf("%s: status %d, body %s", c.name, w.Code, w.Body)
			continue
		}
		b := decodeErr(t, w)
		got := messages(b)
		for _, want := range c.want {
			found := false
			for _, g := range got {
				found = found || strings.HasPrefix(g, want)
			}
			if !found {
				t.Errorf("%s: messages %q lack %q", c.name, got, want)
			}
		}
		if b.Error != "Bad Request" {
			t.Errorf("%s: error %q", c.name, b.Error)
		}
	}
	if e := f.journal.List(1)[0]; len(e.RequestErrors) == 0 || e.Status != 400 {
		t.Errorf("validation failure not journaled: %+v", e)
	}
}

func TestValidationOffPassesInvalidRequests(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.ValidateRequests = false })
	w := f.do(t, call{method: "POST", path: "/acme/v1/auth/signup", body: `{"email":"nope"}`})
	if w.Code != 201 {
		t.Errorf("status %d with validation off: %s", w.Code, w.Body)
	}
}

func TestBadBodies(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.MaxBodyBytes = 1024; o.MaxJSONDepth = 8 })
	signup := "/acme/v1/auth/signup"
	deep := strings.Repeat(`{"a":`, 9) + "1" + strings.Repeat("}", 9)
	okDeep := `{"email":"a@b.co","password":"longenough","nested":` + strings.Repeat(`{"a":`, 5) + "1" + strings.Repeat("}", 6)
	cases := []struct {
		name   string
		c      call
		status int
		want   string
	}{
		{"too large", call{method: "POST", path: signup, body: `{"email":"` + strings.Repeat("a", 2000) + `"}`}, 413, "larger than 1024 bytes"},
		{"wrong type", call{method: "POST", path: signup, body: "email=a", header: map[string]string{"Content-Type": "text/plain"}}, 415, "expected application/json"},
		{"no type", call{method: "POST", path: signup, body: "{}", header: map[string]string{"Content-Type": ""}}, 415, "Content-Type none"},
		{"malformed", call{method: "POST", path: signup, body: `{"email": }`}, 400, "body: malformed JSON at offset 11"},
		{"truncated", call{method: "POST", path: signup, body: `{"email": "a`}, 400, "body: malformed JSON"},
		{"invalid utf-8", call{method: "POST", path: signup, body: "{\"email\":\"\xff\"}"}, 400, "not valid UTF-8"},
		{"too deep", call{method: "POST", path: signup, body: deep}, 400, "nested deeper than 8"},
		{"brackets in strings do not count", call{method: "POST", path: signup, body: `{"email":"a@b.co","password":"[[[[[[[[[[[[[[[[[["}`}, 201, ""},
		{"within depth", call{method: "POST", path: signup, body: okDeep}, 201, ""},
		// Express's body parser drops a UTF-8 byte-order mark, so the
		// real service takes such a body; Windows tools write one.
		{"charset utf-8", call{method: "POST", path: signup, body: `{"email":"a@b.co","password":"longenough"}`, header: map[string]string{"Content-Type": "application/json; charset=UTF-8"}}, 201, ""},
		// Express refuses a JSON charset that is no UTF with 415.
		{"charset latin1", call{method: "POST", path: signup, body: `{"email":"a@b.co","password":"longenough"}`, header: map[string]string{"Content-Type": "application/json; charset=iso-8859-1"}}, 415, "unsupported charset ISO-8859-1"},
		{"byte-order mark", call{method: "POST", path: signup, body: "\ufeff" + `{"email":"a@b.co","password":"longenough"}`}, 201, ""},
	}
	for _, c := range cases {
		w := f.do(t, c.c)
		if w.Code != c.status {
			t.Errorf("%s: status %d, want %d: %s", c.name, w.Code, c.status, w.Body)
			continue
		}
		if c.want != "" && !strings.Contains(strings.Join(messages(decodeErr(t, w)), " "), c.want) {
			t.Errorf("%s: body %s lacks %q", c.name, w.Body, c.want)
		}
	}
}

func TestHugeBodyIsNotReadUnbounded(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.MaxBodyBytes = 1 << 10 })
	endless := &countingReader{}
	req := httptest.NewRequest("POST", "/acme/v1/auth/signup", endless)
	req.ContentLength = -1 // unknown, as with chunked uploads
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	f.router.ServeHTTP(w, req)
	if w.Code != 413 {
		t.Fatalf("status %d", w.Code)
	}
	if endless.n > 2<<10 {
		t.Errorf("read %d bytes of an endless body", endless.n)
	}
}

type countingReader struct{ n int }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	c.n += len(p)
	return len(p), nil
}

func TestSecuredGeneratedOperationNeedsCredentials(t *testing.T) {
	f := newFixture(t, nil)
	if w := f.do(t, call{method: "GET", path: "/v1/apps"}); w.Code != 401 {
		t.Errorf("no Authorization: %d", w.Code)
	} else {
		decodeErr(t, w)
	}
	if w := f.do(t, call{method: "GET", path: "/v1/apps", header: map[string]string{"Authorization": "Bearer anything"}}); w.Code != 200 {
		t.Errorf("with Authorization: %d %s", w.Code, w.Body)
	}
	// A stateful handler judges credentials itself.
	f.reg.Handle("GET", "/v1/apps", func(*Request) *Response { return JSON(200, []any{}) })
	if w := f.do(t, call{method: "GET", path: "/v1/apps"}); w.Code != 200 {
		t.Errorf("stateful op without Authorization: %d", w.Code)
	}
}

func TestPrefer(t *testing.T) {
	f := newFixture(t, nil)
	signup := call{method: "POST", path: "/acme/v1/auth/signup", body: `{"email":"a@b.co","password":"longenough"}`}
	with := func(prefer string) call {
		c := signup
		c.header = map[string]string{"Prefer": prefer}
		return c
	}
	w := f.do(t, signup)
	if w.Code != 201 || !strings.Contains(w.Body.String(), "alice-token") {
		t.Errorf("default: %d %s", w.Code, w.Body)
	}
	if w := f.do(t, with("example=bob")); w.Code != 201 || !strings.Contains(w.Body.String(), "bob-token") {
		t.Errorf("example=bob: %d %s", w.Code, w.Body)
	}
	w = f.do(t, with("example=carol"))
	if w.Code != 400 || !strings.Contains(w.Body.String(), "alice, bob") {
		t.Errorf("unknown example: %d %s", w.Code, w.Body)
	}
	w = f.do(t, with("code=409"))
	if w.Code != 409 {
		t.Fatalf("code=409: %d", w.Code)
	}
	if b := decodeErr(t, w); b.Error != "Conflict" {
		t.Errorf("409 body %+v", b)
	}
	if e := f.journal.List(1)[0]; len(e.ResponseErrors) != 0 {
		t.Errorf("a requested undocumented status was counted as a violation: %v", e.ResponseErrors)
	}
	if w := f.do(t, with("respond-async, code=201,example=bob")); w.Code != 201 || !strings.Contains(w.Body.String(), "bob-token") {
		t.Errorf("combined tokens: %d %s", w.Code, w.Body)
	}
	if w := f.do(t, with("code=abc")); w.Code != 400 {
		t.Errorf("bad code: %d", w.Code)
	}
	// Prefer code short-circuits a stateful handler.
	f.reg.Handle("POST", "/{slug}/v1/auth/signup", func(*Request) *Response { return JSON(201, map[string]any{"token": "stateful"}) })
	if w := f.do(t, signup); !strings.Contains(w.Body.String(), "stateful") {
		t.Errorf("handler not used: %s", w.Body)
	}
	if w := f.do(t, with("code=409")); w.Code != 409 {
		t.Errorf("Prefer code did not short-circuit the handler: %d", w.Code)
	}
	// So does a named example: asked for, it is served, not ignored.
	if w := f.do(t, with("example=bob")); w.Code != 201 || !strings.Contains(w.Body.String(), "bob-token") {
		t.Errorf("Prefer example on a stateful route: %d %s, want the example", w.Code, w.Body)
	}
	if w := f.do(t, with("example=carol")); w.Code != 400 || !strings.Contains(w.Body.String(), "alice, bob") {
		t.Errorf("unknown example on a stateful route: %d %s, want 400 naming the examples", w.Code, w.Body)
	}
}

func TestGenerationIsDeterministicUnlessDynamic(t *testing.T) {
	get := call{method: "GET", path: "/v1/apps/me"}
	a := newFixture(t, nil).do(t, get).Body.String()
	b := newFixture(t, nil).do(t, get).Body.String()
	if a != b {
		t.Errorf("same seed, different bodies:\n%s\n%s", a, b)
	}
	other := newFixture(t, func(o *Options) { o.Seed = 8 }).do(t, get).Body.String()
	if other == a {
		t.Error("a different seed gave the same body")
	}
	f := newFixture(t, nil)
	dyn := call{method: "GET", path: "/v1/apps/me", header: map[string]string{"Prefer": "dynamic=true"}}
	seen := map[string]bool{}
	for i := 0; i < 5; i++ {
		w := f.do(t, dyn)
		if w.Code != 200 {
			t.Fatalf("dynamic: %d %s", w.Code, w.Body)
		}
		seen[w.Body.String()] = true
	}
	if len(seen) < 2 {
		t.Error("dynamic=true gave the same body every time")
	}
}

func TestNonJSONAndEmptyResponses(t *testing.T) {
	f := newFixture(t, nil)
	w := f.do(t, call{method: "GET", path: "/v1/files/a/b"})
	if w.Code != 200 || w.Body.String() != "file body" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		t.Errorf("text example: %d %q %q", w.Code, w.Body, w.Header().Get("Content-Type"))
	}
	w = f.do(t, call{method: "DELETE", path: "/v1/apps/x"})
	if w.Code != 204 || w.Body.Len() != 0 {
		t.Errorf("204: %d %q", w.Code, w.Body)
	}
}

func TestRedirectOnlyOperationAnswersItsRedirect(t *testing.T) {
	f := newFixture(t, nil)
	w := f.do(t, call{method: "GET", path: "/v1/oauth/start"})
	if w.Code != 302 || w.Header().Get("Location") != "https://idp.example/authorize" {
		t.Errorf("redirect: %d Location=%q %s", w.Code, w.Header().Get("Location"), w.Body)
	}
	if e := f.journal.List(1)[0]; len(e.ResponseErrors) != 0 {
		t.Errorf("violations: %v", e.ResponseErrors)
	}
}

func TestStatefulDispatchByKey(t *testing.T) {
	f := newFixture(t, nil)
	var got *Request
	// Registered with different parameter names than the spec uses.
	f.reg.Handle("get", "/v1/apps/{id}", func(r *Request) *Response {
		got = r
		return JSON(200, map[string]any{"id": r.Param(0), "name": "n"})
	})
	id := "0b7f1c1e-2a4b-4c1d-8e9f-0a1b2c3d4e5f"
	w := f.do(t, call{method: "GET", path: "/v1/apps/" + id})
	if w.Code != 200 || got == nil || got.Param(0) != id || got.Op.OperationID != "getApp" {
		t.Fatalf("handler not dispatched: %d %s", w.Code, w.Body)
	}
	f.reg.Handle("POST", "/{x}/v1/auth/signup", func(r *Request) *Response {
		var in struct{ Email string }
		if err := r.Decode(&in); err != nil {
			return Error(400, err.Error())
		}
		return JSON(201, map[string]any{"token": in.Email + "@" + r.Param(0)})
	})
	w = f.do(t, call{method: "POST", path: "/acme/v1/auth/signup", body: `{"email":"a@b.co","password":"longenough"}`})
	if w.Code != 201 || !strings.Contains(w.Body.String(), "a@b.co@acme") {
		t.Errorf("body not passed: %d %s", w.Code, w.Body)
	}
	if e := f.journal.List(1)[0]; e.AppSlug != "acme" || e.OperationID != "signup" || !strings.Contains(string(e.RequestBody), "a@b.co") {
		t.Errorf("journal entry %+v", e)
	}
	cov := f.router.Coverage()
	if cov.Stateful != 2 || cov.Generated != 6 || len(cov.Operations) != 8 {
		t.Errorf("coverage %+v", cov)
	}
}

func TestStrictTurnsViolationsInto500(t *testing.T) {
	bad := func(*Request) *Response { return JSON(200, map[string]any{"id": 5}) } // id must be a uuid string; name missing
	f := newFixture(t, nil)
	f.reg.Handle("GET", "/v1/apps/me", bad)
	w := f.do(t, call{method: "GET", path: "/v1/apps/me"})
	if w.Code != 500 {
		t.Fatalf("strict: %d %s", w.Code, w.Body)
	}
	msgs := strings.Join(messages(decodeErr(t, w)), "\n")
	for _, want := range []string{"response 200 body.id: must be a string", "response 200 body.name: is required"} {
		if !strings.Contains(msgs, want) {
			t.Errorf("violations %q lack %q", msgs, want)
		}
	}
	f.reg.Handle("GET", "/v1/apps/me", func(*Request) *Response { return JSON(202, map[string]any{}) })
	if w := f.do(t, call{method: "GET", path: "/v1/apps/me"}); w.Code != 500 || !strings.Contains(w.Body.String(), "202 Accepted is not documented") {
		t.Errorf("undocumented success status: %d %s", w.Code, w.Body)
	}
	// NestJS specs leave most errors out; an undocumented error in the
	// NestJS shape is what the real service sends, anything else is not.
	f.reg.Handle("GET", "/v1/apps/me", func(*Request) *Response { return ErrorCode(409, "duplicate", "taken") })
	if w := f.do(t, call{method: "GET", path: "/v1/apps/me"}); w.Code != 409 {
		t.Errorf("undocumented NestJS error: %d %s", w.Code, w.Body)
	}
	f.reg.Handle("GET", "/v1/apps/me", func(*Request) *Response { return JSON(418, map[string]any{"oops": true}) })
	if w := f.do(t, call{method: "GET", path: "/v1/apps/me"}); w.Code != 500 || !strings.Contains(w.Body.String(), "undocumented status 418 I'm a teapot: body.statusCode must be 418") {
		t.Errorf("undocumented error in another shape: %d %s", w.Code, w.Body)
	}

	lax := newFixture(t, func(o *Options) { o.Strict = false })
	lax.reg.Handle("GET", "/v1/apps/me", bad)
	if w := lax.do(t, call{method: "GET", path: "/v1/apps/me"}); w.Code != 200 {
		t.Errorf("non-strict: %d", w.Code)
	}
	if e := lax.journal.List(1)[0]; len(e.ResponseErrors) < 2 {
		t.Errorf("violations not journaled: %+v", e.ResponseErrors)
	}
}

func TestPanicRecovery(t *testing.T) {
	f := newFixture(t, nil)
	f.reg.Handle("GET", "/v1/apps/me", func(*Request) *Response { panic("boom") })
	w := f.do(t, call{method: "GET", path: "/v1/apps/me"})
	if w.Code != 500 {
		t.Fatalf("status %d", w.Code)
	}
	decodeErr(t, w)
	if e := f.journal.List(1)[0]; !strings.Contains(strings.Join(e.ResponseErrors, " "), "boom") {
		t.Errorf("panic not journaled: %+v", e)
	}
	f.reg.Handle("GET", "/v1/apps/me", func(*Request) *Response { return nil })
	if w := f.do(t, call{method: "GET", path: "/v1/apps/me"}); w.Code != 500 {
		t.Errorf("nil response: %d", w.Code)
	}
	// The router still serves afterwards.
	if w := f.do(t, call{method: "GET", path: "/v1/apps/x", header: map[string]string{}}); w.Code != 400 {
		t.Errorf("after panic: %d", w.Code)
	}
}

func TestFaults(t *testing.T) {
	f := newFixture(t, nil)
	add := func(flt faults.Fault) {
		t.Helper()
		if _, err := f.faults.Add(flt); err != nil {
			t.Fatal(err)
		}
	}
	add(faults.Fault{OperationID: "myApp", Status: 503, Times: 2})
	for i := 0; i < 2; i++ {
		w := f.do(t, call{method: "GET", path: "/v1/apps/me"})
		if w.Code != 503 {
			t.Fatalf("fault %d: %d", i, w.Code)
		}
		if b := decodeErr(t, w); b.Error != "Service Unavailable" {
			t.Errorf("fault body %+v", b)
		}
	}
	if w := f.do(t, call{method: "GET", path: "/v1/apps/me"}); w.Code != 200 {
		t.Errorf("after times ran out: %d", w.Code)
	}

	add(faults.Fault{Method: "GET", Path: "/v1/apps/{app_id}", Status: 429, Body: json.RawMessage(`{"retry":true}`)})
	w := f.do(t, call{method: "GET", path: "/v1/apps/anything"})
	if w.Code != 429 || w.Body.String() != `{"retry":true}` {
		t.Errorf("custom body: %d %s", w.Code, w.Body)
	}
	if e := f.journal.List(1)[0]; e.Status != 429 || len(e.ResponseErrors) != 0 {
		t.Errorf("fault status counted as violation: %+v", e)
	}
	f.faults.Clear()

	add(faults.Fault{Method: "GET", Path: "/v1/apps/me", DelayMS: 30})
	start := time.Now()
	if w := f.do(t, call{method: "GET", path: "/v1/apps/me"}); w.Code != 200 {
		t.Errorf("delayed: %d", w.Code)
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("delay not applied: %v", d)
	}
	f.faults.Clear()

	add(faults.Fault{OperationID: "myApp", DelayMS: 60000})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	req := httptest.NewRequest("GET", "/v1/apps/me", nil).WithContext(ctx)
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { f.router.ServeHTTP(rec, req); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("cancelled request still waiting out the delay")
	}
	if e := f.journal.List(1)[0]; e.Status != StatusClientClosed {
		t.Errorf("cancelled request journaled as %d", e.Status)
	}
}

func TestDropConnection(t *testing.T) {
	f := newFixture(t, nil)
	if _, err := f.faults.Add(faults.Fault{OperationID: "myApp", DropConnection: true, Times: 1}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.router)
	defer srv.Close()
	resp, err := srv.Client().Get(srv.URL + "/v1/apps/me")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("dropped connection answered %d", resp.StatusCode)
	}
	resp, err = srv.Client().Get(srv.URL + "/v1/apps/me")
	if err != nil {
		t.Fatalf("after the drop: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("after the drop: %d", resp.StatusCode)
	}
	if e := f.journal.List(2)[1]; !strings.Contains(strings.Join(e.ResponseErrors, ""), "dropped") {
		t.Errorf("drop not journaled: %+v", e)
	}
}

func TestLogLinePerRequest(t *testing.T) {
	var buf bytes.Buffer
	f := newFixture(t, func(o *Options) { o.Logger = slogJSON(&buf) })
	f.do(t, call{method: "GET", path: "/v1/apps/me"})
	f.do(t, call{method: "GET", path: "/missing"})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d log lines: %s", len(lines), buf.String())
	}
	for _, want := range []string{`"operation":"myApp"`, `"status":200`, `"method":"GET"`, `"duration_ms":`, `"violations":[]`} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("log line %s lacks %s", lines[0], want)
		}
	}
	// Milliseconds like the journal's field, not the nanoseconds a JSON
	// handler writes for a time.Duration.
	var line struct {
		DurationMS float64 `json:"duration_ms"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &line); err != nil || line.DurationMS <= 0 || line.DurationMS > 10000 {
		t.Errorf("duration_ms = %v (%v) in %s", line.DurationMS, err, lines[0])
	}
}

func TestLogLineHidesSecretsInPathAndQuery(t *testing.T) {
	var buf bytes.Buffer
	f := newFixture(t, func(o *Options) { o.Logger = slogJSON(&buf) })
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLXNlY3JldA"
	f.do(t, call{method: "GET", path: "/v1/apps/me?code=481516&access_token=opaque-secret&page=2"})
	f.do(t, call{method: "GET", path: "/missing/" + jwt + "/pcft_live_0123456789abcdef0123?token=t0ken-value"})
	out := buf.String()
	for _, secret := range []string{"481516", "opaque-secret", "c2lnbmF0dXJlLXNlY3JldA", "pcft_live_0123456789abcdef0123", "t0ken-value"} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds %q:\n%s", secret, out)
		}
	}
	// What a reader debugs with stays: the route, harmless parameters, the
	// token's claims.
	for _, want := range []string{`"path":"/v1/apps/me"`, "page=2", "eyJzdWIiOiJhZGEifQ", `"path":"/missing/`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s:\n%s", want, out)
		}
	}
	for _, e := range f.journal.List(2) {
		if strings.Contains(e.Path+e.Query, "c2lnbmF0dXJlLXNlY3JldA") || strings.Contains(e.Path+e.Query, "pcft_live_0123456789abcdef0123") {
			t.Errorf("journal entry holds a secret: %s?%s", e.Path, e.Query)
		}
	}
}

func TestNewRejectsNilDoc(t *testing.T) {
	if _, err := New(nil, Options{}); err == nil {
		t.Error("nil document accepted")
	}
}

const exampleSpec = `openapi: 3.0.3
info: {title: examples, version: "1"}
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema:
                type: object
                required: [id, name]
                properties:
                  id: {type: string, format: uuid}
                  name: {type: string}
              example: {id: 6a2f41a3-c54c-4c6b-a2c5-3d6c1f1e7a10, name: Tom}
  /broken:
    get:
      operationId: broken
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: object, required: [id], properties: {id: {type: integer}}}
              examples:
                wrong: {value: {id: not-a-number}}
`

func newExampleRouter(t *testing.T) *Router {
	t.Helper()
	r, err := New(loadDoc(t, exampleSpec), Options{Generate: fakedata.Generate, Seed: 7, ValidateRequests: true, Strict: true, Journal: journal.New(10)})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func get(r *Router, path, prefer string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", path, nil)
	if prefer != "" {
		req.Header.Set("Prefer", prefer)
	}
	w := httptest.NewRecorder()
	r.ServeHTTP(w, req)
	return w
}

// Prism's convention: dynamic=true asks for data generated from the
// schema, also where the spec has an example.
func TestPreferDynamicGeneratesPastTheExample(t *testing.T) {
	r := newExampleRouter(t)
	if w := get(r, "/pets/1", ""); w.Code != 200 || !strings.Contains(w.Body.String(), `"name":"Tom"`) {
		t.Fatalf("without Prefer the example is served: %d %s", w.Code, w.Body)
	}
	seen := map[string]bool{}
	for i := 0; i < 5; i++ {
		w := get(r, "/pets/1", "dynamic=true")
		if w.Code != 200 {
			t.Fatalf("dynamic: %d %s", w.Code, w.Body)
		}
		seen[w.Body.String()] = true
	}
	if len(seen) < 2 || seen[get(r, "/pets/1", "").Body.String()] {
		t.Errorf("dynamic=true served the example or the same body each time: %v", seen)
	}
}

// An example that breaks its own schema is a spec defect, listed at load.
// Served as the default answer it would make the mock break the spec (a
// 500 in strict mode), so generated data stands in; asked for by name, it
// is served as written, violation and all.
func TestAnInvalidExampleGivesWayToGeneratedData(t *testing.T) {
	r := newExampleRouter(t)
	w := get(r, "/broken", "")
	var body struct{ ID any }
	if err := json.Unmarshal(w.Body.Bytes(), &body); w.Code != 200 || err != nil {
		t.Fatalf("default answer: %d %s", w.Code, w.Body)
	}
	if _, isNumber := body.ID.(float64); !isNumber {
		t.Errorf("id = %#v, want a generated integer", body.ID)
	}
	if w := get(r, "/broken", "example=wrong"); w.Code != 500 || !strings.Contains(w.Body.String(), "body.id") {
		t.Errorf("the named example in strict mode: %d %s, want the violation as a 500", w.Code, w.Body)
	}
}

// Express inflates gzip and deflate bodies and refuses other encodings
// with 415; a client that compresses its uploads must see the same here,
// and a small compressed body must not inflate past the size limit.
func TestCompressedBodies(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.MaxBodyBytes = 1024 })
	gz := func(s string) string {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write([]byte(s))
		_ = zw.Close()
		return buf.String()
	}
	deflate := func(s string) string {
		var buf bytes.Buffer
		zw := zlib.NewWriter(&buf)
		_, _ = zw.Write([]byte(s))
		_ = zw.Close()
		return buf.String()
	}
	signup := "/acme/v1/auth/signup"
	good := `{"email":"a@b.co","password":"longenough"}`
	bomb := `{"email":"` + strings.Repeat("a", 5000) + `"}`
	cases := []struct {
		name, body, encoding string
		status               int
		want                 string
	}{
		{"gzip", gz(good), "gzip", 201, ""},
		{"deflate", deflate(good), "deflate", 201, ""},
		{"identity", good, "identity", 201, ""},
		{"inflates past the limit", gz(bomb), "gzip", 413, "larger than 1024 bytes"},
		{"not gzip at all", good, "gzip", 400, "gzip"},
		{"unknown encoding", good, "br", 415, "unsupported content encoding br"},
	}
	for _, c := range cases {
		w := f.do(t, call{method: "POST", path: signup, body: c.body, header: map[string]string{"Content-Encoding": c.encoding}})
		if w.Code != c.status || !strings.Contains(w.Body.String(), c.want) {
			t.Errorf("%s: %d %s, want %d with %q", c.name, w.Code, w.Body, c.status, c.want)
		}
	}
}

// An answer already validated is not validated again, but the verdict
// follows the bytes: the same broken answer fails every time, and a
// handler that starts answering differently is judged afresh.
func TestStrictHoldsForRepeatedStatefulAnswers(t *testing.T) {
	f := newFixture(t, nil)
	body := map[string]any{"id": "3f1c8a52-6a0e-4c55-9d4f-0b8e7c1d2a90", "name": "one"}
	f.reg.Handle("GET", "/v1/apps/me", func(*Request) *Response { return JSON(200, body) })
	for i := range 3 {
		if w := f.do(t, call{method: "GET", path: "/v1/apps/me"}); w.Code != 200 {
			t.Fatalf("valid answer, call %d: %d %s", i, w.Code, w.Body)
		}
	}
	body = map[string]any{"id": 5, "name": "one"}
	for i := range 3 {
		if w := f.do(t, call{method: "GET", path: "/v1/apps/me"}); w.Code != 500 || !strings.Contains(w.Body.String(), "body.id: must be a string") {
			t.Fatalf("broken answer, call %d: %d %s", i, w.Code, w.Body)
		}
	}
	if e := f.journal.List(1)[0]; len(e.ResponseErrors) == 0 {
		t.Error("a remembered verdict must still be journaled")
	}
}

func TestJournalMarksAnswersChosenByAFaultOrPrefer(t *testing.T) {
	f := newFixture(t, nil)
	added, err := f.faults.Add(faults.Fault{OperationID: "myApp", Status: 503, Times: 1})
	if err != nil {
		t.Fatal(err)
	}
	f.do(t, call{method: "GET", path: "/v1/apps/me"})
	if e := f.journal.List(1)[0]; e.AnsweredBy != "fault" || e.FaultID != added.ID {
		t.Errorf("faulted answer journaled as %q %q", e.AnsweredBy, e.FaultID)
	}
	f.do(t, call{method: "GET", path: "/v1/apps/me", header: map[string]string{"Prefer": "dynamic=true"}})
	if e := f.journal.List(1)[0]; e.AnsweredBy != "prefer" || e.FaultID != "" {
		t.Errorf("Prefer answer journaled as %q %q", e.AnsweredBy, e.FaultID)
	}
	f.do(t, call{method: "GET", path: "/v1/apps/me"})
	if e := f.journal.List(1)[0]; e.AnsweredBy != "" {
		t.Errorf("plain answer journaled as %q", e.AnsweredBy)
	}
}

// TestGuardRunsBeforeValidation: the registry's guard judges a stateful
// request before its body is validated, as an authentication guard runs
// before a validation pipe; what it lets through is validated, and what
// it puts in the context reaches the handler. Answers chosen by Prefer
// never reach the handler, so they skip the guard too.
func TestGuardRunsBeforeValidation(t *testing.T) {
	f := newFixture(t, nil)
	type who struct{}
	f.reg.Guard(func(r *Request) *Response {
		if r.Header("X-Key") != "good" {
			return Error(401, "Invalid API key")
		}
		r.HTTP = r.HTTP.WithContext(context.WithValue(r.HTTP.Context(), who{}, "caller-1"))
		return nil
	})
	f.reg.Handle("POST", "/{slug}/v1/auth/signup", func(r *Request) *Response {
		caller, _ := r.HTTP.Context().Value(who{}).(string)
		return JSON(201, map[string]any{"token": caller})
	})
	bad := `{"email":"not-an-email","password":"short"}`
	w := f.do(t, call{method: "POST", path: "/acme/v1/auth/signup", body: bad})
	if w.Code != 401 || !strings.Contains(w.Body.String(), "Invalid API key") {
		t.Errorf("bad credential, bad body → %d %s, want the guard's 401", w.Code, w.Body)
	}
	w = f.do(t, call{method: "POST", path: "/acme/v1/auth/signup", body: bad, header: map[string]string{"X-Key": "good"}})
	if w.Code != 400 {
		t.Errorf("good credential, bad body → %d %s, want 400", w.Code, w.Body)
	}
	w = f.do(t, call{method: "POST", path: "/acme/v1/auth/signup", body: `{"email":"a@b.co","password":"longenough"}`, header: map[string]string{"X-Key": "good"}})
	if w.Code != 201 || !strings.Contains(w.Body.String(), "caller-1") {
		t.Errorf("good credential, good body → %d %s, want 201 with the guard's caller", w.Code, w.Body)
	}
	w = f.do(t, call{method: "POST", path: "/acme/v1/auth/signup", body: `{"email":"a@b.co","password":"longenough"}`, header: map[string]string{"Prefer": "example=bob"}})
	if w.Code != 201 || !strings.Contains(w.Body.String(), "bob-token") {
		t.Errorf("Prefer → %d %s, want the spec's example", w.Code, w.Body)
	}
	// Generated operations keep their own order: a secured one without
	// any credential is a 401 before validation; the guard is not asked.
	w = f.do(t, call{method: "GET", path: "/v1/apps?limit=1000"})
	if w.Code != 401 {
		t.Errorf("generated secured op without credentials → %d %s", w.Code, w.Body)
	}
	if resp, ok := f.reg.Serve(Key("POST", "/{x}/v1/auth/signup"), &Request{HTTP: httptest.NewRequest("POST", "/acme/v1/auth/signup", nil)}); !ok || resp.Status != 401 {
		t.Errorf("Serve runs the guard first: %v %v", ok, resp)
	}
}
