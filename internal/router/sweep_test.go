package router

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/fakedata"
	"github.com/heimdall-mock/heimdall-mock/internal/journal"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

// TestSweepRealSpecs sends one valid request to every operation of every
// real spec through a strict router and expects a 2xx that validates: the
// generated side of the mock must answer the whole API correctly.
func TestSweepRealSpecs(t *testing.T) {
	for _, file := range testspecs.All(t) {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			spec, err := specload.Load(t.Context(), file, specload.Options{})
			if err != nil {
				t.Fatal(err)
			}
			j := journal.New(10)
			r, err := New(spec.Doc, Options{Generate: fakedata.Generate, Seed: 1, ValidateRequests: true, Strict: true, Journal: j})
			if err != nil {
				t.Fatal(err)
			}
			failed := 0
			for i, op := range r.Operations() {
				req, err := testspecs.ValidRequest(spec.Doc, op.Method, op.Path, uint64(i))
				if err != nil {
					t.Errorf("%s %s: building request: %v", op.Method, op.Path, err)
					failed++
					continue
				}
				w := httptest.NewRecorder()
				r.ServeHTTP(w, req)
				e := j.List(1)[0]
				// A 2xx, or the documented redirect of an operation (OAuth
				// authorize/callback) that documents no 2xx at all.
				ok := w.Code >= 200 && w.Code <= 299 || w.Code >= 300 && w.Code <= 399 && !documents2xx(op)
				if !ok || len(e.ResponseErrors) > 0 {
					failed++
					t.Errorf("%s %s (%s): %d\n  request errors: %q\n  response errors: %q\n  body: %.300s",
						op.Method, op.Path, req.URL, w.Code, e.RequestErrors, e.ResponseErrors, w.Body.String())
				}
			}
			// Negative control: the same router must reject a body of the
			// wrong type, or the sweep above proves nothing about validation.
			rejected, withBody := 0, 0
			for i, op := range r.Operations() {
				rb := op.Spec.RequestBody
				if rb == nil || rb.Value == nil || !rb.Value.Required || rb.Value.Content.Get("application/json") == nil {
					continue
				}
				withBody++
				req, err := testspecs.ValidRequest(spec.Doc, op.Method, op.Path, uint64(i))
				if err != nil {
					continue
				}
				bad := httptest.NewRequest(op.Method, req.URL.String(), strings.NewReader(`"not an object"`))
				bad.Header = req.Header.Clone()
				bad.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				r.ServeHTTP(w, bad)
				if w.Code == http.StatusBadRequest {
					rejected++
				}
			}
			if withBody > 0 && rejected == 0 {
				t.Errorf("no operation rejected a wrongly typed body (%d have JSON bodies)", withBody)
			}
			t.Logf("%s: %d operations, %d failed; %d/%d wrongly typed bodies rejected", name, len(r.Operations()), failed, rejected, withBody)
		})
	}
}

func documents2xx(op *Operation) bool {
	if op.Spec.Responses == nil {
		return false
	}
	for code := range op.Spec.Responses.Map() {
		if strings.HasPrefix(code, "2") {
			return true
		}
	}
	return false
}
