package control

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/clock"
	"github.com/heimdall-mock/heimdall-mock/internal/faults"
	"github.com/heimdall-mock/heimdall-mock/internal/journal"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
)

// fakeDomain records what the control plane asks of a domain.
type fakeDomain struct {
	resets   int
	state    string
	imported string
	failNext bool
}

func (f *fakeDomain) Name() string { return "domain" }
func (f *fakeDomain) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /__mock/outbox", func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, []any{}) })
}
func (f *fakeDomain) Reset() { f.resets++ }
func (f *fakeDomain) Export(w io.Writer) error {
	_, err := io.WriteString(w, `{"users":`+f.state+`}`)
	return err
}
func (f *fakeDomain) Import(data json.RawMessage) (func(), error) {
	if data == nil {
		return func() {}, nil
	}
	if f.failNext {
		return nil, errors.New("users[0].email: required")
	}
	return func() { f.imported = string(data) }, nil
}
func (f *fakeDomain) ApplyFixtures(doc []byte) (map[string]any, error) {
	if strings.Contains(string(doc), "bad") {
		return nil, errors.New("apps[0].slug: required")
	}
	return map[string]any{"apps": []string{"a1"}}, nil
}
func (f *fakeDomain) BootstrapInfo(base string) map[string]any {
	return map[string]any{"app_slug": "demo", "base_url": base, "apple_client_id": "com.example.demo"}
}

type harness struct {
	h      http.Handler
	clock  *clock.Clock
	faults *faults.Registry
	jrnl   *journal.Journal
	dom    *fakeDomain
}

func newHarness(withDomain bool) *harness {
	hs := &harness{
		clock:  clock.NewAt(time.Date(2026, 5, 3, 10, 0, 0, 0, time.UTC)),
		faults: faults.NewRegistry(),
		jrnl:   journal.New(10),
		dom:    &fakeDomain{state: "[]"},
	}
	d := Deps{
		Clock: hs.clock, Journal: hs.jrnl, Faults: hs.faults,
		Spec:     func() SpecInfo { return SpecInfo{Title: "t", Version: "1", Operations: 3, Warnings: []string{}} },
		Coverage: func() router.Coverage { return router.Coverage{Stateful: 1, Generated: 2} },
		BaseURL:  func(r *http.Request) string { return "http://" + r.Host },
	}
	if withDomain {
		d.Domain = hs.dom
	}
	hs.h = Handler(d)
	return hs
}

func (hs *harness) call(t *testing.T, method, path, body string) (*httptest.ResponseRecorder, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 && strings.HasPrefix(strings.TrimSpace(rec.Body.String()), "{") {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: body is not JSON: %s", method, path, rec.Body)
		}
	}
	return rec, out
}

func TestHealthCarriesSpecBootstrapAndCoverage(t *testing.T) {
	hs := newHarness(true)
	rec, body := hs.call(t, "GET", "/__mock/health", "")
	if rec.Code != 200 || body["status"] != "ok" {
		t.Fatalf("health = %d %v", rec.Code, body)
	}
	boot := body["bootstrap"].(map[string]any)
	if boot["app_slug"] != "demo" || boot["base_url"] != "http://example.com" {
		t.Errorf("bootstrap = %v", boot)
	}
	if body["apple_client_id"] != "com.example.demo" {
		t.Errorf("apple_client_id not lifted to the top level: %v", body)
	}
	if body["spec"].(map[string]any)["operations"].(float64) != 3 {
		t.Errorf("spec = %v", body["spec"])
	}
	if _, ok := body["coverage"]; ok {
		t.Errorf("health carries coverage without ?coverage=1: %v", body["coverage"])
	}
	_, body = hs.call(t, "GET", "/__mock/health?coverage=1", "")
	if body["coverage"].(map[string]any)["stateful"].(float64) != 1 {
		t.Errorf("health?coverage=1: coverage = %v", body["coverage"])
	}
	_, body = hs.call(t, "GET", "/__mock/coverage", "")
	if body["stateful"].(float64) != 1 || body["generated"].(float64) != 2 {
		t.Errorf("coverage = %v", body)
	}
}

func TestReadyIsTinyAndNeedsNoDomain(t *testing.T) {
	for _, domain := range []bool{true, false} {
		hs := newHarness(domain)
		rec, body := hs.call(t, "GET", "/__mock/ready", "")
		if rec.Code != 200 || body["status"] != "ready" || rec.Body.Len() > 32 {
			t.Fatalf("domain=%v: ready = %d %q", domain, rec.Code, rec.Body.String())
		}
		if rec, _ := hs.call(t, "POST", "/__mock/ready", ""); rec.Code != 405 {
			t.Errorf("POST ready = %d, want 405", rec.Code)
		}
	}
}

func TestClockAdvanceSetFreezeAndErrors(t *testing.T) {
	hs := newHarness(true)
	rec, body := hs.call(t, "POST", "/__mock/clock", `{"advance":"15m"}`)
	if rec.Code != 200 || body["now"] != "2026-05-03T10:15:00Z" {
		t.Fatalf("advance: %d %v", rec.Code, body)
	}
	_, body = hs.call(t, "POST", "/__mock/clock", `{"set":"2027-01-01T00:00:00Z"}`)
	if body["now"] != "2027-01-01T00:00:00Z" {
		t.Fatalf("set: %v", body)
	}
	for _, bad := range []string{`{"advance":"soon"}`, `{"set":"yesterday"}`, `{}`, `{"advance":"1m","set":"2027-01-01T00:00:00Z"}`, `{"advanse":"1m"}`, `not json`} {
		rec, body := hs.call(t, "POST", "/__mock/clock", bad)
		if rec.Code != 400 || body["error"] == "" || body["detail"] == "" {
			t.Errorf("%s: %d %v, want 400 with error and detail", bad, rec.Code, body)
		}
	}
	if got := hs.clock.Now(); !got.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("bad requests moved the clock to %v", got)
	}
}

func TestFaultsAddListDelete(t *testing.T) {
	hs := newHarness(true)
	rec, body := hs.call(t, "POST", "/__mock/faults", `{"operation_id":"signin","status":503,"times":2}`)
	if rec.Code != 201 || body["id"] == "" {
		t.Fatalf("add: %d %v", rec.Code, body)
	}
	id := body["id"].(string)
	rec, _ = hs.call(t, "POST", "/__mock/faults", `{"status":503}`)
	if rec.Code != 400 {
		t.Errorf("fault without a target: %d, want 400", rec.Code)
	}
	rec, _ = hs.call(t, "POST", "/__mock/faults", `{"method":"GET","path":"/__mock/health","status":500}`)
	if rec.Code != 400 {
		t.Errorf("fault on the control plane: %d, want 400", rec.Code)
	}
	if n := len(hs.faults.List()); n != 1 {
		t.Fatalf("%d faults, want 1", n)
	}
	if rec, _ := hs.call(t, "DELETE", "/__mock/faults/"+id, ""); rec.Code != 204 {
		t.Errorf("delete: %d", rec.Code)
	}
	if rec, _ := hs.call(t, "DELETE", "/__mock/faults/"+id, ""); rec.Code != 404 {
		t.Errorf("second delete: %d, want 404", rec.Code)
	}
}

func TestResetClearsFaultsJournalClockAndDomain(t *testing.T) {
	hs := newHarness(true)
	hs.call(t, "POST", "/__mock/faults", `{"operation_id":"x","status":500}`)
	hs.jrnl.Add(journal.Entry{Method: "GET", Path: "/x", Status: 200})
	hs.clock.Advance(time.Hour)
	if rec, _ := hs.call(t, "POST", "/__mock/reset", ""); rec.Code != 204 {
		t.Fatalf("reset: %d", rec.Code)
	}
	if len(hs.faults.List()) != 0 || len(hs.jrnl.List(10)) != 0 || hs.dom.resets != 1 || hs.clock.Frozen() {
		t.Errorf("after reset: faults %d, journal %d, domain resets %d, frozen %v",
			len(hs.faults.List()), len(hs.jrnl.List(10)), hs.dom.resets, hs.clock.Frozen())
	}
}

func TestStateRoundTripAndBadImportChangesNothing(t *testing.T) {
	hs := newHarness(true)
	hs.call(t, "POST", "/__mock/faults", `{"method":"POST","path":"/demo/v1/auth/signin","status":429}`)
	rec, _ := hs.call(t, "GET", "/__mock/state", "")
	if rec.Code != 200 {
		t.Fatalf("export: %d", rec.Code)
	}
	exported := rec.Body.String()

	other := newHarness(true)
	if rec, body := other.call(t, "PUT", "/__mock/state", exported); rec.Code != 204 {
		t.Fatalf("import: %d %v", rec.Code, body)
	}
	if len(other.faults.List()) != 1 || other.dom.imported != `{"users":[]}` {
		t.Errorf("imported faults %v, domain %q", other.faults.List(), other.dom.imported)
	}

	other.dom.failNext = true
	other.faults.Clear()
	rec, body := other.call(t, "PUT", "/__mock/state", exported)
	if rec.Code != 400 || !strings.Contains(body["detail"].(string), "users[0].email") {
		t.Errorf("failing import: %d %v", rec.Code, body)
	}
	if len(other.faults.List()) != 0 {
		t.Error("a failed import still replaced the faults")
	}
	for _, bad := range []string{`{"version":99}`, `{"version":1,"faults":[{"status":999}]}`, `[1,2]`, `{"version":1,"extra":1}`} {
		if rec, _ := other.call(t, "PUT", "/__mock/state", bad); rec.Code != 400 {
			t.Errorf("import %s: %d, want 400", bad, rec.Code)
		}
	}
}

func TestFixturesAndRequests(t *testing.T) {
	hs := newHarness(true)
	if rec, body := hs.call(t, "POST", "/__mock/fixtures", `apps: [{slug: a}]`); rec.Code != 201 || body["apps"] == nil {
		t.Errorf("fixtures: %d %v", rec.Code, body)
	}
	if rec, body := hs.call(t, "POST", "/__mock/fixtures", `bad`); rec.Code != 400 || body["detail"] != "apps[0].slug: required" {
		t.Errorf("bad fixtures: %d %v", rec.Code, body)
	}
	for i := 0; i < 3; i++ {
		hs.jrnl.Add(journal.Entry{Method: "GET", Path: "/x", Status: 200 + i})
	}
	rec, _ := hs.call(t, "GET", "/__mock/requests?limit=2", "")
	var list []journal.Entry
	if err := json.Unmarshal(rec.Body.Bytes(), &list); err != nil || len(list) != 2 || list[0].Status != 202 {
		t.Errorf("requests?limit=2 = %s", rec.Body)
	}
	if rec, _ := hs.call(t, "GET", "/__mock/requests?limit=zero", ""); rec.Code != 400 {
		t.Errorf("bad limit: %d", rec.Code)
	}
}

func TestUnknownRoutesAndMethodsAnswerJSON(t *testing.T) {
	hs := newHarness(false)
	rec, body := hs.call(t, "GET", "/__mock/nope", "")
	if rec.Code != 404 || body["error"] != "not_found" {
		t.Errorf("unknown route: %d %v", rec.Code, body)
	}
	rec, body = hs.call(t, "PATCH", "/__mock/clock", "")
	if rec.Code != 405 || rec.Header().Get("Allow") != "GET, POST" || body["error"] != "method_not_allowed" {
		t.Errorf("wrong method: %d allow=%q %v", rec.Code, rec.Header().Get("Allow"), body)
	}
	rec, body = hs.call(t, "GET", "/__mock/outbox", "")
	if rec.Code != 501 || body["error"] != "not_available" {
		t.Errorf("domain route without a domain: %d %v", rec.Code, body)
	}
}
