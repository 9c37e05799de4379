package router

import (
	"bytes"
	"fmt"
	"hash/maphash"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

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

// checkedResponses remembers the verdict on stateful answers already
// validated. Validation is a function of the operation, the status, the
// content type and the body bytes alone, so an answer byte-for-byte equal
// to one checked before gets the same verdict without running the
// validator again: a client reading /me or a list between writes gets the
// same bytes each time, and validating them was a fifth of such a call.
// Strict mode is unchanged: a changed answer is validated afresh. The
// bodies are kept to compare (not just a hash), within a byte budget.
type checkedResponses struct {
	mu      sync.RWMutex
	entries map[checkedKey]checkedVerdict
	bytes   int
}

type checkedKey struct {
	rt          *route
	status      int
	contentType string
	sum         uint64
}

type checkedVerdict struct {
	body       []byte
	violations []string
}

const (
	maxCheckedBody  = 64 << 10
	maxCheckedBytes = 8 << 20
)

var checkedSeed = maphash.MakeSeed()

// checkStateful is checkResponse for a handler's answer, through the memo.
func (r *Router) checkStateful(rt *route, status int, contentType string, body []byte) []string {
	if len(body) > maxCheckedBody {
		return r.checkResponse(rt, status, contentType, body, true)
	}
	key := checkedKey{rt: rt, status: status, contentType: contentType, sum: maphash.Bytes(checkedSeed, body)}
	m := &r.checked
	m.mu.RLock()
	v, ok := m.entries[key]
	m.mu.RUnlock()
	if ok && bytes.Equal(v.body, body) {
		return slices.Clone(v.violations)
	}
	violations := r.checkResponse(rt, status, contentType, body, true)
	m.mu.Lock()
	if m.entries == nil || m.bytes+len(body) > maxCheckedBytes {
		m.entries, m.bytes = map[checkedKey]checkedVerdict{}, 0
	}
	m.entries[key] = checkedVerdict{body: bytes.Clone(body), violations: slices.Clone(violations)}
	m.bytes += len(body)
	m.mu.Unlock()
	return violations
}
