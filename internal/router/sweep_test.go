package router

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

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
				req, err := validRequest(spec.Doc, op, uint64(i))
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
				req, err := validRequest(spec.Doc, op, uint64(i))
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

// validRequest builds a request the spec accepts: path, required query and
// header parameters and the body all generated from their schemas.
func validRequest(doc *openapi3.T, op *Operation, seed uint64) (*http.Request, error) {
	params := map[string]*openapi3.Parameter{}
	for _, list := range []openapi3.Parameters{op.PathItem.Parameters, op.Spec.Parameters} {
		for _, p := range list {
			if p != nil && p.Value != nil {
				params[p.Value.In+" "+p.Value.Name] = p.Value
			}
		}
	}
	path := op.Path
	for _, name := range op.ParamNames {
		value := "sample"
		if p := params["path "+name]; p != nil {
			value = scalar(fakedata.Generate(p.Schema, seed^hashName(name)))
		}
		path = strings.Replace(path, "{"+name+"}", url.PathEscape(value), 1)
	}
	query := url.Values{}
	header := http.Header{"Authorization": {"Bearer sweep-token"}}
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := params[k]
		if !p.Required || p.In == "path" || p.Schema == nil {
			continue
		}
		v := fakedata.Generate(p.Schema, seed^hashName(p.Name))
		switch p.In {
		case "query":
			if list, ok := v.([]any); ok {
				for _, item := range list {
					query.Add(p.Name, scalar(item))
				}
			} else {
				query.Set(p.Name, scalar(v))
			}
		case "header":
			header.Set(p.Name, scalar(v))
		}
	}
	target := path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var body []byte
	if rb := op.Spec.RequestBody; rb != nil && rb.Value != nil {
		ct, b, err := requestBody(rb.Value, seed)
		if err != nil {
			return nil, err
		}
		body = b
		if ct != "" {
			header.Set("Content-Type", ct)
		}
	}
	req := httptest.NewRequest(op.Method, target, bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	return req, nil
}

func requestBody(rb *openapi3.RequestBody, seed uint64) (string, []byte, error) {
	if mt := rb.Content.Get("application/json"); mt != nil && mt.Schema != nil {
		b, err := json.Marshal(fakedata.Generate(mt.Schema, seed))
		return "application/json", b, err
	}
	if mt := rb.Content.Get("multipart/form-data"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		value, _ := fakedata.Generate(mt.Schema, seed).(map[string]any)
		names := make([]string, 0, len(mt.Schema.Value.Properties))
		for n := range mt.Schema.Value.Properties {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			prop := mt.Schema.Value.Properties[n].Value
			if prop != nil && prop.Format == "binary" {
				fw, err := mw.CreateFormFile(n, n+".bin")
				if err != nil {
					return "", nil, err
				}
				_, _ = fw.Write([]byte("sweep"))
				continue
			}
			if v, ok := value[n]; ok {
				if err := mw.WriteField(n, scalar(v)); err != nil {
					return "", nil, err
				}
			}
		}
		if err := mw.Close(); err != nil {
			return "", nil, err
		}
		return mw.FormDataContentType(), buf.Bytes(), nil
	}
	if !rb.Required {
		return "", nil, nil
	}
	return "", nil, fmt.Errorf("no generator for request media types %v", keysOf(rb.Content))
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

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

func hashName(s string) uint64 {
	h := uint64(1469598103934665603)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}

func keysOf(c openapi3.Content) []string {
	out := make([]string, 0, len(c))
	for k := range c {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
