package heimdall

import "github.com/heimdall-mock/heimdall-mock/internal/heimdall/operation"

// The domain speaks the operation vocabulary under its own names.
type (
	Call    = operation.Call
	Reply   = operation.Reply
	Error   = operation.Error
	Handler = operation.Handler
	Origin  = operation.Origin
)

// replyJSON is an answer with a JSON body.
func replyJSON(status int, body any) *Reply { return &Reply{Status: status, Body: body} }

// noContent is an empty answer (204 and friends).
func noContent(status int) *Reply { return &Reply{Status: status} }

// redirect is a 302/303 to location.
func redirect(status int, location string) *Reply {
	return &Reply{Status: status, Header: map[string]string{"Location": location}}
}

// refuse is the answer that refuses with e; httpapi writes it as the
// service writes its errors.
func refuse(e *Error) *Reply { return &Reply{Err: e} }
