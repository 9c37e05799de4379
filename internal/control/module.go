package control

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
)

// Module is one part of the control plane: the clock, the faults, the
// journal, a domain. The plane asks every module the same four things, in
// the order the modules were listed: its routes at start, its reset on
// POST /__mock/reset, its part of the state snapshot on export, and to take
// that part back on import.
//
// It is one interface, not a core with optional sub-interfaces, although
// some modules keep nothing in a snapshot: a type assertion for an
// optional method fails silently when a signature drifts, and a module
// would then quietly drop out of reset or of the snapshot. Stateless
// modules spell their no-ops out instead (Name "" and empty bodies, or
// RoutesOnly), which costs a few lines and is checked by the compiler.
type Module interface {
	// Name keys the module's part of the snapshot ({"clock": ...}). ""
	// keeps the module out of snapshots: Export and Import are never
	// called, and no key is accepted for it.
	Name() string
	// Routes registers the module's handlers under Prefix. Their errors
	// use Error, so the whole plane answers in one shape.
	Routes(mux *http.ServeMux)
	// Reset returns the module to its baseline.
	Reset()
	// Export writes the module's part as one JSON value. Writing nothing
	// leaves the part out of the snapshot.
	Export(w io.Writer) error
	// Import checks the module's part of a snapshot (nil when the snapshot
	// has none) without changing anything, and returns commit, which
	// applies it and cannot fail. The plane commits only once every
	// module's part checked out, so a bad snapshot changes nothing.
	Import(part json.RawMessage) (commit func(), err error)
}

// Domain is the module of a stateful domain. Besides a module's duties it
// loads fixtures and names the values a newcomer needs; the plane has at
// most one.
type Domain interface {
	Module
	// ApplyFixtures loads a fixture document (JSON or YAML) on top of the
	// current state and returns the ids it created.
	ApplyFixtures(doc []byte) (map[string]any, error)
	// BootstrapInfo is the fixed values a newcomer needs (ids, api key, ...).
	BootstrapInfo(baseURL string) map[string]any
}

// RoutesOnly is a module that serves routes and holds no state of its own
// (the inspector's page reads the others').
type RoutesOnly func(mux *http.ServeMux)

func (f RoutesOnly) Name() string                                      { return "" }
func (f RoutesOnly) Routes(mux *http.ServeMux)                         { f(mux) }
func (f RoutesOnly) Reset()                                            {}
func (f RoutesOnly) Export(io.Writer) error                            { return nil }
func (f RoutesOnly) Import(json.RawMessage) (commit func(), err error) { return func() {}, nil }

// snapshotVersion lets a later mock refuse or migrate an older snapshot
// instead of misreading it. It is the snapshot's first key; the modules'
// parts follow in module order.
const snapshotVersion = 1

// WriteState streams the snapshot of everything the mock holds (clock,
// faults, the domain's state) to w, as GET /__mock/state serves it and
// --state-file holds it.
func WriteState(d Deps, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"version":` + strconv.Itoa(snapshotVersion))
	for _, m := range d.modules() {
		if m.Name() == "" {
			continue
		}
		// The key goes out with the part's first byte, so a module with
		// nothing to keep leaves no key behind; parts stream straight
		// through, a large domain is never whole in memory.
		part := &partWriter{w: bw, key: `,` + strconv.Quote(m.Name()) + `:`}
		if err := m.Export(part); err != nil {
			return err
		}
	}
	bw.WriteString("}\n")
	return bw.Flush()
}

type partWriter struct {
	w       *bufio.Writer
	key     string
	started bool
}

func (p *partWriter) Write(b []byte) (int, error) {
	if !p.started && len(b) > 0 {
		p.started = true
		if _, err := p.w.WriteString(p.key); err != nil {
			return 0, err
		}
	}
	return p.w.Write(b)
}

// ImportState replaces the mock's state with an exported snapshot. It checks
// the whole snapshot before changing anything, so a bad one leaves the
// running state as it was.
func ImportState(d Deps, data []byte) error {
	var parts map[string]json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&parts); err != nil {
		return fmt.Errorf("state: %w", err)
	}
	mods := d.modules()
	known := map[string]bool{"version": true}
	for _, m := range mods {
		if m.Name() != "" {
			known[m.Name()] = true
		}
	}
	for _, k := range slices.Sorted(maps.Keys(parts)) {
		if !known[k] {
			return fmt.Errorf("state: json: unknown field %q", k)
		}
	}
	var version int
	if raw, ok := parts["version"]; ok {
		if err := json.Unmarshal(raw, &version); err != nil {
			return fmt.Errorf("state.version: %w", err)
		}
	}
	if version != snapshotVersion {
		return fmt.Errorf("state.version: %d is not supported (want %d)", version, snapshotVersion)
	}
	commits := make([]func(), 0, len(mods))
	for _, m := range mods {
		if m.Name() == "" {
			continue
		}
		commit, err := m.Import(parts[m.Name()])
		if err != nil {
			return partError(m.Name(), err)
		}
		commits = append(commits, commit)
	}
	for _, commit := range commits {
		commit()
	}
	return nil
}

// atError places an import error inside a module's part, such as at [2]
// of the faults, so the message reads state.faults[2]: ...
type atError struct {
	at  string
	err error
}

func (e atError) Error() string { return e.at + ": " + e.err.Error() }
func (e atError) Unwrap() error { return e.err }

func partError(name string, err error) error {
	var at atError
	if errors.As(err, &at) {
		return fmt.Errorf("state.%s%s: %w", name, at.at, at.err)
	}
	return fmt.Errorf("state.%s: %w", name, err)
}
