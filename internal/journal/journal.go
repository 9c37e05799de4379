// Package journal keeps the most recent requests the mock served, so a test
// (or a person at the control plane) can ask "what did my client send, and
// did the mock's answer match the spec?" after the fact.
package journal

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/redact"
)

// DefaultCapacity is the ring size New uses for a capacity <= 0.
const DefaultCapacity = 1000

// MaxBodyBytes caps each stored body so a few large uploads cannot make the
// journal hold megabytes.
const MaxBodyBytes = redact.MaxBodyBytes

// Redacted replaces the value of a secret.
const Redacted = redact.Mask

// Entry is one served request.
type Entry struct {
	ID             string    `json:"id"`
	At             time.Time `json:"at"`
	Method         string    `json:"method"`
	Path           string    `json:"path"`
	Query          string    `json:"query"`
	OperationID    string    `json:"operation_id"`
	Status         int       `json:"status"`
	DurationMS     float64   `json:"duration_ms"`
	RequestErrors  []string  `json:"request_errors"`
	ResponseErrors []string  `json:"response_errors"`
	// Adaptations lists what was translated between the domain's dialect
	// and the served spec's (renamed, filled, dropped fields).
	Adaptations []string `json:"adaptations,omitempty"`
	AppSlug     string   `json:"app_slug,omitempty"`
	// AnsweredBy says the answer was not the operation's normal one: "fault"
	// (an injected fault, FaultID) or "prefer" (a Prefer header chose it).
	AnsweredBy     string            `json:"answered_by,omitempty"`
	FaultID        string            `json:"fault_id,omitempty"`
	RequestHeaders map[string]string `json:"request_headers"`
	RequestBody    json.RawMessage   `json:"request_body,omitempty"`
	ResponseBody   json.RawMessage   `json:"response_body,omitempty"`
}

// Filter selects entries; zero fields match everything.
type Filter struct {
	Status      int
	OperationID string
	AppSlug     string
	Method      string
	Limit       int // at most this many (newest first); <= 0 means all
}

// Journal is a fixed-size ring of entries, safe for concurrent use.
type Journal struct {
	mu      sync.RWMutex
	entries []Entry
	next    int // slot the next Add writes
	size    int // filled slots
	seq     uint64
}

// New returns a journal keeping the last capacity entries.
func New(capacity int) *Journal {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	return &Journal{entries: make([]Entry, capacity)}
}

// Add records e, evicting the oldest entry when full. It assigns the ID and
// normalises nil slices so the JSON form always carries arrays.
func (j *Journal) Add(e Entry) {
	if e.RequestErrors == nil {
		e.RequestErrors = []string{}
	}
	if e.ResponseErrors == nil {
		e.ResponseErrors = []string{}
	}
	if e.RequestHeaders == nil {
		e.RequestHeaders = map[string]string{}
	}
	// Paths, queries and violation messages can quote a credential too.
	e.Path, e.Query = redact.Text(e.Path), redact.Query(e.Query)
	e.RequestErrors, e.ResponseErrors = redact.Texts(e.RequestErrors), redact.Texts(e.ResponseErrors)
	j.mu.Lock()
	j.seq++
	e.ID = "req_" + strconv.FormatUint(j.seq, 10)
	j.entries[j.next] = e
	j.next = (j.next + 1) % len(j.entries)
	if j.size < len(j.entries) {
		j.size++
	}
	j.mu.Unlock()
}

// List returns up to limit entries, newest first (all when limit <= 0).
func (j *Journal) List(limit int) []Entry { return j.Filter(Filter{Limit: limit}) }

// Filter returns the matching entries, newest first.
func (j *Journal) Filter(f Filter) []Entry {
	j.mu.RLock()
	defer j.mu.RUnlock()
	n := j.size
	if f.Limit > 0 && f.Limit < n {
		n = f.Limit
	}
	out := make([]Entry, 0, n)
	for i := 0; i < j.size; i++ {
		e := j.entries[(j.next-1-i+len(j.entries))%len(j.entries)]
		if !f.matches(&e) {
			continue
		}
		out = append(out, e)
		if f.Limit > 0 && len(out) == f.Limit {
			break
		}
	}
	return out
}

// Len is the number of entries held.
func (j *Journal) Len() int {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return j.size
}

// Clear drops every entry; IDs keep counting so old ones are never reused.
func (j *Journal) Clear() {
	j.mu.Lock()
	clear(j.entries)
	j.next, j.size = 0, 0
	j.mu.Unlock()
}

func (f *Filter) matches(e *Entry) bool {
	return (f.Status == 0 || e.Status == f.Status) &&
		(f.OperationID == "" || e.OperationID == f.OperationID) &&
		(f.AppSlug == "" || e.AppSlug == f.AppSlug) &&
		(f.Method == "" || strings.EqualFold(e.Method, f.Method))
}

// Headers flattens h (multiple values joined by ", ") with secrets redacted.
func Headers(h http.Header) map[string]string { return redact.Headers(h) }

// Body turns a captured body into something storable, secrets masked and
// cut to MaxBodyBytes (see redact.Body).
func Body(b []byte) json.RawMessage { return redact.Body(b) }
