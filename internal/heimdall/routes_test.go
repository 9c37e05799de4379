package heimdall

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/apierr"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
)

// TestRouteTableCoversTheSpec: every operation of the newest spec (and of
// the project's own spec) has a row, every row is an operation, and an
// operation whose security or whose required Authorization header asks for
// a credential is not public in the table.
func TestRouteTableCoversTheSpec(t *testing.T) {
	own, err := os.ReadFile("../../specs/heimdall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ownSpec, err := specload.LoadData(own, "heimdall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]*router.Router{"newest": mustRouter(t, newestSpec(t)), "own": mustRouter(t, ownSpec.Doc)} {
		seen := map[string]bool{}
		for _, op := range doc.Operations() {
			seen[op.Key] = true
			rule, ok := accessByKey[op.Key]
			if !ok {
				t.Errorf("%s spec: %s %s has no row in the routes table", name, op.Method, op.Path)
				continue
			}
			if declaresCredential(op) && rule.Cred == credNone {
				t.Errorf("%s spec: %s %s asks for a credential, the table says none", name, op.Method, op.Path)
			}
		}
		if name != "newest" {
			continue
		}
		for key := range accessByKey {
			if !seen[key] {
				t.Errorf("the routes table has a row for %s, which the newest spec does not document", key)
			}
		}
	}
}

// TestRegisterBindsTheRoutesTable: Register binds exactly the rows of the
// table, so no handler is wired beside it.
func TestRegisterBindsTheRoutesTable(t *testing.T) {
	reg := router.NewRegistry()
	newHarness(t).d.Register(reg)
	var want []string
	for _, rt := range routeTable {
		want = append(want, router.Key(rt.Method, rt.Path))
	}
	got := reg.Keys()
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("registered %d operations, the table has %d rows:\n got %v\nwant %v", len(got), len(want), got, want)
	}
}

// TestErrorResponse: every kind of domain refusal leaves as the NestJS
// error body, with its status, code and message.
func TestErrorResponse(t *testing.T) {
	for _, c := range []struct {
		err  *Error
		want string
	}{
		{fail(404, "App not found"), `{"statusCode":404,"message":"App not found","error":"Not Found"}`},
		{failCode(403, "app_suspended", "App is suspended"), `{"statusCode":403,"message":"App is suspended","error":"Forbidden","code":"app_suspended"}`},
		{invalid("email must be an email"), `{"statusCode":400,"message":["email must be an email"],"error":"Bad Request"}`},
		{invalid(), `{"statusCode":400,"message":[],"error":"Bad Request"}`},
	} {
		resp := toResponse(errorResponse(c.err))
		body, err := json.Marshal(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		if resp.Status != c.err.Status || string(body) != c.want {
			t.Errorf("%v: got %d %s, want %d %s", c.err, resp.Status, body, c.err.Status, c.want)
		}
		if p := apierr.ShapeProblem(resp.Status, body); p != "" {
			t.Errorf("%v: %s", c.err, p)
		}
	}
}
