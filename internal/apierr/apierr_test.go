package apierr

import (
	"encoding/json"
	"testing"
)

func TestShapeProblem(t *testing.T) {
	good, _ := json.Marshal(WithCode(409, "link_required", "sign in first"))
	if p := ShapeProblem(409, good); p != "" {
		t.Errorf("a body from WithCode is refused: %s", p)
	}
	valid, _ := json.Marshal(Validation([]string{"body.email: is required"}))
	if p := ShapeProblem(400, valid); p != "" {
		t.Errorf("a validation body is refused: %s", p)
	}
	for body, want := range map[string]string{
		`{"statusCode":409,"message":"x","error":"Conflict"}`:          "",
		`{"statusCode":400,"message":"x","error":"Bad Request"}`:       "body.statusCode must be 409",
		`{"statusCode":409,"message":"x"}`:                             "body.error is required",
		`{"statusCode":409,"error":"Conflict"}`:                        "body.message is required",
		`{"statusCode":409,"message":5,"error":"Conflict"}`:            "body.message must be a string or an array of strings",
		`{"statusCode":409,"message":"x","error":"Conflict","code":7}`: "body.code must be a string",
		`not json`: "the body must be the NestJS error object: invalid character 'o' in literal null (expecting 'u')",
	} {
		if got := ShapeProblem(409, []byte(body)); got != want {
			t.Errorf("ShapeProblem(%s) = %q, want %q", body, got, want)
		}
	}
}
