package router

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/heimdall-mock/heimdall-mock/internal/apierr"
	"github.com/heimdall-mock/heimdall-mock/internal/violation"
)

// checkResponse validates an encoded response against the operation. When
// checkStatus is false (a status the client asked for, or a fault) an
// undocumented status is not a violation.
//
// An undocumented 4xx/5xx is not a violation either when it carries the
// NestJS error body: the real service answers 401 to a bad sign-in and 409
// to a duplicate sign-up although its spec documents only 200 for both, and
// NestJS specs leave most errors out. An undocumented 2xx/3xx, or an error
// in another shape, still is.
func (r *Router) checkResponse(rt *route, status int, contentType string, body []byte, checkStatus bool) []string {
	op := rt.op.Spec
	if !documented(op, status) {
		if !checkStatus {
			return nil
		}
		if status >= 400 {
			if problem := apierr.ShapeProblem(status, body); problem != "" {
				return []string{fmt.Sprintf("undocumented status %s: %s", statusText(status), problem)}
			}
			return nil
		}
		return []string{fmt.Sprintf("status %s is not documented for %s %s", statusText(status), rt.op.Method, rt.op.Path)}
	}
	// Validate as the operation's own method: a HEAD would be skipped.
	req := &http.Request{Method: rt.op.Method, URL: &url.URL{Path: rt.op.Path}, Header: http.Header{}}
	header := http.Header{}
	if contentType != "" {
		header.Set("Content-Type", contentType)
	}
	opts := r.respOpts
	if len(body) > 0 && contentType != "" && !isJSONType(strings.ToLower(contentType)) {
		opts = &openapi3filter.Options{MultiError: true, ExcludeResponseBody: true, SchemaValidationOptions: r.schemaOps}
	}
	return violation.CheckResponse(req, rt.kin, nil, status, header, body, opts)
}
