package control

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/clock"
	"github.com/heimdall-mock/heimdall-mock/internal/faults"
	"github.com/heimdall-mock/heimdall-mock/internal/journal"
)

// counterModule is a further module with state of its own: one number.
type counterModule struct {
	n      int
	resets int
}

func (m *counterModule) Name() string { return "counter" }
func (m *counterModule) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST "+Prefix+"/counter", func(w http.ResponseWriter, r *http.Request) {
		m.n++
		WriteJSON(w, http.StatusOK, map[string]int{"n": m.n})
	})
}
func (m *counterModule) Reset() { m.n, m.resets = 0, m.resets+1 }
func (m *counterModule) Export(w io.Writer) error {
	if m.n == 0 {
		return nil // nothing to keep: no key in the snapshot
	}
	_, err := io.WriteString(w, `{"n":`+strconv.Itoa(m.n)+`}`)
	return err
}
func (m *counterModule) Import(part json.RawMessage) (func(), error) {
	var in struct{ N int }
	if part != nil {
		if err := decodePart(part, &in); err != nil {
			return nil, err
		}
	}
	return func() { m.n = in.N }, nil
}

func newDeps(extra ...Module) Deps {
	return Deps{
		Clock:   clock.NewAt(time.Date(2026, 5, 3, 10, 0, 0, 0, time.UTC)),
		Journal: journal.New(10),
		Faults:  faults.NewRegistry(),
		Spec:    func() SpecInfo { return SpecInfo{Warnings: []string{}} },
		BaseURL: func(r *http.Request) string { return "http://" + r.Host },
		Modules: extra,
	}
}

func exportString(t *testing.T, d Deps) string {
	t.Helper()
	var b strings.Builder
	if err := WriteState(d, &b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestModulesShareRoutesResetAndTheSnapshot(t *testing.T) {
	counter := &counterModule{}
	d := newDeps(RoutesOnly(func(mux *http.ServeMux) {
		mux.HandleFunc("GET "+Prefix+"/page", func(w http.ResponseWriter, r *http.Request) { WriteJSON(w, 200, "page") })
	}), counter)
	hs := &harness{h: Handler(d), clock: d.Clock, faults: d.Faults, jrnl: d.Journal}

	if rec, _ := hs.call(t, "GET", "/__mock/page", ""); rec.Code != 200 {
		t.Fatalf("a further module's route: %d", rec.Code)
	}
	want := `{"version":1,"clock":{"now":"2026-05-03T10:00:00Z","frozen":true},"faults":[]}` + "\n"
	if got := exportString(t, d); got != want {
		t.Fatalf("a module with nothing to keep left a key:\n got %s\nwant %s", got, want)
	}
	hs.call(t, "POST", "/__mock/counter", "")
	hs.call(t, "POST", "/__mock/counter", "")
	snap := exportString(t, d)
	if !strings.HasSuffix(snap, `"faults":[],"counter":{"n":2}}`+"\n") {
		t.Fatalf("snapshot = %s", snap)
	}

	if rec, _ := hs.call(t, "POST", "/__mock/reset", ""); rec.Code != 204 || counter.resets != 1 || counter.n != 0 {
		t.Fatalf("reset: %d, module resets %d, n %d", rec.Code, counter.resets, counter.n)
	}
	if rec, body := hs.call(t, "PUT", "/__mock/state", snap); rec.Code != 204 || counter.n != 2 {
		t.Fatalf("import: %d %v, n %d", rec.Code, body, counter.n)
	}
}

// Every part is checked before any is applied: a bad part late in the
// snapshot leaves the earlier modules as they were.
func TestImportChecksEveryPartBeforeApplyingAny(t *testing.T) {
	counter := &counterModule{n: 7}
	d := newDeps(counter)
	if _, err := d.Faults.Add(faults.Fault{OperationID: "keep", Status: 500}); err != nil {
		t.Fatal(err)
	}
	for snap, wantErr := range map[string]string{
		`{"version":1,"clock":{"now":"2030-01-01T00:00:00Z"},"counter":{"n":"x"}}`:                                       "state.counter: json:",
		`{"version":1,"faults":[{"operation_id":"a","status":500},{"status":999}],"counter":{"n":1}}`:                    "state.faults[1]: ",
		`{"version":1,"faults":[{"id":"f","operation_id":"a","status":500},{"id":"f","operation_id":"b","status":500}]}`: `state.faults: a fault with id "f" already exists`,
		`{"version":1,"domain":{}}`: "state.domain: this mock runs without a domain",
		`{"version":1,"bogus":{}}`:  `state: json: unknown field "bogus"`,
		`{"version":2}`:             "state.version: 2 is not supported (want 1)",
	} {
		err := ImportState(d, []byte(snap))
		if err == nil || !strings.HasPrefix(err.Error(), wantErr) {
			t.Errorf("import %s: %v, want %q...", snap, err, wantErr)
		}
		if list := d.Faults.List(); len(list) != 1 || list[0].OperationID != "keep" {
			t.Errorf("import %s changed the faults: %v", snap, list)
		}
		if counter.n != 7 || d.Clock.Now().Year() != 2026 {
			t.Errorf("import %s changed the counter (%d) or the clock (%v)", snap, counter.n, d.Clock.Now())
		}
	}
}
