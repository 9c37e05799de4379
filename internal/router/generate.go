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
	key := cacheKey{status: status, example: pref.example, requested: pref.code != 0}
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
	} else {
		value, errMsg := r.bodyValue(rt, status, mt, pref)
		if errMsg != "" {
			return nil, errMsg
		}
		p.contentType = mimeType
		if s, ok := value.(string); ok && !isJSONType(mimeType) {
			p.body = []byte(s)
		} else if value != nil || mt.Schema != nil {
			b, err := json.Marshal(value)
			if err != nil {
				p.violations = append(p.violations, "encoding generated body: "+err.Error())
			}
			p.body = b
		}
	}
	p.violations = append(p.violations, r.checkResponse(rt, status, p.contentType, p.body, pref.code == 0)...)
	return p, ""
}

// bodyValue picks the body: a named example on request, else the media
// type's example, its first named example, the schema's example, and last a
// generated value seeded by (Seed, operation, status) so runs repeat.
func (r *Router) bodyValue(rt *route, status int, mt *openapi3.MediaType, pref prefer) (any, string) {
	if pref.example != "" {
		if ex := mt.Examples[pref.example]; ex != nil && ex.Value != nil {
			return ex.Value.Value, ""
		}
		names := slices.Sorted(maps.Keys(mt.Examples))
		if len(names) == 0 {
			return nil, fmt.Sprintf("Prefer: example=%s: response %d has no named examples", pref.example, status)
		}
		return nil, fmt.Sprintf("Prefer: example=%s is unknown; response %d has: %s", pref.example, status, strings.Join(names, ", "))
	}
	if mt.Example != nil {
		return mt.Example, ""
	}
	if len(mt.Examples) > 0 {
		names := slices.Sorted(maps.Keys(mt.Examples))
		if ex := mt.Examples[names[0]]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
			return ex.Value.Value, ""
		}
	}
	if mt.Schema == nil || mt.Schema.Value == nil {
		return nil, ""
	}
	if mt.Schema.Value.Example != nil {
		return mt.Schema.Value.Example, ""
	}
	if r.opts.Generate == nil {
		return nil, ""
	}
	// Seeded by (Seed, operation, status) like fakedata's own derivations,
	// so a response is stable across runs and request order.
	seed := fakedata.Seed(r.opts.Seed, rt.op.Key, strconv.Itoa(status))
	if pref.dynamic {
		seed = rand.Uint64()
	}
	return r.opts.Generate(mt.Schema, seed), ""
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
