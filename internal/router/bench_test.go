package router

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/fakedata"
	"github.com/heimdall-mock/heimdall-mock/internal/journal"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

// discard is a ResponseWriter that keeps nothing, so benchmarks measure the
// router rather than a recorder.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

func benchRouter(b *testing.B, reg *Registry) *Router {
	r, err := New(loadDoc(b, testSpec), Options{
		Registry: reg, Generate: fakedata.Generate, ValidateRequests: true, Strict: true, Journal: journal.New(1000),
	})
	if err != nil {
		b.Fatal(err)
	}
	return r
}

func BenchmarkGeneratedGET(b *testing.B) {
	r := benchRouter(b, nil)
	req, _ := http.NewRequest("GET", "/v1/apps/me", nil)
	w := &discard{h: http.Header{}}
	r.ServeHTTP(w, req) // fill the cache
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		r.ServeHTTP(w, req)
	}
}

func BenchmarkValidatedPOST(b *testing.B) {
	reg := NewRegistry()
	reg.Handle("POST", "/{app_slug}/v1/auth/signup", func(*Request) *Response {
		return JSON(201, map[string]string{"token": "t"})
	})
	r := benchRouter(b, reg)
	body := `{"email":"a@b.co","password":"longenough","role":"member"}`
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest("POST", "/acme/v1/auth/signup", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		clear(w.h)
		r.ServeHTTP(w, req)
	}
}

func BenchmarkMatch(b *testing.B) {
	r := benchRouter(b, nil)
	b.ReportAllocs()
	for b.Loop() {
		if op, _, _ := r.Match("GET", "/v1/files/a%2Fb/c"); op == nil {
			b.Fatal("no match")
		}
	}
}

func BenchmarkBuildRouterNewest(b *testing.B) {
	data, err := os.ReadFile(testspecs.Newest(b))
	if err != nil {
		b.Fatal(err)
	}
	spec, err := specload.LoadData(data, "newest")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(spec.Doc, Options{Generate: fakedata.Generate}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkResponseValidation is the cost every stateful response pays (and a
// generated one pays once, before it is cached).
func BenchmarkResponseValidation(b *testing.B) {
	r := benchRouter(b, nil)
	var rt *route
	for _, candidate := range r.routes {
		if candidate.op.OperationID == "getApp" {
			rt = candidate
		}
	}
	body := []byte(`{"id":"0b7f1c1e-2a4b-4c1d-8e9f-0a1b2c3d4e5f","name":"acme"}`)
	b.ReportAllocs()
	for b.Loop() {
		if v := r.checkResponse(rt, 200, "application/json", body, true); len(v) != 0 {
			b.Fatal(v)
		}
	}
}

// BenchmarkDynamicGET generates and validates a fresh body per request: the
// uncached path that Prefer: dynamic=true takes.
func BenchmarkDynamicGET(b *testing.B) {
	r := benchRouter(b, nil)
	req, _ := http.NewRequest("GET", "/v1/apps/me", nil)
	req.Header.Set("Prefer", "dynamic=true")
	w := &discard{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		r.ServeHTTP(w, req)
	}
}
