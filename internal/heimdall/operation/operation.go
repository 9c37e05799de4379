// Package operation is the vocabulary the Heimdall domain and its HTTP
// surface share: what an operation reads (Call), what it answers (Reply),
// how it refuses (Error) and where a request reached the mock (Origin).
//
// It is its own package, importing neither the domain nor net/http, so
// the domain can stay free of net/http while the surface, which the
// domain's own tests drive requests through, need not import the domain.
package operation

import (
	"encoding/json"
	"fmt"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
)

// Call is one operation's request as the domain reads it. The HTTP surface
// fills it after routing, validation and authentication, so the domain
// never sees net/http: path parameters come by position (their names
// change between spec versions), credentials already parsed, and where the
// request reached the mock as an Origin.
type Call struct {
	// Operation is the routekey.Key of the operation (method and template
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
	// Caller is who the guard authenticated from a token (platform, M2M
	// or end user), in the domain's own terms; the surface only carries it
	// from the guard to the handler. Nil for API keys, which handlers look
	// up themselves.
	Caller any
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

// Error is a refusal of the domain, in the terms the real service answers
// with: the HTTP status, the machine-readable code some refusals carry
// (the 409 family, token reasons, app states) and the message. Messages,
// when set, is the list of broken input rules a 400 carries instead of
// one message. Domain code returns it; the HTTP surface alone turns it
// into the NestJS error body (httpapi.ErrorBody).
type Error struct {
	Status   int
	Code     string
	Message  string
	Messages []string
	// RetryAfter, in whole seconds, is when a refused call may succeed
	// (429s); the surface sends it as the Retry-After header.
	RetryAfter int64
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

// Origin is where a request reached the mock: Host as the client named it,
// Port that of the listener that took it ("" when unknown). The issuer a
// token gets, and the ones it may carry, depend on it.
type Origin struct {
	Host string
	Port string
}

// Route binds one operation, by method and path template, to its handler.
type Route struct {
	Method, Path string
	Handler      Handler
	// Forms says the operation also takes form-encoded bodies, whatever
	// the spec declares.
	Forms bool
}
