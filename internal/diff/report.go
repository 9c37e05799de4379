// Package diff compares two OpenAPI 3 documents and classifies every change
// that can reach a client by a named rule with a stable id and a level:
// error (breaks existing clients), warning (may break some) or info.
//
// Documents are read from their YAML/JSON node tree into a small resolved
// view; the comparison walks both views operation by operation, matching operations by what
// a client sends (method and URL shape), so cosmetic edits such as renamed
// path parameters, reordered keys, `allOf` single wrappers or description
// changes raise no alarm.
package diff

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Level is how much a change matters to existing clients.
type Level int

// Levels, least severe first so they compare with <.
const (
	Info Level = iota
	Warning
	Error
)

func (l Level) String() string {
	switch l {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("level(%d)", int(l))
}

// ParseLevel reads "error", "warning" or "info".
func ParseLevel(s string) (Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "error", "err", "breaking":
		return Error, nil
	case "warning", "warn":
		return Warning, nil
	case "info":
		return Info, nil
	}
	return 0, fmt.Errorf("unknown level %q (want error, warning or info)", s)
}

// MarshalText writes the level by name, so JSON reports stay readable.
func (l Level) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText reads a level by name.
func (l *Level) UnmarshalText(b []byte) error {
	v, err := ParseLevel(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// Finding is one classified change.
type Finding struct {
	Rule      string `json:"rule"`
	Level     Level  `json:"level"`
	Operation string `json:"operation"`          // "POST /{app_slug}/v1/auth/signin"
	Location  string `json:"location,omitempty"` // "request body: display_name"
	Message   string `json:"message"`
	// Line and Column point at the changed node in the new document
	// (1-based); 0 when it has none there, e.g. a removed operation.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// Accepted is set when an accept-file entry covers this finding; it then
	// no longer counts towards the exit code.
	Accepted *Acceptance `json:"accepted,omitempty"`
	// Scenarios names the replay scenarios whose steps call the operation,
	// when the caller matched them (contract diff --scenarios).
	Scenarios []string `json:"scenarios,omitempty"`
}

// Report is the outcome of one comparison.
type Report struct {
	Old      Source    `json:"old"`
	New      Source    `json:"new"`
	Findings []Finding `json:"findings"`
	// Expired lists accept-file entries past their expiry date; the
	// findings they named count again.
	Expired []Acceptance `json:"expired_acceptances,omitempty"`
	// Unused lists accept-file entries that matched no finding.
	Unused []Acceptance `json:"unused_acceptances,omitempty"`
}

// Source describes one side of the comparison.
type Source struct {
	Name string    `json:"name,omitempty"`
	Date time.Time `json:"date,omitzero"`
}

// Count returns how many findings have exactly this level, accepted or not.
func (r *Report) Count(l Level) int {
	n := 0
	for _, f := range r.Findings {
		if f.Level == l {
			n++
		}
	}
	return n
}

// Failing returns the findings at or above the level that no acceptance covers.
func (r *Report) Failing(min Level) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.Level >= min && f.Accepted == nil {
			out = append(out, f)
		}
	}
	return out
}

// Breaking reports whether any error-level finding is left unaccepted.
func (r *Report) Breaking() bool { return len(r.Failing(Error)) > 0 }

// OperationGroup holds the findings of one operation, most severe first.
type OperationGroup struct {
	Operation string
	Max       Level
	Findings  []Finding
}

// ByOperation groups the findings by operation, in report order.
func (r *Report) ByOperation() []OperationGroup {
	var groups []OperationGroup
	index := map[string]int{}
	for _, f := range r.Findings {
		i, ok := index[f.Operation]
		if !ok {
			i = len(groups)
			index[f.Operation] = i
			groups = append(groups, OperationGroup{Operation: f.Operation, Max: f.Level})
		}
		g := &groups[i]
		g.Findings = append(g.Findings, f)
		if f.Level > g.Max {
			g.Max = f.Level
		}
	}
	return groups
}

// sortFindings orders by operation path then method, then most severe first,
// so reviewers read each operation's breaks before its additions.
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Operation != b.Operation {
			pa, ma := splitOp(a.Operation)
			pb, mb := splitOp(b.Operation)
			if pa != pb {
				return pa < pb
			}
			return ma < mb
		}
		if a.Level != b.Level {
			return a.Level > b.Level
		}
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Location < b.Location
	})
}

func splitOp(op string) (path, method string) {
	method, path, _ = strings.Cut(op, " ")
	return path, method
}
