// Package httpapi is the HTTP surface of the Heimdall domain: the router's
// requests become Calls, the domain's Replies become the router's
// responses, and a refusal becomes the NestJS error body here and nowhere
// else. It imports the operation vocabulary, not the domain, so the
// domain's tests drive their requests through this very surface.
package httpapi

import (
	"context"
	"net"
	"net/http"
	"net/textproto"
	"strconv"

	"github.com/heimdall-mock/heimdall-mock/internal/apierr"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/operation"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
)

// Bind binds every route and makes guard the registry's check, run on
// every request to a bound operation before it is validated.
func Bind(reg *router.Registry, routes []operation.Route, guard operation.Handler) {
	for _, rt := range routes {
		reg.Handle(rt.Method, rt.Path, Serve(rt.Handler))
		if rt.Forms {
			reg.AcceptBodies(rt.Method, rt.Path, "application/x-www-form-urlencoded")
		}
	}
	reg.Guard(func(r *router.Request) *router.Response {
		c := callFor(r)
		rep := guard(c)
		// The guard may rewrite the body (HTTP Basic standing for a body's
		// client credentials) before it is validated, and it hands the
		// caller a token authenticated on to the handler.
		r.Body = c.Body
		if c.Caller != nil {
			r.HTTP = r.HTTP.WithContext(context.WithValue(r.HTTP.Context(), callerKey{}, c.Caller))
		}
		return Response(rep)
	})
}

type callerKey struct{}

// Serve adapts a domain handler to the router.
func Serve(h operation.Handler) router.Handler {
	return func(r *router.Request) *router.Response {
		return Response(h(callFor(r)))
	}
}

// callFor is the Call of a routed request.
func callFor(r *router.Request) *operation.Call {
	op := ""
	if r.Op != nil {
		op = r.Op.Key
	}
	c := callOf(r.HTTP, op, r.Params, r.Body)
	c.Caller = r.HTTP.Context().Value(callerKey{})
	return c
}

// callOf is what the domain reads of an HTTP request.
func callOf(r *http.Request, op string, params []string, body []byte) *operation.Call {
	c := &operation.Call{
		Operation: op, Params: params, Body: body,
		Headers: textproto.MIMEHeader(r.Header),
		Origin:  OriginOf(r), ClientIP: clientIP(r), UserAgent: r.UserAgent(),
	}
	if r.URL.RawQuery != "" { // most calls have none: no map for them
		c.Values = r.URL.Query()
	}
	c.BasicID, c.BasicSecret, c.HasBasic = r.BasicAuth()
	return c
}

// OriginOf is where r reached the mock: the name the client used and the
// port of the listener that took it (nil r: neither).
func OriginOf(r *http.Request) operation.Origin {
	if r == nil {
		return operation.Origin{}
	}
	o := operation.Origin{Host: r.Host}
	switch la := r.Context().Value(http.LocalAddrContextKey).(type) {
	case *net.TCPAddr: // the usual listener: its port without formatting the address
		o.Port = strconv.Itoa(la.Port)
	case net.Addr:
		_, o.Port, _ = net.SplitHostPort(la.String())
	default:
		if _, p, err := net.SplitHostPort(r.Host); err == nil {
			o.Port = p
		}
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

// Response is a reply as the router writes it (nil: let the request
// through, for the guard).
func Response(rep *operation.Reply) *router.Response {
	if rep == nil {
		return nil
	}
	resp := &router.Response{Status: rep.Status, Body: rep.Body, Raw: rep.Raw, ContentType: rep.ContentType}
	if len(rep.Header) > 0 {
		resp.Header = make(http.Header, len(rep.Header))
		for k, v := range rep.Header {
			resp.Header.Set(k, v)
		}
	}
	if e := rep.Err; e != nil {
		resp.Status, resp.Body = e.Status, ErrorBody(e)
		if e.RetryAfter > 0 {
			if resp.Header == nil {
				resp.Header = http.Header{}
			}
			resp.Header.Set("Retry-After", strconv.FormatInt(e.RetryAfter, 10))
		}
	}
	return resp
}

// ErrorBody is the one place a domain refusal becomes the NestJS error
// body the real service sends.
func ErrorBody(e *operation.Error) apierr.Body {
	switch {
	case e.Messages != nil:
		return apierr.Validation(e.Messages)
	case e.Code != "":
		return apierr.WithCode(e.Status, e.Code, e.Message)
	}
	return apierr.New(e.Status, e.Message)
}
