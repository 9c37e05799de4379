package heimdall

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/clock"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/httpapi"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
)

// TestHandlersDefendThemselves calls every handler directly, as a router
// with request validation off would, with malformed and mistyped bodies and
// odd parameters: none may panic or answer 5xx.
func TestHandlersDefendThemselves(t *testing.T) {
	d := New(Options{Clock: clock.NewAt(time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)), Pool: testPool()})
	reg := router.NewRegistry()
	httpapi.Bind(reg, d.Routes(), d.Guard)
	bodies := []string{``, `null`, `[]`, `{`, `"str"`, `{"x":1}`, `{"email":5,"phone":[],"identifier":{},"password":1}`,
		`{"selection":{"mode":"ids","ids":["a"]},"status":"nope","role_name":7}`, `{"checks":[{"permissions":[1]}]}`,
		`{"code":"000000","new_password":"x","refresh_token":"", "permissions":null}`}
	params := [][]string{{"demo", "x", "y"}, {"__hidden", "", ""}, {"ghost", "x", "y"}, {BootstrapAppID, "member", "report.read"}}
	auths := []string{"", BootstrapAPIKey, "not.a.jwt"}
	keys := reg.Keys()
	if len(keys) < 80 {
		t.Fatalf("only %d handlers registered", len(keys))
	}
	for _, key := range keys {
		d.Reset() // a DELETE of the demo app must not starve later handlers
		method, path, _ := strings.Cut(key, " ")
		op := &router.Operation{Method: method, Path: path, Key: key}
		for _, body := range bodies {
			for _, ps := range params {
				for _, auth := range auths {
					name := fmt.Sprintf("%s body=%q params=%q auth=%q", key, body, ps, auth)
					req := httptest.NewRequest(method, "http://mock.test"+strings.ReplaceAll(path, "{}", "x"), strings.NewReader(body))
					if auth != "" {
						req.Header.Set("Authorization", "Bearer "+auth)
					}
					resp := safeServe(reg, key, &router.Request{HTTP: req, Op: op, Params: ps, Body: []byte(body)})
					switch {
					case resp == nil:
						t.Fatalf("%s: panicked or returned nil", name)
					case resp.Status >= 500:
						t.Fatalf("%s: %d %v", name, resp.Status, resp.Body)
					}
				}
			}
		}
	}
}

func safeServe(reg *router.Registry, key string, r *router.Request) (resp *router.Response) {
	defer func() {
		if p := recover(); p != nil {
			resp = nil
		}
	}()
	resp, _ = reg.Serve(key, r)
	return resp
}
