// Package apierr builds error bodies shaped like the real Heimdall service's,
// which is a NestJS app: {"statusCode":N,"message":...,"error":"<reason>"}
// plus "code" where the API names one. Clients (the official SDKs among them)
// branch on these fields, so every error the mock sends goes through here.
package apierr

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Body is the NestJS error shape. Message is a string, or a []string for
// validation failures (class-validator style: one entry per broken rule).
type Body struct {
	StatusCode int    `json:"statusCode"`
	Message    any    `json:"message"`
	Error      string `json:"error"`
	Code       string `json:"code,omitempty"`
}

// New returns the body for status with a single message.
func New(status int, message string) Body {
	return Body{StatusCode: status, Message: message, Error: Reason(status)}
}

// WithCode returns the body for status with a machine-readable code, as the
// 409 family (link_required, account_exists_with_different_provider, ...) has.
func WithCode(status int, code, message string) Body {
	b := New(status, message)
	b.Code = code
	return b
}

// Validation returns the 400 body for a list of broken rules.
func Validation(messages []string) Body {
	if messages == nil {
		messages = []string{}
	}
	return Body{StatusCode: http.StatusBadRequest, Message: messages, Error: Reason(http.StatusBadRequest)}
}

// Reason is NestJS's "error" text for a status: the HTTP reason phrase,
// with NestJS's spelling where it differs.
func Reason(status int) string {
	switch status {
	case http.StatusRequestEntityTooLarge:
		return "Payload Too Large"
	case http.StatusUnprocessableEntity:
		return "Unprocessable Entity"
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Error"
}

// ShapeProblem says what keeps body from being the NestJS error object for
// status ({"statusCode":status,"message":string|[]string,"error":string,
// "code"?:string}), or "" when it is one. NestJS specs leave most errors
// undocumented, so this shape is what an undocumented error is held to.
func ShapeProblem(status int, body []byte) string {
	var e struct {
		StatusCode *int            `json:"statusCode"`
		Message    json.RawMessage `json:"message"`
		Error      *string         `json:"error"`
		Code       any             `json:"code"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return "the body must be the NestJS error object: " + err.Error()
	}
	switch {
	case e.StatusCode == nil || *e.StatusCode != status:
		return fmt.Sprintf("body.statusCode must be %d", status)
	case e.Error == nil:
		return "body.error is required"
	case len(e.Message) == 0:
		return "body.message is required"
	}
	if _, ok := e.Code.(string); e.Code != nil && !ok {
		return "body.code must be a string"
	}
	var one string
	var many []string
	if json.Unmarshal(e.Message, &one) != nil && json.Unmarshal(e.Message, &many) != nil {
		return "body.message must be a string or an array of strings"
	}
	return ""
}
