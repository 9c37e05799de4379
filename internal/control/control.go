// Package control serves the mock's control plane under the reserved prefix
// /__mock on the API port: health with the bootstrap values, reset, state
// export/import, fixtures, the clock, faults and the request journal. Tests
// drive the mock through it instead of poking at its internals, and the
// inspector page uses the same routes.
//
// The engine owns these routes. A domain (the stateful Heimdall) adds its own
// (outbox, fake identity providers, keys, tokens) through Domain.ControlRoutes;
// without a domain those reserved routes answer 501.
package control

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/clock"
	"github.com/heimdall-mock/heimdall-mock/internal/faults"
	"github.com/heimdall-mock/heimdall-mock/internal/journal"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
	"github.com/heimdall-mock/heimdall-mock/internal/shape"
)

// Prefix is the reserved path prefix of the control plane. App slugs that
// begin with "__" are refused by the domain, so it never collides with
// /{app_slug}/v1/... routes.
const Prefix = "/__mock"

// maxControlBody bounds every control-plane request body; state imports are
// the largest legitimate ones.
const maxControlBody = 64 << 20

// Domain is what a stateful domain plugs into the control plane.
type Domain interface {
	// ControlRoutes registers the domain's own /__mock routes.
	ControlRoutes(mux *http.ServeMux)
	// Reset returns the domain to its baseline (startup fixtures or bootstrap).
	Reset()
	// ExportTo streams a snapshot of the whole domain state as one JSON
	// value; Import replaces the state with one.
	ExportTo(w io.Writer) error
	Import(json.RawMessage) error
	// ApplyFixtures loads a fixture document (JSON or YAML) on top of the
	// current state and returns the ids it created.
	ApplyFixtures(doc []byte) (map[string]any, error)
	// BootstrapInfo is the fixed values a newcomer needs (ids, api key, ...).
	BootstrapInfo(baseURL string) map[string]any
}

// SpecInfo describes the loaded spec for the health route.
type SpecInfo struct {
	Title      string   `json:"title"`
	Version    string   `json:"version"`
	Operations int      `json:"operations"`
	Source     string   `json:"source"`
	OpenAPI    string   `json:"openapi"`
	Warnings   []string `json:"warnings"`
	// Adaptations lists, per stateful operation, how its answers are
	// translated to the served spec's dialect (renamed, filled, dropped
	// fields); empty when the domain's own spec is served.
	Adaptations []shape.Adaptation `json:"adaptations"`
	// Pending names what is still computed in the background after the
	// listener came up ("adaptations"); the fields it names fill in once
	// done.
	Pending []string `json:"pending,omitempty"`
}

// Deps are the engine parts the control plane reads and drives.
type Deps struct {
	Clock    *clock.Clock
	Journal  *journal.Journal
	Faults   *faults.Registry
	Domain   Domain // nil: a plain spec mock with no domain routes
	Spec     func() SpecInfo
	Coverage func() router.Coverage
	// CheckFault, when set, refuses a fault that cannot match the spec
	// being served (an unknown operationId or path).
	CheckFault func(faults.Fault) error
	// BaseURL is the public base URL as seen by the request (--public-url
	// or http://<Host>).
	BaseURL func(*http.Request) string
	// Mount, when set, registers further routes under Prefix (the
	// inspector page) on the control plane's mux, so they share its error
	// shape and body limits.
	Mount func(mux *http.ServeMux)
}

// reservedDomainRoutes answer 501 when no domain claims them, so a client
// learns the route exists but this mock was started without the domain.
var reservedDomainRoutes = []string{"/outbox", "/idp/", "/apps/", "/tokens", "/links/"}

// Handler returns the control plane. Mount it at Prefix.
func Handler(d Deps) http.Handler {
	c := &controller{d: d}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Prefix+"/health", c.health)
	mux.HandleFunc("GET "+Prefix+"/ready", c.ready)
	mux.HandleFunc("POST "+Prefix+"/reset", c.reset)
	mux.HandleFunc("GET "+Prefix+"/state", c.exportState)
	mux.HandleFunc("PUT "+Prefix+"/state", c.importState)
	mux.HandleFunc("POST "+Prefix+"/fixtures", c.fixtures)
	mux.HandleFunc("GET "+Prefix+"/clock", c.getClock)
	mux.HandleFunc("POST "+Prefix+"/clock", c.setClock)
	mux.HandleFunc("GET "+Prefix+"/faults", c.listFaults)
	mux.HandleFunc("POST "+Prefix+"/faults", c.addFault)
	mux.HandleFunc("DELETE "+Prefix+"/faults", c.clearFaults)
	mux.HandleFunc("DELETE "+Prefix+"/faults/{id}", c.deleteFault)
	mux.HandleFunc("GET "+Prefix+"/requests", c.listRequests)
	mux.HandleFunc("DELETE "+Prefix+"/requests", c.clearRequests)
	mux.HandleFunc("GET "+Prefix+"/coverage", c.coverage)
	if d.Mount != nil {
		d.Mount(mux)
	}
	if d.Domain != nil {
		d.Domain.ControlRoutes(mux)
	} else {
		for _, p := range reservedDomainRoutes {
			mux.HandleFunc(Prefix+p, c.noDomain)
			if strings.HasSuffix(p, "/") {
				continue
			}
			mux.HandleFunc(Prefix+p+"/", c.noDomain)
		}
	}
	return c.wrap(mux)
}

type controller struct{ d Deps }

// wrap turns the mux's plain-text 404/405 into the control plane's JSON
// error shape and bounds request bodies.
func (c *controller) wrap(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxControlBody)
		_, pattern := mux.Handler(r)
		if pattern == "" {
			allow := c.allowed(mux, r)
			if len(allow) > 0 {
				w.Header().Set("Allow", strings.Join(allow, ", "))
				Error(w, http.StatusMethodNotAllowed, "method_not_allowed",
					fmt.Sprintf("%s %s is not supported; allowed: %s", r.Method, r.URL.Path, strings.Join(allow, ", ")))
				return
			}
			Error(w, http.StatusNotFound, "not_found", "no control route "+r.Method+" "+r.URL.Path)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (c *controller) allowed(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := mux.Handler(probe); p != "" {
			allow = append(allow, m)
		}
	}
	return allow
}

func (c *controller) noDomain(w http.ResponseWriter, r *http.Request) {
	Error(w, http.StatusNotImplemented, "not_available",
		"this mock runs without the Heimdall domain, so "+r.URL.Path+" has nothing to serve")
}

func (c *controller) health(w http.ResponseWriter, r *http.Request) {
	spec := c.d.Spec()
	body := map[string]any{
		"status": "ok",
		"spec":   spec,
		"clock":  map[string]any{"now": c.d.Clock.Now().UTC().Format(time.RFC3339Nano), "frozen": c.d.Clock.Frozen()},
	}
	base := c.d.BaseURL(r)
	body["base_url"] = base
	if c.d.Domain != nil {
		boot := c.d.Domain.BootstrapInfo(base)
		body["bootstrap"] = boot
		// The fake providers' client ids are wanted at the top level too:
		// that is where the quickstart reads them.
		for _, k := range []string{"apple_client_id", "google_client_id"} {
			if v, ok := boot[k]; ok {
				body[k] = v
			}
		}
	}
	// The per-operation coverage is most of the document's size on a large
	// spec; it is served on request only (or at /__mock/coverage).
	if c.d.Coverage != nil && wantsCoverage(r.URL.Query().Get("coverage")) {
		body["coverage"] = c.d.Coverage()
	}
	WriteJSON(w, http.StatusOK, body)
}

func wantsCoverage(v string) bool {
	b, err := strconv.ParseBool(v)
	return err == nil && b
}

// ready is the probe for container health checks and test harnesses that
// poll until the mock serves: a fixed, tiny answer that costs nothing, so
// polling it every few milliseconds does not load the mock.
func (c *controller) ready(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"status":"ready"}`+"\n")
}

func (c *controller) coverage(w http.ResponseWriter, r *http.Request) {
	if c.d.Coverage == nil {
		WriteJSON(w, http.StatusOK, router.Coverage{Operations: []router.CoverageOp{}})
		return
	}
	WriteJSON(w, http.StatusOK, c.d.Coverage())
}

func (c *controller) reset(w http.ResponseWriter, r *http.Request) {
	if c.d.Domain != nil {
		c.d.Domain.Reset()
	}
	c.d.Clock.Reset()
	c.d.Faults.Clear()
	c.d.Journal.Clear()
	w.WriteHeader(http.StatusNoContent)
}

// snapshot is the export format. Version lets a later mock refuse or
// migrate an older snapshot instead of misreading it.
type snapshot struct {
	Version int             `json:"version"`
	Clock   clockState      `json:"clock"`
	Faults  []faults.Fault  `json:"faults"`
	Domain  json.RawMessage `json:"domain,omitempty"`
}

type clockState struct {
	Now    time.Time `json:"now"`
	Frozen bool      `json:"frozen"`
}

const snapshotVersion = 1

// exportState spools the snapshot to an unlinked temporary file and sends
// that: the domain is locked only while the file is written, never while a
// slow client reads, and the document is never whole in memory.
func (c *controller) exportState(w http.ResponseWriter, r *http.Request) {
	spool, err := os.CreateTemp("", "heimdall-mock-state-*.json")
	if err != nil {
		// No temporary folder: stream straight to the client instead.
		w.Header().Set("Content-Type", "application/json")
		_ = WriteState(c.d, w)
		return
	}
	os.Remove(spool.Name())
	defer spool.Close()
	if err := WriteState(c.d, spool); err != nil {
		Error(w, http.StatusInternalServerError, "export_failed", err.Error())
		return
	}
	size, err := spool.Seek(0, io.SeekCurrent)
	if err == nil {
		_, err = spool.Seek(0, io.SeekStart)
	}
	if err != nil {
		Error(w, http.StatusInternalServerError, "export_failed", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, spool)
}

// WriteState streams the snapshot of everything the mock holds (clock,
// faults, the domain's state) to w, as GET /__mock/state serves it and
// --state-file holds it.
func WriteState(d Deps, w io.Writer) error {
	head, err := json.Marshal(snapshot{
		Version: snapshotVersion,
		Clock:   clockState{Now: d.Clock.Now().UTC(), Frozen: d.Clock.Frozen()},
		Faults:  d.Faults.List(),
	})
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(head[:len(head)-1]) // the object stays open for the domain
	if d.Domain != nil {
		bw.WriteString(`,"domain":`)
		if err := d.Domain.ExportTo(bw); err != nil {
			return err
		}
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

func (c *controller) importState(w http.ResponseWriter, r *http.Request) {
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	if err := ImportState(c.d, data); err != nil {
		Error(w, http.StatusBadRequest, "invalid_state", err.Error())
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// ImportState replaces the mock's state with an exported snapshot. It checks
// the whole snapshot before changing anything, so a bad one leaves the
// running state as it was.
func ImportState(d Deps, data []byte) error {
	var snap snapshot
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&snap); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	if snap.Version != snapshotVersion {
		return fmt.Errorf("state.version: %d is not supported (want %d)", snap.Version, snapshotVersion)
	}
	for i, f := range snap.Faults {
		if err := f.Validate(); err != nil {
			return fmt.Errorf("state.faults[%d]: %w", i, err)
		}
	}
	if len(snap.Domain) > 0 {
		if d.Domain == nil {
			return errors.New("state.domain: this mock runs without a domain")
		}
		if err := d.Domain.Import(snap.Domain); err != nil {
			return fmt.Errorf("state.domain: %w", err)
		}
	}
	d.Faults.Clear()
	for _, f := range snap.Faults {
		if _, err := d.Faults.Add(f); err != nil {
			return fmt.Errorf("state.faults: %w", err)
		}
	}
	if !snap.Clock.Now.IsZero() {
		d.Clock.Reset()
		if snap.Clock.Frozen {
			d.Clock.Freeze(true)
		}
		d.Clock.Set(snap.Clock.Now)
	}
	return nil
}

func (c *controller) fixtures(w http.ResponseWriter, r *http.Request) {
	if c.d.Domain == nil {
		c.noDomain(w, r)
		return
	}
	data, ok := readBody(w, r)
	if !ok {
		return
	}
	created, err := c.d.Domain.ApplyFixtures(data)
	if err != nil {
		Error(w, http.StatusBadRequest, "invalid_fixtures", err.Error())
		return
	}
	WriteJSON(w, http.StatusCreated, created)
}

func (c *controller) getClock(w http.ResponseWriter, r *http.Request) {
	c.writeClock(w)
}

func (c *controller) writeClock(w http.ResponseWriter) {
	WriteJSON(w, http.StatusOK, map[string]any{
		"now":    c.d.Clock.Now().UTC().Format(time.RFC3339Nano),
		"frozen": c.d.Clock.Frozen(),
	})
}

// clockChange is the body of POST /__mock/clock: exactly one of advance or
// set, optionally with freeze; or freeze alone.
type clockChange struct {
	Advance string `json:"advance"`
	Set     string `json:"set"`
	Freeze  *bool  `json:"freeze"`
}

func (c *controller) setClock(w http.ResponseWriter, r *http.Request) {
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
		c.d.Clock.Freeze(*in.Freeze)
	}
	switch {
	case in.Advance != "":
		c.d.Clock.Advance(advance)
	case in.Set != "":
		c.d.Clock.Set(set)
	}
	c.writeClock(w)
}

func (c *controller) listFaults(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, c.d.Faults.List())
}

func (c *controller) addFault(w http.ResponseWriter, r *http.Request) {
	var f faults.Fault
	if !decodeStrict(w, r, &f) {
		return
	}
	if f.Path != "" && strings.HasPrefix(f.Path, Prefix) {
		Error(w, http.StatusBadRequest, "invalid_fault", "path: faults apply to the API, not to the control plane")
		return
	}
	if c.d.CheckFault != nil && f.Validate() == nil {
		if err := c.d.CheckFault(f); err != nil {
			Error(w, http.StatusBadRequest, "invalid_fault", err.Error())
			return
		}
	}
	added, err := c.d.Faults.Add(f)
	if err != nil {
		Error(w, http.StatusBadRequest, "invalid_fault", err.Error())
		return
	}
	WriteJSON(w, http.StatusCreated, added)
}

func (c *controller) clearFaults(w http.ResponseWriter, r *http.Request) {
	c.d.Faults.Clear()
	w.WriteHeader(http.StatusNoContent)
}

func (c *controller) deleteFault(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !c.d.Faults.Delete(id) {
		Error(w, http.StatusNotFound, "not_found", "no fault with id "+id)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (c *controller) listRequests(w http.ResponseWriter, r *http.Request) {
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
	WriteJSON(w, http.StatusOK, c.d.Journal.Filter(f))
}

func (c *controller) clearRequests(w http.ResponseWriter, r *http.Request) {
	c.d.Journal.Clear()
	w.WriteHeader(http.StatusNoContent)
}

// readBody reads a bounded body, answering 413 itself when it is too big.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			Error(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body over %d bytes", tooBig.Limit))
			return nil, false
		}
		Error(w, http.StatusBadRequest, "unreadable_body", err.Error())
		return nil, false
	}
	return data, true
}

// decodeStrict decodes a JSON body, refusing unknown fields so a typo in a
// test's control call fails loudly instead of being ignored.
func decodeStrict(w http.ResponseWriter, r *http.Request, v any) bool {
	data, ok := readBody(w, r)
	if !ok {
		return false
	}
	if err := DecodeStrict(data, v); err != nil {
		Error(w, http.StatusBadRequest, "invalid_json", err.Error())
		return false
	}
	return true
}

// DecodeStrict decodes JSON into v, refusing unknown fields and trailing data.
func DecodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("body: a JSON object is required")
		}
		return fmt.Errorf("body: %w", err)
	}
	if dec.More() {
		return errors.New("body: unexpected data after the JSON value")
	}
	return nil
}

// Error writes the control plane's error shape {"error","detail"}.
func Error(w http.ResponseWriter, status int, code, detail string) {
	WriteJSON(w, status, map[string]string{"error": code, "detail": detail})
}

// WriteJSON writes v as a JSON response.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"error":"encode_failed","detail":` + strconv.Quote(err.Error()) + `}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(data, '\n'))
}
