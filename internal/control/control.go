// Package control serves the mock's control plane under the reserved prefix
// /__mock on the API port: health with the bootstrap values, reset, state
// export/import, fixtures, the clock, faults and the request journal. Tests
// drive the mock through it instead of poking at its internals, and the
// inspector page uses the same routes.
//
// The plane is made of modules (see Module): the engine's own (clock,
// faults, journal, coverage), further ones such as the inspector, and a
// domain (the stateful Heimdall) with its outbox, fake identity providers,
// keys and tokens. Without a domain its reserved routes answer 501.
package control

import (
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
	Domain   Domain // nil: a plain spec mock; the domain's routes answer 501
	Spec     func() SpecInfo
	Coverage func() router.Coverage
	// CheckFault, when set, refuses a fault that cannot match the spec
	// being served (an unknown operationId or path).
	CheckFault func(faults.Fault) error
	// BaseURL is the public base URL as seen by the request (--public-url
	// or http://<Host>).
	BaseURL func(*http.Request) string
	// Modules are further modules (the inspector page), mounted on the
	// control plane's mux so they share its error shape and body limits.
	Modules []Module
}

// Handler returns the control plane. Mount it at Prefix.
func Handler(d Deps) http.Handler {
	c := &controller{d: d, modules: d.modules()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Prefix+"/health", c.health)
	mux.HandleFunc("GET "+Prefix+"/ready", c.ready)
	mux.HandleFunc("POST "+Prefix+"/reset", c.reset)
	mux.HandleFunc("GET "+Prefix+"/state", c.exportState)
	mux.HandleFunc("PUT "+Prefix+"/state", c.importState)
	mux.HandleFunc("POST "+Prefix+"/fixtures", c.fixtures)
	for _, m := range c.modules {
		m.Routes(mux)
	}
	return c.wrap(mux)
}

// controller serves what concerns the plane as a whole (health, reset,
// the snapshot, fixtures); the rest is its modules'.
type controller struct {
	d       Deps
	modules []Module
}

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

func (c *controller) reset(w http.ResponseWriter, r *http.Request) {
	for _, m := range c.modules {
		m.Reset()
	}
	w.WriteHeader(http.StatusNoContent)
}

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

func (c *controller) fixtures(w http.ResponseWriter, r *http.Request) {
	if c.d.Domain == nil {
		notAvailable(w, r)
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
