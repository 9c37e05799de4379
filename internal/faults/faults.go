// Package faults holds injected failures: "the next 3 signins answer 503",
// "every GET /v1/apps takes 2 s", "drop the connection on token refresh".
// Client code is tested against these without the real service misbehaving.
package faults

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// MaxDelayMS bounds a fault's delay so a typo cannot hang a test run.
const MaxDelayMS = 60000

// Fault is one injected failure. It matches an operation by OperationID, or
// by Method plus Path, where Path is either the spec's template
// (/{app_slug}/v1/auth/signin) or one concrete path (/acme/v1/auth/signin).
type Fault struct {
	ID             string          `json:"id"`
	OperationID    string          `json:"operation_id,omitempty"`
	Method         string          `json:"method,omitempty"`
	Path           string          `json:"path,omitempty"`
	Status         int             `json:"status,omitempty"`
	Body           json.RawMessage `json:"body,omitempty"`
	DelayMS        int             `json:"delay_ms,omitempty"`
	Times          int             `json:"times,omitempty"` // uses left; 0 means unlimited
	DropConnection bool            `json:"drop_connection,omitempty"`
	Hits           int             `json:"hits"`
}

// Validate reports what is wrong with f, all problems at once.
func (f Fault) Validate() error {
	var errs []error
	hasMethodPath := f.Method != "" && f.Path != ""
	switch {
	case f.OperationID == "" && !hasMethodPath:
		errs = append(errs, errors.New("a fault needs operation_id, or method and path"))
	case f.OperationID != "" && (f.Method != "" || f.Path != ""):
		errs = append(errs, errors.New("give operation_id or method+path, not both"))
	}
	if f.Method != "" && !validMethod(f.Method) {
		errs = append(errs, fmt.Errorf("method %q is not an HTTP method", f.Method))
	}
	if f.Path != "" && !strings.HasPrefix(f.Path, "/") {
		errs = append(errs, fmt.Errorf("path %q must start with /", f.Path))
	}
	if f.Status != 0 && (f.Status < 100 || f.Status > 599) {
		errs = append(errs, fmt.Errorf("status %d is outside 100-599", f.Status))
	}
	if f.DelayMS < 0 || f.DelayMS > MaxDelayMS {
		errs = append(errs, fmt.Errorf("delay_ms %d is outside 0-%d", f.DelayMS, MaxDelayMS))
	}
	if f.Times < 0 {
		errs = append(errs, fmt.Errorf("times %d is negative (0 means unlimited)", f.Times))
	}
	if len(f.Body) > 0 {
		if f.Status == 0 {
			errs = append(errs, errors.New("body needs a status"))
		}
		if !json.Valid(f.Body) {
			errs = append(errs, errors.New("body is not valid JSON"))
		}
	}
	if f.DropConnection && (f.Status != 0 || len(f.Body) > 0) {
		errs = append(errs, errors.New("drop_connection sends no response, so status and body cannot be set"))
	}
	if f.Status == 0 && f.DelayMS == 0 && !f.DropConnection {
		errs = append(errs, errors.New("the fault does nothing: set status, delay_ms or drop_connection"))
	}
	return errors.Join(errs...)
}

func validMethod(m string) bool {
	switch strings.ToUpper(m) {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodTrace, http.MethodConnect:
		return true
	}
	return false
}

// Registry holds the active faults in the order they were added; the first
// match wins. It is safe for concurrent use.
type Registry struct {
	mu     sync.Mutex
	faults []*Fault
	seq    uint64
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{} }

// Add validates f, assigns its ID (unless given) and activates it.
func (r *Registry) Add(f Fault) (Fault, error) {
	if err := f.Validate(); err != nil {
		return Fault{}, err
	}
	f.Method = strings.ToUpper(f.Method)
	f.Hits = 0
	r.mu.Lock()
	defer r.mu.Unlock()
	if f.ID == "" {
		r.seq++
		f.ID = "fault_" + strconv.FormatUint(r.seq, 10)
	}
	for _, g := range r.faults {
		if g.ID == f.ID {
			return Fault{}, fmt.Errorf("a fault with id %q already exists", f.ID)
		}
	}
	r.faults = append(r.faults, &f)
	return f, nil
}

// List returns copies of the active faults.
func (r *Registry) List() []Fault {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Fault, len(r.faults))
	for i, f := range r.faults {
		out[i] = *f
	}
	return out
}

// Delete removes the fault with id and reports whether it existed.
func (r *Registry) Delete(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, f := range r.faults {
		if f.ID == id {
			r.faults = append(r.faults[:i], r.faults[i+1:]...)
			return true
		}
	}
	return false
}

// Clear removes every fault.
func (r *Registry) Clear() {
	r.mu.Lock()
	r.faults = nil
	r.mu.Unlock()
}

// Take finds the first fault matching the request and uses it once: Hits
// goes up, Times (when limited) goes down, and a fault with no uses left is
// removed. The returned copy is the fault as it was applied.
func (r *Registry) Take(opID, method, template, path string) (Fault, bool) {
	if r == nil {
		return Fault{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.faults) == 0 {
		return Fault{}, false
	}
	for i, f := range r.faults {
		if !f.matches(opID, method, template, path) {
			continue
		}
		f.Hits++
		applied := *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				r.faults = append(r.faults[:i], r.faults[i+1:]...)
			}
		}
		return applied, true
	}
	return Fault{}, false
}

func (f *Fault) matches(opID, method, template, path string) bool {
	if f.OperationID != "" {
		return opID != "" && f.OperationID == opID
	}
	if !strings.EqualFold(f.Method, method) {
		return false
	}
	return samePath(f.Path, template) || samePath(f.Path, path)
}

// samePath compares paths, tolerating one trailing slash as the router
// does.
func samePath(a, b string) bool {
	if len(a) > 1 {
		a = strings.TrimSuffix(a, "/")
	}
	if len(b) > 1 {
		b = strings.TrimSuffix(b, "/")
	}
	return a == b
}
