package scenario

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/heimdall-mock/heimdall-mock/internal/server"
)

// liveMe signs up on a fresh mock and returns a real GET /me exchange.
func liveMe(t *testing.T) (*http.Request, http.Header, []byte) {
	t.Helper()
	spec := loadDefault(t)
	srv, err := server.New(server.Config{Spec: spec, Domain: true, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tgt := HandlerTarget(srv)
	_, boot, err := probeTarget(context.Background(), tgt)
	if err != nil {
		t.Fatal(err)
	}
	up, _ := http.NewRequest("POST", "/demo/v1/auth/signup", strings.NewReader(`{"email":"v@example.com","username":"val","password":"correct horse battery"}`))
	up.Header.Set("Content-Type", "application/json")
	up.Header.Set("Authorization", "Bearer "+boot["api_key"].(string))
	res, err := tgt.Do(context.Background(), up)
	if err != nil {
		t.Fatal(err)
	}
	var tokens struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&tokens); err != nil || tokens.AccessToken == "" {
		t.Fatalf("signup: %d %v", res.StatusCode, err)
	}
	me, _ := http.NewRequest("GET", "/demo/v1/me", nil)
	me.Header.Set("Authorization", "Bearer "+tokens.AccessToken)
	res, err = tgt.Do(context.Background(), me)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("me: %d %s", res.StatusCode, body)
	}
	return me, res.Header, body
}

func TestSpecValidator(t *testing.T) {
	v := NewSpecValidator(loadDefault(t).Doc)
	req, header, body := liveMe(t)
	if errs := v.ValidateResponse(req, 200, header, body); len(errs) != 0 {
		t.Fatalf("the mock's own /me breaks the spec: %v", errs)
	}
	var doc map[string]any
	_ = json.Unmarshal(body, &doc)
	doc["username"] = 42
	delete(doc, "id")
	bad, _ := json.Marshal(doc)
	errs := v.ValidateResponse(req, 200, header, bad)
	joined := strings.Join(errs, "\n")
	if !strings.Contains(joined, "response 200 body.username") || !strings.Contains(joined, "id") {
		t.Fatalf("corrupted body: %v", errs)
	}

	nest := []byte(`{"statusCode":401,"message":"no","error":"Unauthorized"}`)
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	if errs := v.ValidateResponse(req, 401, jsonHeader, nest); len(errs) != 0 {
		t.Errorf("a NestJS 401: %v", errs)
	}
	if errs := v.ValidateResponse(req, 418, jsonHeader, []byte(`{"oops":true}`)); len(errs) != 1 || !strings.Contains(errs[0], "undocumented status 418: body.statusCode must be 418") {
		t.Errorf("a non-NestJS 418: %v", errs)
	}
	if errs := v.ValidateResponse(req, 299, jsonHeader, body); len(errs) != 1 || !strings.Contains(errs[0], "status 299 is not documented for GET /{app_slug}/v1/me") {
		t.Errorf("an undocumented 2xx: %v", errs)
	}
	if errs := v.ValidateResponse(req, 200, http.Header{"Content-Type": {"text/plain"}}, []byte("hi")); len(errs) != 1 || !strings.Contains(errs[0], "text/plain") {
		t.Errorf("wrong content type: %v", errs)
	}
	head, _ := http.NewRequest("HEAD", "/demo/v1/me", nil)
	if errs := v.ValidateResponse(head, 200, header, nil); len(errs) != 0 {
		t.Errorf("a bodiless HEAD checked as its GET: %v", errs)
	}
	if errs := v.ValidateResponse(head, 299, header, nil); len(errs) != 1 {
		t.Errorf("a HEAD with an undocumented 2xx: %v", errs)
	}
	nowhere, _ := http.NewRequest("GET", "/no/such/route/at/all", nil)
	if errs := v.ValidateResponse(nowhere, 200, jsonHeader, body); len(errs) != 1 || !strings.Contains(errs[0], "matches no operation") {
		t.Errorf("unknown route: %v", errs)
	}
	if errs := NewSpecValidator(nil).ValidateResponse(req, 200, jsonHeader, body); len(errs) != 1 {
		t.Errorf("nil spec: %v", errs)
	}
	if errs := NewSpecValidator(&openapi3.T{}).ValidateResponse(head, 200, jsonHeader, nil); len(errs) != 1 || !strings.Contains(errs[0], "matches no operation") {
		t.Errorf("a spec without paths: %v", errs)
	}
}

func TestSpecValidatorRouting(t *testing.T) {
	v := NewSpecValidator(loadDefault(t).Doc).(*specValidator)
	cases := map[string]string{
		"GET /v1/apps/abc/end-users/invites":       "/v1/apps/{app_id}/end-users/invites",
		"GET /v1/apps/abc/end-users/u1":            "/v1/apps/{app_id}/end-users/{user_id}",
		"GET /demo/v1/.well-known/jwks.json":       "/{app_slug}/v1/.well-known/jwks.json",
		"POST /demo/v1/auth/signin":                "/{app_slug}/v1/auth/signin",
		"GET /v1/apps/a%2Fb/roles/analyst":         "/v1/apps/{app_id}/roles/{role_name}",
		"DELETE /demo/v1/admin/permissions/rep.rd": "/{app_slug}/v1/admin/permissions/{permission_key}",
	}
	for in, want := range cases {
		method, path, _ := strings.Cut(in, " ")
		r, params := v.find(method, path)
		if r == nil || r.template != want {
			t.Errorf("%s matched %+v, want %s", in, r, want)
		}
		if strings.Contains(path, "%2F") && params["app_id"] != "a/b" {
			t.Errorf("params %v", params)
		}
	}
	if r, _ := v.find("PUT", "/demo/v1/auth/signin"); r != nil {
		t.Errorf("wrong method matched %s", r.template)
	}

	// A server URL's path prefix is stripped before matching.
	doc := &openapi3.T{Servers: openapi3.Servers{{URL: "https://api.example.test/heimdall"}}, Paths: openapi3.NewPaths()}
	doc.Paths.Set("/v1/apps", &openapi3.PathItem{Get: &openapi3.Operation{Responses: openapi3.NewResponses()}})
	pv := NewSpecValidator(doc).(*specValidator)
	if r, _ := pv.find("GET", "/heimdall/v1/apps"); r == nil {
		t.Error("server prefix not stripped")
	}
}

func TestValidateRequest(t *testing.T) {
	v := NewSpecValidator(loadDefault(t).Doc).(RequestValidator)
	req := func(method, path, body string) *http.Request {
		r, err := http.NewRequest(method, path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	if got := v.ValidateRequest(req("POST", "/demo/v1/auth/signin", `{"identifier":"a","password":"correct horse battery"}`), []byte(`{"identifier":"a","password":"correct horse battery"}`)); len(got) != 0 {
		t.Errorf("a valid sign-in: %q", got)
	}
	got := v.ValidateRequest(req("POST", "/demo/v1/auth/signin", ""), []byte(`{"identifier":"a"}`))
	if len(got) != 1 || !strings.Contains(got[0], "password") || strings.Contains(got[0], "\n") {
		t.Errorf("a sign-in without password: want one line naming the field, got %q", got)
	}
	if got := v.ValidateRequest(req("GET", "/nowhere/at/all/x", ""), nil); len(got) != 1 || !strings.Contains(got[0], "matches no operation") {
		t.Errorf("an unknown route: %q", got)
	}
}
