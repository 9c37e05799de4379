package router

import (
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/heimdall-mock/heimdall-mock/internal/apierr"
	"github.com/heimdall-mock/heimdall-mock/internal/fakedata"
)

// prefer is what a client asked for with the Prefer header (RFC 7240
// style, as Prism uses it): a status, a named example, fresh data.
type prefer struct {
	code    int
	example string
	dynamic bool
}

// parsePrefer reads every Prefer header, each holding comma-separated
// tokens; unknown tokens are ignored as RFC 7240 asks.
func parsePrefer(values []string) (prefer, string) {
	var p prefer
	for _, v := range values {
		for _, tok := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(strings.TrimSpace(tok), "=")
			if !ok {
				continue
			}
			val = strings.Trim(strings.TrimSpace(val), `"`)
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "code":
				n, err := strconv.Atoi(val)
				if err != nil || n < 100 || n > 599 {
					return p, fmt.Sprintf("Prefer: code=%s is not a status code (100-599)", val)
				}
				p.code = n
			case "example":
				p.example = val
			case "dynamic":
				p.dynamic = strings.EqualFold(val, "true")
			}
		}
	}
	return p, ""
}

type cacheKey struct {
	status    int
	example   string
	requested bool // status came from Prefer: an undocumented one is no violation
	// Routers sharing a Compiled may generate with other seeds or
	// generators; each gets its own answers.
	seed int64
	gen  uintptr
}

// prepared is an encoded response with its validation result, computed once
// per (operation, status, example) so a repeated request is a map lookup.
type prepared struct {
	status      int
	contentType string
	body        []byte
	header      http.Header // documented response headers (Location, ...); read-only
	violations  []string
}

// prepare builds (or fetches) the generated response for a route. The
// string result is a client error (an unknown example name).
func (r *Router) prepare(rt *route, pref prefer) (*prepared, string) {
	status := rt.defaultCode
	if pref.code != 0 {
		status = pref.code
	}
	key := cacheKey{status: status, example: pref.example, requested: pref.code != 0, seed: r.opts.Seed, gen: r.gen}
	if !pref.dynamic {
		rt.mu.RLock()
		p := rt.cache[key]
		rt.mu.RUnlock()
		if p != nil {
			return p, ""
		}
	}
	p, errMsg := r.build(rt, status, pref)
	if errMsg != "" || pref.dynamic {
		return p, errMsg
	}
	rt.mu.Lock()
	if prior := rt.cache[key]; prior != nil {
		p = prior // another request got there first; keep one answer
	} else {
		rt.cache[key] = p
	}
	rt.mu.Unlock()
	return p, ""
}

func (r *Router) build(rt *route, status int, pref prefer) (*prepared, string) {
	var resp *openapi3.ResponseRef
	if rt.op.Spec.Responses != nil {
		resp = rt.op.Spec.Responses.Status(status)
		if resp == nil {
			resp = rt.op.Spec.Responses.Default()
		}
	}
	if resp == nil || resp.Value == nil {
		if pref.code == 0 {
			p := &prepared{status: status}
			p.violations = r.checkResponse(rt, status, "", nil, true)
			return p, ""
		}
		// An undocumented status on request: the NestJS error body, so a
		// client can rehearse a 409 on an operation that documents only 200.
		b, _ := json.Marshal(apierr.New(status, apierr.Reason(status)))
		return &prepared{status: status, contentType: "application/json", body: b}, ""
	}
	p := &prepared{status: status, header: r.headers(rt, status, resp.Value)}
	mimeType, mt := pickMedia(resp.Value.Content)
	if mt == nil {
		if pref.example != "" {
			return nil, fmt.Sprintf("Prefer: example=%s: response %d has no examples", pref.example, status)
		}
		p.violations = r.checkResponse(rt, status, "", nil, pref.code == 0)
		return p, ""
	}
	value, fromExample, errMsg := r.bodyValue(rt, status, mt, pref)
	if errMsg != "" {
		return nil, errMsg
	}
	p.contentType = mimeType
	p.body, p.violations = r.encodeChecked(rt, status, mimeType, mt, value, pref)
	if fromExample && len(p.violations) > 0 && r.canGenerate(mt) {
		// The spec's own example breaks its schema, a defect listed as a
		// warning at load. Served as the default answer it would make the
		// mock break its spec, so generated data stands in. An example the
		// client names is served as written.
		p.body, p.violations = r.encodeChecked(rt, status, mimeType, mt, r.generate(rt, status, mt, pref), pref)
	}
	return p, ""
}

// encodeChecked encodes a body value for mimeType and validates the result.
func (r *Router) encodeChecked(rt *route, status int, mimeType string, mt *openapi3.MediaType, value any, pref prefer) ([]byte, []string) {
	var body []byte
	var violations []string
	if s, ok := value.(string); ok && !isJSONType(mimeType) {
		body = []byte(s)
	} else if value != nil || mt.Schema != nil {
		b, err := json.Marshal(value)
		if err != nil {
			violations = append(violations, "encoding generated body: "+err.Error())
		}
		body = b
	}
	return body, append(violations, r.checkResponse(rt, status, mimeType, body, pref.code == 0)...)
}

// bodyValue picks the body: a named example on request; else, unless the
// client asked for fresh data (Prefer: dynamic=true), the media type's
// example, its first named example or the schema's example; and last a
// generated value. fromExample marks an example the client did not name.
func (r *Router) bodyValue(rt *route, status int, mt *openapi3.MediaType, pref prefer) (value any, fromExample bool, errMsg string) {
	if pref.example != "" {
		if ex := mt.Examples[pref.example]; ex != nil && ex.Value != nil {
			return ex.Value.Value, false, ""
		}
		names := slices.Sorted(maps.Keys(mt.Examples))
		if len(names) == 0 {
			return nil, false, fmt.Sprintf("Prefer: example=%s: response %d has no named examples", pref.example, status)
		}
		return nil, false, fmt.Sprintf("Prefer: example=%s is unknown; response %d has: %s", pref.example, status, strings.Join(names, ", "))
	}
	if !pref.dynamic || !r.canGenerate(mt) {
		if v, ok := defaultExample(mt); ok {
			return v, true, ""
		}
	}
	return r.generate(rt, status, mt, pref), false, ""
}

// defaultExample is the example a response shows when none is named.
func defaultExample(mt *openapi3.MediaType) (any, bool) {
	if mt.Example != nil {
		return mt.Example, true
	}
	if len(mt.Examples) > 0 {
		names := slices.Sorted(maps.Keys(mt.Examples))
		if ex := mt.Examples[names[0]]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
			return ex.Value.Value, true
		}
	}
	if mt.Schema != nil && mt.Schema.Value != nil && mt.Schema.Value.Example != nil {
		return mt.Schema.Value.Example, true
	}
	return nil, false
}

func (r *Router) canGenerate(mt *openapi3.MediaType) bool {
	return r.opts.Generate != nil && mt.Schema != nil && mt.Schema.Value != nil
}

// generate makes a value from the schema, seeded by (Seed, operation,
// status) like fakedata's own derivations, so a response is stable across
// runs and request order; Prefer: dynamic=true draws a fresh seed. Nil
// when there is no schema or no generator.
func (r *Router) generate(rt *route, status int, mt *openapi3.MediaType, pref prefer) any {
	if !r.canGenerate(mt) {
		return nil
	}
	seed := fakedata.Seed(r.opts.Seed, rt.op.Key, strconv.Itoa(status))
	if pref.dynamic {
		seed = rand.Uint64()
	}
	return r.opts.Generate(mt.Schema, seed)
}

// headers generates the response headers the spec documents, so a
// generated redirect carries its Location.
func (r *Router) headers(rt *route, status int, resp *openapi3.Response) http.Header {
	if len(resp.Headers) == 0 {
		return nil
	}
	h := http.Header{}
	for name, ref := range resp.Headers {
		if ref == nil || ref.Value == nil || strings.EqualFold(name, "Content-Type") {
			continue
		}
		var v any
		switch {
		case ref.Value.Example != nil:
			v = ref.Value.Example
		case ref.Value.Schema != nil && ref.Value.Schema.Value != nil && ref.Value.Schema.Value.Example != nil:
			v = ref.Value.Schema.Value.Example
		case ref.Value.Schema != nil && r.opts.Generate != nil:
			v = r.opts.Generate(ref.Value.Schema, fakedata.Seed(r.opts.Seed, rt.op.Key, strconv.Itoa(status), name))
		}
		if v != nil {
			h.Set(name, fmt.Sprint(v))
		}
	}
	return h
}

// pickMedia prefers application/json, then any JSON type, then the first
// declared type.
func pickMedia(content openapi3.Content) (string, *openapi3.MediaType) {
	if len(content) == 0 {
		return "", nil
	}
	if mt := content["application/json"]; mt != nil {
		return "application/json", mt
	}
	names := slices.Sorted(maps.Keys(content))
	for _, n := range names {
		if isJSONType(strings.ToLower(n)) {
			return n, content[n]
		}
	}
	if names[0] == "*/*" {
		return "application/json", content[names[0]]
	}
	return names[0], content[names[0]]
}

// documented reports whether op documents status (exactly, by range, or
// through a default response).
func documented(op *openapi3.Operation, status int) bool {
	if op.Responses == nil || op.Responses.Len() == 0 {
		return true // nothing documented means nothing to break
	}
	return op.Responses.Status(status) != nil || op.Responses.Default() != nil
}

// statusText is a short helper for messages.
func statusText(status int) string {
	if t := http.StatusText(status); t != "" {
		return strconv.Itoa(status) + " " + t
	}
	return strconv.Itoa(status)
}
