// Package drift compares how two targets answer the same scenarios: the
// status of each step and the shape of its JSON body (keys, value types,
// the shapes of array elements), never the values, which differ between any
// two runs. Replayed against the mock and the real service it is the mock's
// fidelity report; against two mocks on two spec versions it shows what the
// new version changes for a client.
package drift

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/heimdall-mock/heimdall-mock/internal/scenario"
	"github.com/heimdall-mock/heimdall-mock/internal/stickyerr"
)

// Observation is what one target answered to one step.
type Observation struct {
	Status int
	// Shape is the body's shape; nil when the body is empty or not JSON.
	Shape *Shape
	// Message is an error answer's message (the NestJS body's "message"),
	// which says why a status differs.
	Message string
}

// Recorder collects the observations of a replay; its Observe goes into a
// scenario.Runner.
type Recorder struct {
	mu   sync.Mutex
	seen map[stepKey]Observation
}

type stepKey struct {
	scenario string
	step     int
}

// NewRecorder returns an empty recorder.
func NewRecorder() *Recorder { return &Recorder{seen: map[stepKey]Observation{}} }

// Observe records one response; it has scenario.Runner.Observe's signature.
func (r *Recorder) Observe(sc *scenario.Scenario, step int, _ *http.Request, status int, _ http.Header, body []byte) {
	obs := Observation{Status: status}
	var v any
	if len(body) > 0 && json.Unmarshal(body, &v) == nil {
		obs.Shape = ShapeOf(v)
		if status >= 400 {
			obs.Message = errorMessage(v)
		}
	}
	r.mu.Lock()
	r.seen[stepKey{sc.Name, step}] = obs
	r.mu.Unlock()
}

// errorMessage reads "message" of an error body: a string or a list.
func errorMessage(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	switch msg := m["message"].(type) {
	case string:
		return msg
	case []any:
		parts := make([]string, 0, len(msg))
		for _, p := range msg {
			parts = append(parts, fmt.Sprint(p))
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

func (r *Recorder) get(scenario string, step int) (Observation, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o, ok := r.seen[stepKey{scenario, step}]
	return o, ok
}

// Side is one target of a comparison: a runner to replay on and a name
// for the report.
type Side struct {
	Name   string
	Runner *scenario.Runner
}

// Kinds of difference.
const (
	KindStatus = "status" // the two statuses differ
	KindShape  = "shape"  // same status, bodies of different shape
	KindOnlyA  = "only-a" // the step ran on A only (B stopped earlier)
	KindOnlyB  = "only-b"
	KindError  = "error" // a scenario could not run on one side
)

// Difference is one step (or scenario) answered differently.
type Difference struct {
	Scenario string `json:"scenario"`
	Step     string `json:"step,omitempty"`
	Index    int    `json:"index"` // 1-based step number; 0 for the scenario
	Method   string `json:"method,omitempty"`
	Path     string `json:"path,omitempty"` // the step's path template
	Kind     string `json:"kind"`
	A        string `json:"a,omitempty"` // status (or error) on A
	B        string `json:"b,omitempty"`
	// Shape lists the body differences, "/data/[]/id: string on A, number on B".
	Shape []string `json:"shape,omitempty"`
	// MessageA and MessageB are the error messages of a status difference.
	MessageA string `json:"message_a,omitempty"`
	MessageB string `json:"message_b,omitempty"`
}

// Report is the outcome of a comparison.
type Report struct {
	A           string       `json:"a"`
	B           string       `json:"b"`
	Scenarios   int          `json:"scenarios"`
	Compared    int          `json:"steps_compared"` // steps answered on both sides
	Differences []Difference `json:"differences"`
	// Failed counts scenarios failing on each side: the scenarios pin the
	// behaviour, so a failure is a difference of its own kind.
	FailedA int `json:"failed_a"`
	FailedB int `json:"failed_b"`
}

// Run replays the scenarios on both sides, one after the other, and
// compares their answers step by step. The sides' runners get their
// Observe set.
func Run(ctx context.Context, a, b Side, scs []*scenario.Scenario) *Report {
	recA, recB := NewRecorder(), NewRecorder()
	a.Runner.Observe, b.Runner.Observe = recA.Observe, recB.Observe
	repA := a.Runner.Run(ctx, scs)
	repB := b.Runner.Run(ctx, scs)
	return Compare(a.Name, b.Name, scs, repA, repB, recA, recB)
}

// Compare builds the report from two replays of the same scenarios.
func Compare(nameA, nameB string, scs []*scenario.Scenario, repA, repB *scenario.Report, recA, recB *Recorder) *Report {
	rep := &Report{A: nameA, B: nameB, Scenarios: len(scs), FailedA: repA.Failed, FailedB: repB.Failed}
	for i, sc := range scs {
		resA, resB := repA.Scenarios[i], repB.Scenarios[i]
		if resA.Error != "" || resB.Error != "" {
			if resA.Error != resB.Error {
				rep.Differences = append(rep.Differences, Difference{Scenario: sc.Name, Kind: KindError, A: resA.Error, B: resB.Error})
			}
			continue
		}
		tail := -1 // index of the steps that ran on one side only, reported once
		for j := range sc.Steps {
			st := &sc.Steps[j]
			obsA, okA := recA.get(sc.Name, j)
			obsB, okB := recB.get(sc.Name, j)
			d := Difference{Scenario: sc.Name, Step: st.Name, Index: j + 1, Method: st.Request.Method, Path: st.Request.Path}
			switch {
			case !okA && !okB:
				continue
			case !okA || !okB:
				kind, a, b := KindOnlyA, fmt.Sprint(obsA.Status), "not run"
				if !okA {
					kind, a, b = KindOnlyB, "not run", fmt.Sprint(obsB.Status)
				}
				if tail >= 0 && rep.Differences[tail].Kind == kind {
					t := &rep.Differences[tail]
					t.Step = fmt.Sprintf("steps %d-%d", t.Index, j+1)
					t.Method, t.Path = "", ""
					if kind == KindOnlyA {
						t.A = "ran"
					} else {
						t.B = "ran"
					}
					continue
				}
				d.Kind, d.A, d.B = kind, a, b
				rep.Differences = append(rep.Differences, d)
				tail = len(rep.Differences) - 1
				continue
			}
			rep.Compared++
			switch {
			case obsA.Status != obsB.Status:
				d.Kind, d.A, d.B = KindStatus, fmt.Sprint(obsA.Status), fmt.Sprint(obsB.Status)
				d.MessageA, d.MessageB = obsA.Message, obsB.Message
			default:
				diffs := CompareShapes(obsA.Shape, obsB.Shape)
				if len(diffs) == 0 {
					continue
				}
				d.Kind, d.A, d.B, d.Shape = KindShape, fmt.Sprint(obsA.Status), fmt.Sprint(obsB.Status), diffs
			}
			rep.Differences = append(rep.Differences, d)
		}
	}
	return rep
}

// WriteText writes one line per difference, shape details indented.
func (r *Report) WriteText(w io.Writer) error {
	ew := &stickyerr.Writer{W: w}
	ew.Printf("drift: A = %s, B = %s\n", r.A, r.B)
	for _, d := range r.Differences {
		ew.Printf("%s %s\n", d.Kind, d.where())
		switch d.Kind {
		case KindError:
			ew.Printf("    A: %s\n    B: %s\n", orNone(d.A), orNone(d.B))
		default:
			ew.Printf("    status A %s, B %s\n", d.A, d.B)
		}
		if d.MessageA != "" {
			ew.Printf("    A says: %s\n", d.MessageA)
		}
		if d.MessageB != "" {
			ew.Printf("    B says: %s\n", d.MessageB)
		}
		for _, s := range d.Shape {
			ew.Printf("    %s\n", s)
		}
	}
	ew.Printf("%s\n", r.summary())
	return ew.Err
}

// WriteMarkdown writes a table of the differences with the shape details.
func (r *Report) WriteMarkdown(w io.Writer) error {
	ew := &stickyerr.Writer{W: w}
	ew.Printf("## Drift: %s vs %s\n\n**%s**\n\n", md(r.A), md(r.B), r.summary())
	if len(r.Differences) == 0 {
		return ew.Err
	}
	ew.Printf("| scenario | step | request | kind | A | B | details |\n|---|---|---|---|---|---|---|\n")
	for _, d := range r.Differences {
		step, request := d.Step, ""
		if d.Method != "" {
			step = fmt.Sprintf("%d %s", d.Index, d.Step)
			request = "`" + d.Method + " " + d.Path + "`"
		}
		details := append([]string(nil), d.Shape...)
		if d.MessageA != "" {
			details = append(details, "A: "+d.MessageA)
		}
		if d.MessageB != "" {
			details = append(details, "B: "+d.MessageB)
		}
		ew.Printf("| %s | %s | %s | %s | %s | %s | %s |\n", md(d.Scenario), md(step), request, d.Kind, md(d.A), md(d.B), md(strings.Join(details, "; ")))
	}
	return ew.Err
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	out := *r
	if out.Differences == nil {
		out.Differences = []Difference{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func (r *Report) summary() string {
	return fmt.Sprintf("%d differences in %d scenarios (%d steps answered by both); scenarios failing: %d on A, %d on B",
		len(r.Differences), r.Scenarios, r.Compared, r.FailedA, r.FailedB)
}

func (d Difference) where() string {
	if d.Index == 0 {
		return d.Scenario
	}
	if d.Method == "" {
		return fmt.Sprintf("%s / %s", d.Scenario, d.Step)
	}
	return fmt.Sprintf("%s / step %d %q (%s %s)", d.Scenario, d.Index, d.Step, d.Method, d.Path)
}

func orNone(s string) string {
	if s == "" {
		return "(ran)"
	}
	return s
}

func md(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

// Shape is the type structure of a JSON value.
type Shape struct {
	// Types holds the JSON types seen here: "object", "array", "string",
	// "number", "boolean", "null". Several when array elements disagree.
	Types map[string]bool
	// Keys are an object's members.
	Keys map[string]*Shape
	// Elem merges the shapes of an array's elements; nil for an empty array.
	Elem *Shape
}

// ShapeOf describes a value decoded by encoding/json.
func ShapeOf(v any) *Shape {
	s := &Shape{Types: map[string]bool{}}
	s.add(v)
	return s
}

func (s *Shape) add(v any) {
	switch x := v.(type) {
	case map[string]any:
		s.Types["object"] = true
		if s.Keys == nil {
			s.Keys = map[string]*Shape{}
		}
		for k, val := range x {
			if s.Keys[k] == nil {
				s.Keys[k] = &Shape{Types: map[string]bool{}}
			}
			s.Keys[k].add(val)
		}
	case []any:
		s.Types["array"] = true
		for _, el := range x {
			if s.Elem == nil {
				s.Elem = &Shape{Types: map[string]bool{}}
			}
			s.Elem.add(el)
		}
	case string:
		s.Types["string"] = true
	case float64, json.Number:
		s.Types["number"] = true
	case bool:
		s.Types["boolean"] = true
	case nil:
		s.Types["null"] = true
	}
}

func (s *Shape) typeList() string {
	if s == nil {
		return "no JSON body"
	}
	return strings.Join(slices.Sorted(maps.Keys(s.Types)), "|")
}

// CompareShapes lists where a and b differ: "/path: only on A", "/path:
// string on A, number on B". Array elements are "[]" in the path. An empty
// array matches any array: it shows no element to compare.
func CompareShapes(a, b *Shape) []string {
	var out []string
	compareAt("", a, b, &out)
	return out
}

func compareAt(path string, a, b *Shape, out *[]string) {
	where := path
	if where == "" {
		where = "/"
	}
	if a == nil || b == nil {
		if a != b {
			*out = append(*out, fmt.Sprintf("%s: %s on A, %s on B", where, a.typeList(), b.typeList()))
		}
		return
	}
	if ta, tb := a.typeList(), b.typeList(); ta != tb {
		*out = append(*out, fmt.Sprintf("%s: %s on A, %s on B", where, ta, tb))
		return
	}
	for _, k := range unionKeys(a.Keys, b.Keys) {
		ka, kb := a.Keys[k], b.Keys[k]
		p := path + "/" + escapePointer(k)
		switch {
		case kb == nil:
			*out = append(*out, p+": only on A")
		case ka == nil:
			*out = append(*out, p+": only on B")
		default:
			compareAt(p, ka, kb, out)
		}
	}
	if a.Elem != nil && b.Elem != nil {
		compareAt(path+"/[]", a.Elem, b.Elem, out)
	}
}

func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

func unionKeys(a, b map[string]*Shape) []string {
	set := map[string]bool{}
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	return slices.Sorted(maps.Keys(set))
}
