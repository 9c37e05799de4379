// Package apierr builds error bodies shaped like the real Heimdall service's,
// which is a NestJS app: {"statusCode":N,"message":...,"error":"<reason>"}
// plus "code" where the API names one. Clients (the official SDKs among them)
// branch on these fields, so every error the mock sends goes through here.
package apierr

import "net/http"

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
