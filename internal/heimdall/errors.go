package heimdall

import "strconv"

// Error is a refusal of the domain, in the terms the real service answers
// with: the HTTP status, the machine-readable code some refusals carry
// (the 409 family, token reasons, app states) and the message. Messages,
// when set, is the list of broken input rules a 400 carries instead of
// one message. Domain code returns it; the HTTP surface alone turns it
// into the NestJS error body (errorResponse).
type Error struct {
	Status   int
	Code     string
	Message  string
	Messages []string
}

func (e *Error) Error() string {
	msg := e.Message
	if len(e.Messages) > 0 {
		msg = e.Messages[0]
		if n := len(e.Messages) - 1; n > 0 {
			msg += " (and " + strconv.Itoa(n) + " more)"
		}
	}
	if e.Code != "" {
		return strconv.Itoa(e.Status) + " " + e.Code + ": " + msg
	}
	return strconv.Itoa(e.Status) + ": " + msg
}

// fail is a refusal without a code.
func fail(status int, message string) *Error { return &Error{Status: status, Message: message} }

// failCode is a refusal carrying a machine-readable code.
func failCode(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// invalid is the 400 for broken input rules, one message per rule.
func invalid(messages ...string) *Error {
	if messages == nil {
		messages = []string{}
	}
	return &Error{Status: 400, Messages: messages}
}
