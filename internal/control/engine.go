package control

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/clock"
	"github.com/heimdall-mock/heimdall-mock/internal/faults"
	"github.com/heimdall-mock/heimdall-mock/internal/journal"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
)

// The engine's own modules: what every mock has, with or without a domain.

// modules lists the plane's modules in the order they register, reset,
// export and import: the engine's, then d.Modules, then the domain (or its
// stand-in), so the snapshot reads version, clock, faults, domain.
func (d Deps) modules() []Module {
	mods := []Module{
		clockModule{d.Clock},
		faultsModule{d.Faults, d.CheckFault},
		journalModule{d.Journal},
		coverageModule{d.Coverage},
	}
	mods = append(mods, d.Modules...)
	if d.Domain != nil {
		return append(mods, d.Domain)
	}
	return append(mods, noDomain{})
}

// decodePart decodes a module's part of a snapshot, refusing unknown
// fields as the snapshot as a whole does.
func decodePart(part json.RawMessage, v any) error {
	dec := json.NewDecoder(bytes.NewReader(part))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// writeValue writes v as a snapshot part: compact, with no newline.
func writeValue(w io.Writer, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// clockModule is the mock's clock: GET and POST /__mock/clock.
type clockModule struct{ c *clock.Clock }

type clockState struct {
	Now    time.Time `json:"now"`
	Frozen bool      `json:"frozen"`
}

func (m clockModule) Name() string { return "clock" }

func (m clockModule) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"/clock", m.get)
	mux.HandleFunc("POST "+Prefix+"/clock", m.set)
}

func (m clockModule) Reset() { m.c.Reset() }

func (m clockModule) Export(w io.Writer) error {
	return writeValue(w, clockState{Now: m.c.Now().UTC(), Frozen: m.c.Frozen()})
}

// Import leaves the clock alone when the snapshot names no time.
func (m clockModule) Import(part json.RawMessage) (func(), error) {
	var st clockState
	if part != nil {
		if err := decodePart(part, &st); err != nil {
			return nil, err
		}
	}
	return func() {
		if st.Now.IsZero() {
			return
		}
		m.c.Reset()
		if st.Frozen {
			m.c.Freeze(true)
		}
		m.c.Set(st.Now)
	}, nil
}

func (m clockModule) get(w http.ResponseWriter, r *http.Request) { m.write(w) }

func (m clockModule) write(w http.ResponseWriter) {
	WriteJSON(w, http.StatusOK, map[string]any{
		"now":    m.c.Now().UTC().Format(time.RFC3339Nano),
		"frozen": m.c.Frozen(),
	})
}

// clockChange is the body of POST /__mock/clock: exactly one of advance or
// set, optionally with freeze; or freeze alone.
type clockChange struct {
	Advance string `json:"advance"`
	Set     string `json:"set"`
	Freeze  *bool  `json:"freeze"`
}

func (m clockModule) set(w http.ResponseWriter, r *http.Request) {
	var in clockChange
	if !decodeStrict(w, r, &in) {
		return
	}
	if in.Advance != "" && in.Set != "" {
		Error(w, http.StatusBadRequest, "invalid_clock", "give either advance or set, not both")
		return
	}
	if in.Advance == "" && in.Set == "" && in.Freeze == nil {
		Error(w, http.StatusBadRequest, "invalid_clock", `give "advance" (Go duration, e.g. "15m"), "set" (RFC3339) or "freeze" (bool)`)
		return
	}
	var advance time.Duration
	var set time.Time
	var err error
	if in.Advance != "" {
		if advance, err = time.ParseDuration(in.Advance); err != nil {
			Error(w, http.StatusBadRequest, "invalid_clock", fmt.Sprintf("advance: %q is not a Go duration such as \"15m\" or \"-1h\"", in.Advance))
			return
		}
	}
	if in.Set != "" {
		if set, err = time.Parse(time.RFC3339Nano, in.Set); err != nil {
			Error(w, http.StatusBadRequest, "invalid_clock", fmt.Sprintf("set: %q is not an RFC3339 time such as \"2026-01-02T15:04:05Z\"", in.Set))
			return
		}
	}
	if in.Freeze != nil {
		m.c.Freeze(*in.Freeze)
	}
	switch {
	case in.Advance != "":
		m.c.Advance(advance)
	case in.Set != "":
		m.c.Set(set)
	}
	m.write(w)
}

// faultsModule is the registry of injected faults: /__mock/faults.
type faultsModule struct {
	f *faults.Registry
	// check, when set, refuses a fault that cannot match the spec served.
	check func(faults.Fault) error
}

func (m faultsModule) Name() string { return "faults" }

func (m faultsModule) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"/faults", m.list)
	mux.HandleFunc("POST "+Prefix+"/faults", m.add)
	mux.HandleFunc("DELETE "+Prefix+"/faults", m.clear)
	mux.HandleFunc("DELETE "+Prefix+"/faults/{id}", m.delete)
}

func (m faultsModule) Reset() { m.f.Clear() }

func (m faultsModule) Export(w io.Writer) error {
	return writeValue(w, m.f.List())
}

// Import replaces the faults, with none when the snapshot lists none. The
// ids are checked here too, so the commit's Adds cannot fail half-way.
func (m faultsModule) Import(part json.RawMessage) (func(), error) {
	var list []faults.Fault
	if part != nil {
		if err := decodePart(part, &list); err != nil {
			return nil, err
		}
	}
	ids := map[string]bool{}
	for i, f := range list {
		if err := f.Validate(); err != nil {
			return nil, atError{"[" + strconv.Itoa(i) + "]", err}
		}
		if f.ID != "" && ids[f.ID] {
			return nil, fmt.Errorf("a fault with id %q already exists", f.ID)
		}
		ids[f.ID] = true
	}
	return func() {
		m.f.Clear()
		for _, f := range list {
			_, _ = m.f.Add(f) // checked above
		}
	}, nil
}

func (m faultsModule) list(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, m.f.List())
}

func (m faultsModule) add(w http.ResponseWriter, r *http.Request) {
	var f faults.Fault
	if !decodeStrict(w, r, &f) {
		return
	}
	if f.Path != "" && strings.HasPrefix(f.Path, Prefix) {
		Error(w, http.StatusBadRequest, "invalid_fault", "path: faults apply to the API, not to the control plane")
		return
	}
	if m.check != nil && f.Validate() == nil {
		if err := m.check(f); err != nil {
			Error(w, http.StatusBadRequest, "invalid_fault", err.Error())
			return
		}
	}
	added, err := m.f.Add(f)
	if err != nil {
		Error(w, http.StatusBadRequest, "invalid_fault", err.Error())
		return
	}
	WriteJSON(w, http.StatusCreated, added)
}

func (m faultsModule) clear(w http.ResponseWriter, r *http.Request) {
	m.f.Clear()
	w.WriteHeader(http.StatusNoContent)
}

func (m faultsModule) delete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !m.f.Delete(id) {
		Error(w, http.StatusNotFound, "not_found", "no fault with id "+id)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// journalModule is the request journal: /__mock/requests. It is not part
// of the snapshot: a restored mock starts a fresh journal.
type journalModule struct{ j *journal.Journal }

func (m journalModule) Name() string { return "" }

func (m journalModule) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"/requests", m.list)
	mux.HandleFunc("DELETE "+Prefix+"/requests", m.clear)
}

func (m journalModule) Reset()                                 { m.j.Clear() }
func (m journalModule) Export(io.Writer) error                 { return nil }
func (m journalModule) Import(json.RawMessage) (func(), error) { return func() {}, nil }

func (m journalModule) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 100
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			Error(w, http.StatusBadRequest, "invalid_query", fmt.Sprintf("limit: %q must be a positive integer", s))
			return
		}
		limit = n
	}
	f := journal.Filter{
		Method:      strings.ToUpper(q.Get("method")),
		OperationID: q.Get("operation"),
		AppSlug:     q.Get("app"),
		Limit:       limit,
	}
	if s := q.Get("status"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 || n > 599 {
			Error(w, http.StatusBadRequest, "invalid_query", fmt.Sprintf("status: %q must be an HTTP status code", s))
			return
		}
		f.Status = n
	}
	WriteJSON(w, http.StatusOK, m.j.Filter(f))
}

func (m journalModule) clear(w http.ResponseWriter, r *http.Request) {
	m.j.Clear()
	w.WriteHeader(http.StatusNoContent)
}

// coverageModule reports which operations the domain answers statefully:
// /__mock/coverage. It reads the router and holds nothing.
type coverageModule struct{ coverage func() router.Coverage }

func (m coverageModule) Name() string { return "" }

func (m coverageModule) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"/coverage", m.serve)
}

func (m coverageModule) Reset()                                 {}
func (m coverageModule) Export(io.Writer) error                 { return nil }
func (m coverageModule) Import(json.RawMessage) (func(), error) { return func() {}, nil }

func (m coverageModule) serve(w http.ResponseWriter, r *http.Request) {
	if m.coverage == nil {
		WriteJSON(w, http.StatusOK, router.Coverage{Operations: []router.CoverageOp{}})
		return
	}
	WriteJSON(w, http.StatusOK, m.coverage())
}

// noDomain stands in for the domain when the mock runs without one: the
// domain's reserved routes answer 501, so a client learns the route exists
// but this mock was started without the domain, and a snapshot carrying a
// domain's state is refused rather than dropped.
type noDomain struct{}

// reservedDomainRoutes are the paths a domain serves under Prefix.
var reservedDomainRoutes = []string{"/outbox", "/idp/", "/apps/", "/tokens", "/links/"}

func (noDomain) Name() string { return "domain" }

func (n noDomain) Routes(mux *http.ServeMux) {
	for _, p := range reservedDomainRoutes {
		mux.HandleFunc(Prefix+p, notAvailable)
		if strings.HasSuffix(p, "/") {
			continue
		}
		mux.HandleFunc(Prefix+p+"/", notAvailable)
	}
}

func (noDomain) Reset()                 {}
func (noDomain) Export(io.Writer) error { return nil }

func (noDomain) Import(part json.RawMessage) (func(), error) {
	if part != nil {
		return nil, errors.New("this mock runs without a domain")
	}
	return func() {}, nil
}

func notAvailable(w http.ResponseWriter, r *http.Request) {
	Error(w, http.StatusNotImplemented, "not_available",
		"this mock runs without the Heimdall domain, so "+r.URL.Path+" has nothing to serve")
}
