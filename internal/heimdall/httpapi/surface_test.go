package httpapi

import (
	"encoding/json"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/apierr"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/operation"
)

// TestErrorResponse: every kind of domain refusal leaves as the NestJS
// error body, with its status, code and message.
func TestErrorResponse(t *testing.T) {
	for _, c := range []struct {
		err  *operation.Error
		want string
	}{
		{&operation.Error{Status: 404, Message: "App not found"}, `{"statusCode":404,"message":"App not found","error":"Not Found"}`},
		{&operation.Error{Status: 403, Code: "app_suspended", Message: "App is suspended"}, `{"statusCode":403,"message":"App is suspended","error":"Forbidden","code":"app_suspended"}`},
		{&operation.Error{Status: 400, Messages: []string{"email must be an email"}}, `{"statusCode":400,"message":["email must be an email"],"error":"Bad Request"}`},
		{&operation.Error{Status: 400, Messages: []string{}}, `{"statusCode":400,"message":[],"error":"Bad Request"}`},
	} {
		resp := Response(&operation.Reply{Err: c.err})
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
