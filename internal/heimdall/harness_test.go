package heimdall

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/heimdall-mock/heimdall-mock/internal/clock"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/httpapi"
	"github.com/heimdall-mock/heimdall-mock/internal/journal"
	"github.com/heimdall-mock/heimdall-mock/internal/keys"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

var (
	specOnce sync.Once
	specDoc  *openapi3.T
	specErr  error
	poolOnce sync.Once
	pool     *keys.Pool
)

// testPool is started on first use, so benchmarks, which use their own
// pool, never compete with its background key generation.
func testPool() *keys.Pool {
	poolOnce.Do(func() { pool = keys.NewPool(4) })
	return pool
}

// newestSpec loads the newest real spec once per test binary.
func newestSpec(tb testing.TB) *openapi3.T {
	tb.Helper()
	path := testspecs.Newest(tb)
	specOnce.Do(func() {
		data, err := os.ReadFile(path)
		if err != nil {
			specErr = err
			return
		}
		s, err := specload.LoadData(data, path)
		if err != nil {
			specErr = err
			return
		}
		specDoc = s.Doc
	})
	if specErr != nil {
		tb.Fatal(specErr)
	}
	return specDoc
}

// harness serves a Domain through the real router over HTTP, validating
// requests and responses against the newest spec.
type harness struct {
	t       testing.TB
	d       *Domain
	clk     *clock.Clock
	srv     *httptest.Server
	journal *journal.Journal
	apiKey  string
}

func newHarness(tb testing.TB) *harness {
	tb.Helper()
	doc := newestSpec(tb)
	clk := clock.NewAt(time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC))
	d := New(Options{Clock: clk, Pool: testPool(), Webhooks: httpapi.NewPoster()})
	reg := router.NewRegistry()
	httpapi.Bind(reg, d.Routes(), d.Guard)
	j := journal.New(4096)
	rt, err := router.New(doc, router.Options{Registry: reg, ValidateRequests: true, Strict: true, Journal: j, Now: clk.Now})
	if err != nil {
		tb.Fatal(err)
	}
	mux := http.NewServeMux()
	httpapi.MountControl(mux, d)
	mux.Handle("/", rt)
	srv := httptest.NewServer(mux)
	h := &harness{t: tb, d: d, clk: clk, srv: srv, journal: j, apiKey: BootstrapAPIKey}
	tb.Cleanup(func() {
		srv.Close()
		h.checkJournal()
	})
	return h
}

// checkJournal fails on any response that broke the spec. Strict mode
// already turns those into 500s; this names the violation.
func (h *harness) checkJournal() {
	for _, e := range h.journal.List(0) {
		for _, msg := range e.ResponseErrors {
			h.t.Errorf("%s %s → %d: response breaks the spec: %s", e.Method, e.Path, e.Status, msg)
		}
		for _, msg := range e.RequestErrors {
			h.t.Logf("%s %s: request error: %s", e.Method, e.Path, msg)
		}
	}
}

type resp struct {
	status int
	header http.Header
	body   map[string]any
	list   []any
	raw    []byte
}

func (r resp) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// call sends a JSON request; auth is a bearer token ("" for none).
func (h *harness) call(method, path, auth string, body any) resp {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			h.t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
		}
		switch x := v.(type) {
		case map[string]any:
			out.body = x
		case []any:
			out.list = x
		}
	}
	if res.StatusCode >= 400 && !strings.HasPrefix(path, "/__mock") {
		if _, ok := out.body["statusCode"]; !ok || out.body["error"] == nil || out.body["message"] == nil {
			h.t.Errorf("%s %s → %d: error body is not NestJS-shaped: %s", method, path, res.StatusCode, raw)
		}
	}
	return out
}

// must calls and fails unless the status is want.
func (h *harness) must(want int, method, path, auth string, body any) resp {
	h.t.Helper()
	r := h.call(method, path, auth, body)
	if r.status != want {
		h.t.Fatalf("%s %s → %d, want %d: %s", method, path, r.status, want, r.raw)
	}
	return r
}

// signup creates a user in the demo app and returns its tokens.
func (h *harness) signup(name string) resp {
	h.t.Helper()
	// The spec declares the Authorization header on signup (for apps with
	// signup_requires_pak), so the validating router wants one.
	return h.must(200, "POST", "/demo/v1/auth/signup", h.apiKey, map[string]any{
		"username": name, "email": name + "@example.com", "password": "password-" + name,
	})
}

// outboxCode returns the newest code mailed to addr of kind.
func (h *harness) outboxCode(addr, kind string) string {
	h.t.Helper()
	r := h.must(200, "GET", fmt.Sprintf("/__mock/outbox?to=%s&kind=%s", addr, kind), "", nil)
	if len(r.list) == 0 {
		h.t.Fatalf("no %s mail to %s", kind, addr)
	}
	m := r.list[0].(map[string]any)
	return m["code"].(string)
}

// direct calls a handler without the router, for bodies the spec does not
// declare (form posts) and for defence tests with validation off.
func (h *harness) direct(fn Handler, req *http.Request) *router.Response {
	h.t.Helper()
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	slug := strings.Split(strings.TrimPrefix(req.URL.Path, "/"), "/")[0]
	return httpapi.Serve(fn)(&router.Request{HTTP: req, Params: []string{slug}, Body: body})
}

// direct2 calls a handler with no body and no credentials.
func (h *harness) direct2(method, path string, fn Handler) resp {
	h.t.Helper()
	req, _ := http.NewRequest(method, path, nil)
	r := h.direct(fn, req)
	b, _ := json.Marshal(r.Body)
	out := resp{status: r.Status, raw: b}
	_ = json.Unmarshal(b, &out.body)
	return out
}
