package heimdall

import (
	"context"
	"net"
	"net/http"
	"net/textproto"

	"github.com/heimdall-mock/heimdall-mock/internal/apierr"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
)

// The HTTP surface of the domain: the router's requests become Calls, the
// domain's Replies become the router's responses, and a refusal becomes
// the NestJS error body here and nowhere else.

// Register binds every row of the routes table; guard runs before each
// (and before request validation) as the registry's check.
func (d *Domain) Register(reg *router.Registry) {
	for _, rt := range routeTable {
		reg.Handle(rt.Method, rt.Path, serve(rt.bind(d, rt)))
	}
	// Standard OAuth2 clients post forms (RFC 6749 4.4.2), as the discovery
	// document's client_secret_basic implies, whatever the spec declares.
	reg.AcceptBodies("POST", "/{app_slug}/v1/oauth/token", "application/x-www-form-urlencoded")
	// Keep the guard last: it sees every bound operation.
	reg.Guard(func(r *router.Request) *router.Response {
		c := callFor(r)
		rep := d.guard(c)
		// The guard may rewrite the body (HTTP Basic standing for a body's
		// client credentials) before it is validated, and it hands the
		// caller a token authenticated on to the handler.
		r.Body = c.Body
		if c.caller != nil {
			r.HTTP = r.HTTP.WithContext(context.WithValue(r.HTTP.Context(), callerKey{}, c.caller))
		}
		return toResponse(rep)
	})
}

type callerKey struct{}

// serve adapts a domain handler to the router.
func serve(h Handler) router.Handler {
	return func(r *router.Request) *router.Response {
		return toResponse(h(callFor(r)))
	}
}

// callFor is the Call of a routed request.
func callFor(r *router.Request) *Call {
	op := ""
	if r.Op != nil {
		op = r.Op.Key
	}
	c := callOf(r.HTTP, op, r.Params, r.Body)
	c.caller, _ = r.HTTP.Context().Value(callerKey{}).(*apiKeyRec)
	return c
}

// callOf is what the domain reads of an HTTP request.
func callOf(r *http.Request, op string, params []string, body []byte) *Call {
	c := &Call{
		Operation: op, Params: params, Body: body,
		Values: r.URL.Query(), Headers: textproto.MIMEHeader(r.Header),
		Origin: OriginOf(r), ClientIP: clientIP(r), UserAgent: r.UserAgent(),
	}
	c.BasicID, c.BasicSecret, c.HasBasic = r.BasicAuth()
	return c
}

// OriginOf is where r reached the mock: the name the client used and the
// port of the listener that took it (nil r: neither).
func OriginOf(r *http.Request) Origin {
	if r == nil {
		return Origin{}
	}
	o := Origin{Host: r.Host}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		_, o.Port, _ = net.SplitHostPort(la.String())
	} else if _, p, err := net.SplitHostPort(r.Host); err == nil {
		o.Port = p
	}
	return o
}

func clientIP(r *http.Request) string {
	if f := r.Header.Get("X-Forwarded-For"); f != "" {
		return f
	}
	host := r.RemoteAddr
	for i := len(host) - 1; i >= 0; i-- {
		if host[i] == ':' {
			return host[:i]
		}
	}
	return host
}

// toResponse writes a reply for the router (nil: let the request through,
// for the guard).
func toResponse(rep *Reply) *router.Response {
	if rep == nil {
		return nil
	}
	resp := &router.Response{Status: rep.Status, Body: rep.Body, Raw: rep.Raw, ContentType: rep.ContentType}
	if rep.Err != nil {
		resp.Status, resp.Body = rep.Err.Status, nestBody(rep.Err)
	}
	if len(rep.Header) > 0 {
		resp.Header = make(http.Header, len(rep.Header))
		for k, v := range rep.Header {
			resp.Header.Set(k, v)
		}
	}
	return resp
}

// nestBody is the one place a domain refusal becomes the NestJS error body
// the real service sends.
func nestBody(e *Error) apierr.Body {
	switch {
	case e.Messages != nil:
		return apierr.Validation(e.Messages)
	case e.Code != "":
		return apierr.WithCode(e.Status, e.Code, e.Message)
	}
	return apierr.New(e.Status, e.Message)
}
