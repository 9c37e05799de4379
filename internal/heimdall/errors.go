package heimdall

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
