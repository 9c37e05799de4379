package router

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/fakedata"
	"github.com/heimdall-mock/heimdall-mock/internal/journal"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

// fuzzRouter serves the newest real spec, or the inline one on a checkout
// without the real specs, in strict mode with validation on.
func fuzzRouter(f *testing.F) *Router {
	doc := loadDoc(f, testSpec)
	if _, ok := testspecs.Lookup(); ok {
		spec, err := specload.Load(f.Context(), testspecs.Newest(f), specload.Options{})
		if err != nil {
			f.Fatal(err)
		}
		doc = spec.Doc
	}
	r, err := New(doc, Options{
		Registry: NewRegistry(), Generate: fakedata.Generate, ValidateRequests: true, Strict: true,
		Journal: journal.New(16), MaxBodyBytes: 64 << 10,
	})
	if err != nil {
		f.Fatal(err)
	}
	return r
}

func FuzzRequestPipeline(f *testing.F) {
	r := fuzzRouter(f)
	f.Add("GET", "/v1/apps/me", "", "")
	f.Add("POST", "/acme/v1/auth/signup", "Content-Type: application/json", `{"email":"a@b.co","password":"longenough"}`)
	f.Add("POST", "/acme/v1/auth/signin", "Content-Type: application/json\nPrefer: code=409", `{"email":1}`)
	f.Add("GET", "/v1/apps?limit=abc", "Authorization: Bearer x", "")
	f.Add("PATCH", "/v1/apps/%zz", "", "")
	f.Add("POST", "/x/v1/auth/signup", "Content-Type: application/json", `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`)
	f.Add("DELETE", "//v1//apps/", "Prefer: example=nope, dynamic=true", "\xff\xfe")
	f.Fuzz(func(t *testing.T, method, target, headers, body string) {
		u, err := url.ParseRequestURI(target)
		if err != nil || method == "" || strings.ContainsAny(method, " \t\r\n") {
			t.Skip()
		}
		req := &http.Request{
			Method: method, URL: u, RequestURI: target, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Host: "example.test",
			Body: io.NopCloser(bytes.NewReader([]byte(body))), ContentLength: int64(len(body)),
		}
		for _, line := range strings.Split(headers, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) != "" {
				req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		req = req.WithContext(t.Context())
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code < 200 || w.Code > 599 {
			t.Fatalf("%s %s: status %d", method, target, w.Code)
		}
		// HEAD answers carry no body by definition.
		if w.Code >= 400 && !strings.EqualFold(method, http.MethodHead) && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s %s: %d with a non-JSON body %q", method, target, w.Code, w.Body.String())
		}
	})
}
