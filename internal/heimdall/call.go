package heimdall

import (
	"encoding/json"
	"fmt"
	"net/textproto"
	"net/url"
	"strings"
)

// Call is one operation's request as the domain reads it. The HTTP surface
// fills it after routing, validation and authentication, so the domain
// never sees net/http: path parameters come by position (their names
// change between spec versions), credentials already parsed, and where the
// request reached the mock as an Origin.
type Call struct {
	// Operation is the router.Key of the operation (method and template
	// with parameter names blanked): what the access rule is looked up by.
	Operation string
	Params    []string
	Values    url.Values           // the query
	Headers   textproto.MIMEHeader // canonical keys
	Body      []byte               // raw, already size-limited
	Origin    Origin
	ClientIP  string // X-Forwarded-For when a proxy set it, else the peer
	UserAgent string
	// BasicID and BasicSecret are the HTTP Basic credentials, when
	// HasBasic.
	BasicID, BasicSecret string
	HasBasic             bool
	// caller is who a token authenticated (platform, M2M or end user),
	// seen by handlers as a key record; nil for API keys, which handlers
	// look up themselves.
	caller *apiKeyRec
}

// Param returns the i-th path parameter, or "" when there is none.
func (c *Call) Param(i int) string {
	if i < 0 || i >= len(c.Params) {
		return ""
	}
	return c.Params[i]
}

// Query returns the first value of a query parameter.
func (c *Call) Query(name string) string { return c.Values.Get(name) }

// Header returns a request header.
func (c *Call) Header(name string) string { return c.Headers.Get(name) }

// Bearer returns the token of an "Authorization: Bearer <token>" header, or "".
func (c *Call) Bearer() string { return bearerOf(c.Header("Authorization")) }

// Decode unmarshals the JSON body into v. An empty body leaves v untouched.
func (c *Call) Decode(v any) error {
	if len(c.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.Body, v); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	return nil
}

func bearerOf(h string) string {
	const prefix = "bearer "
	if len(h) > len(prefix) && strings.EqualFold(h[:len(prefix)], prefix) {
		return strings.TrimSpace(h[len(prefix):])
	}
	return ""
}

// Reply is a handler's answer: a body with its status, or a refusal. The
// HTTP surface writes it; a refusal becomes the NestJS error body there,
// in one place.
type Reply struct {
	Status int
	Body   any    // encoded as JSON unless Raw is set; nil means no body
	Raw    []byte // a pre-encoded body, sent as is with ContentType
	// ContentType of Raw; JSON bodies get application/json.
	ContentType string
	// Header holds extra headers: Location, Retry-After, WWW-Authenticate.
	Header map[string]string
	// Err, when set, is the refusal this reply carries; Status and Body
	// are then the surface's to fill.
	Err *Error
}

// Handler answers one operation.
type Handler func(*Call) *Reply

// replyJSON is an answer with a JSON body.
func replyJSON(status int, body any) *Reply { return &Reply{Status: status, Body: body} }

// noContent is an empty answer (204 and friends).
func noContent(status int) *Reply { return &Reply{Status: status} }

// redirect is a 302/303 to location.
func redirect(status int, location string) *Reply {
	return &Reply{Status: status, Header: map[string]string{"Location": location}}
}

// errorResponse is the answer that refuses with e.
func errorResponse(e *Error) *Reply { return &Reply{Err: e} }
