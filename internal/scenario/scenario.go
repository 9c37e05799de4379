// Package scenario reads recorded API scenarios (YAML files of HTTP steps
// with captures and expectations) and replays them against a target: the
// in-process mock, a mock over HTTP, or a real Heimdall deployment.
//
// Each scenario runs on its own target, so scenarios run in parallel
// without seeing each other's users, sessions or clock. Within a scenario
// the steps run in order; the first failing step ends it, because later
// steps feed on what earlier ones captured.
//
// The file format is documented in testdata/scenarios/README.md. A replay
// against a mock or service over HTTP:
//
//	scs, err := scenario.LoadDir("testdata/scenarios")
//	...
//	target := scenario.HTTPTarget("http://127.0.0.1:4010", nil)
//	r := &scenario.Runner{
//		Target:    func() (scenario.Target, error) { return target, nil },
//		Validator: scenario.NewSpecValidator(spec.Doc),
//		Parallel:  1, // one shared target: scenarios must not reset each other
//	}
//	rep := r.Run(ctx, scs)
//	_ = rep.WriteText(os.Stdout, true)
//
// A target shared by several scenarios is reset before each of them when it
// is a mock, so it needs Parallel 1. In process, give each running scenario
// a server of its own: PooledTargets lends one of Parallel servers (reset
// before each scenario, so as isolated as a new one and much cheaper), or
// build a HandlerTarget over a new server.Server per scenario.
package scenario

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Scenario is one recorded flow.
type Scenario struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Skip, when set, says why the scenario is not run (a known bug of the
	// mock or a flow the target cannot serve yet). It is reported, not run.
	Skip  string   `yaml:"skip"`
	Tags  []string `yaml:"tags"`
	Steps []Step   `yaml:"steps"`
	// File is where the scenario was read from ("" when parsed from bytes
	// with an empty name).
	File string `yaml:"-"`
}

// Step is one request and what its response must look like.
type Step struct {
	Name    string  `yaml:"name"`
	Skip    string  `yaml:"skip"`
	Request Request `yaml:"request"`
	// Capture names values of the response for later steps: a JSON pointer
	// ("/access_token"), a JSONPath ("$.data[0].id") or "header:Location".
	Capture map[string]string `yaml:"capture"`
	Expect  Expect            `yaml:"expect"`
}

// Request is the HTTP request of a step. Path, header and query values and
// every string inside JSON take {{variable}} and ${ENV} substitutions.
type Request struct {
	Method  string            `yaml:"method"`
	Path    string            `yaml:"path"`
	Headers map[string]string `yaml:"headers"`
	Query   map[string]string `yaml:"query"`
	// JSON is sent as an application/json body.
	JSON any `yaml:"json"`
	// Body is sent as is (say, a form), with the Content-Type from Headers.
	Body string `yaml:"body"`
	// Bearer is shorthand for an "Authorization: Bearer <value>" header.
	Bearer string `yaml:"bearer"`
}

// Match modes of Expect.Body.
const (
	MatchSubset = "subset" // every expected field must be there and equal; others are free
	MatchExact  = "exact"  // the body must equal the expectation, ignored fields aside
)

// Expect is what a step's response must satisfy.
type Expect struct {
	// Status lists the acceptable statuses; empty accepts any 2xx.
	Status Statuses `yaml:"status"`
	// Headers must be present and contain the given text (case-insensitive).
	Headers map[string]string `yaml:"headers"`
	// Body is compared to the JSON response body per Match.
	Body  any    `yaml:"body"`
	Match string `yaml:"match"`
	// Ignore names volatile fields left out of the comparison: a bare name
	// ("id") is ignored at any depth, a JSON pointer ("/data/0/id") at that
	// place only.
	Ignore []string `yaml:"ignore"`
	// Absent lists JSON pointers or JSONPaths that must not exist.
	Absent []string `yaml:"absent"`
	// Present lists JSON pointers or JSONPaths that must hold a value other
	// than null (volatile fields whose value cannot be pinned).
	Present []string `yaml:"present"`
	// Validate checks the response against the spec when the runner has a
	// validator. Unset means true.
	Validate *bool `yaml:"validate"`
}

// Statuses is a set of acceptable statuses; in YAML an int or a list.
type Statuses []int

// UnmarshalYAML takes "status: 200" as well as "status: [200, 201]".
func (s *Statuses) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		var one int
		if err := n.Decode(&one); err != nil {
			return fmt.Errorf("line %d: status must be an integer or a list of integers, not %q", n.Line, n.Value)
		}
		*s = Statuses{one}
		return nil
	case yaml.SequenceNode:
		var many []int
		if err := n.Decode(&many); err != nil {
			return fmt.Errorf("line %d: status must be an integer or a list of integers", n.Line)
		}
		*s = many
		return nil
	}
	return fmt.Errorf("line %d: status must be an integer or a list of integers", n.Line)
}

// Accepts reports whether status is one of the set (any 2xx when empty).
func (s Statuses) Accepts(status int) bool {
	if len(s) == 0 {
		return status >= 200 && status < 300
	}
	for _, v := range s {
		if v == status {
			return true
		}
	}
	return false
}

func (s Statuses) String() string {
	if len(s) == 0 {
		return "2xx"
	}
	parts := make([]string, len(s))
	for i, v := range s {
		parts[i] = fmt.Sprint(v)
	}
	return strings.Join(parts, " or ")
}

// validateOn says whether the spec check applies to this step.
func (e Expect) validateOn() bool { return e.Validate == nil || *e.Validate }

var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// Parse reads one scenario. name (usually the file name) prefixes every
// error: "signin.yaml: steps[2].expect.status: must be 100-599".
func Parse(data []byte, name string) (*Scenario, error) {
	prefix := name
	if prefix == "" {
		prefix = "scenario"
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var sc Scenario
	if err := dec.Decode(&sc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty document", prefix)
		}
		return nil, fmt.Errorf("%s: %s", prefix, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: one scenario per file: a second YAML document follows the first", prefix)
	}
	sc.File = name
	if err := sc.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", prefix, err)
	}
	return &sc, nil
}

// check validates the decoded scenario and normalises its JSON values.
func (sc *Scenario) check() error {
	if strings.TrimSpace(sc.Name) == "" {
		return errors.New("name: is required")
	}
	if len(sc.Steps) == 0 {
		return errors.New("steps: at least one step is required")
	}
	for i := range sc.Steps {
		if err := sc.Steps[i].check(); err != nil {
			return fmt.Errorf("steps[%d]%s", i, err.Error())
		}
	}
	return nil
}

// check returns errors that start with ".field: ", for the caller's index.
func (st *Step) check() error {
	r := &st.Request
	r.Method = strings.ToUpper(strings.TrimSpace(r.Method))
	switch {
	case r.Method == "":
		return errors.New(".request.method: is required")
	case !knownMethods[r.Method]:
		return fmt.Errorf(".request.method: %q is not an HTTP method", r.Method)
	case r.Path == "":
		return errors.New(".request.path: is required")
	case !strings.HasPrefix(r.Path, "/") && !strings.HasPrefix(r.Path, "{{"):
		return fmt.Errorf(".request.path: %q must start with / (or with a {{variable}} holding a path)", r.Path)
	case r.JSON != nil && r.Body != "":
		return errors.New(".request: json and body exclude each other")
	}
	if err := checkTemplates(r.Path); err != nil {
		return fmt.Errorf(".request.path: %w", err)
	}
	if strings.TrimSpace(st.Name) == "" {
		st.Name = r.Method + " " + r.Path
	}
	var err error
	if r.JSON, err = normaliseJSON(r.JSON); err != nil {
		return fmt.Errorf(".request.json: %w", err)
	}
	for _, name := range slices.Sorted(maps.Keys(st.Capture)) {
		if err := checkCapture(st.Capture[name]); err != nil {
			return fmt.Errorf(".capture.%s: %w", name, err)
		}
		if name == "" || strings.ContainsAny(name, "{} ") {
			return fmt.Errorf(".capture: %q is not a usable variable name", name)
		}
	}
	e := &st.Expect
	for i, s := range e.Status {
		if s < 100 || s > 599 {
			if len(e.Status) == 1 {
				return fmt.Errorf(".expect.status: must be 100-599, not %d", s)
			}
			return fmt.Errorf(".expect.status[%d]: must be 100-599, not %d", i, s)
		}
	}
	switch e.Match {
	case "":
		e.Match = MatchSubset
	case MatchSubset, MatchExact:
	default:
		return fmt.Errorf(".expect.match: must be %q or %q, not %q", MatchSubset, MatchExact, e.Match)
	}
	if e.Body, err = normaliseJSON(e.Body); err != nil {
		return fmt.Errorf(".expect.body: %w", err)
	}
	for i, ig := range e.Ignore {
		if strings.TrimSpace(ig) == "" {
			return fmt.Errorf(".expect.ignore[%d]: empty", i)
		}
		if strings.HasPrefix(ig, "/") {
			if _, err := splitPointer(ig); err != nil {
				return fmt.Errorf(".expect.ignore[%d]: %w", i, err)
			}
		}
	}
	for i, a := range e.Absent {
		if err := checkCapture(a); err != nil {
			return fmt.Errorf(".expect.absent[%d]: %w", i, err)
		}
	}
	for i, p := range e.Present {
		if err := checkCapture(p); err != nil {
			return fmt.Errorf(".expect.present[%d]: %w", i, err)
		}
	}
	return nil
}

// normaliseJSON turns YAML-decoded values into what encoding/json decodes
// (float64 numbers, map[string]any), so expectations compare with
// responses, and rejects what JSON cannot hold.
func normaliseJSON(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("not representable as JSON: %v", err)
	}
	var out any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// LoadDir parses every .yaml and .yml file in dir (not its subfolders),
// sorted by file name. Errors of several files are all reported.
func LoadDir(dir string) ([]*Scenario, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("scenarios: %w", err)
	}
	var out []*Scenario
	var errs []error
	names := map[string]string{}
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		sc, err := Parse(data, e.Name())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, dup := names[sc.Name]; dup {
			errs = append(errs, fmt.Errorf("%s: name: %q is already used by %s", e.Name(), sc.Name, prev))
			continue
		}
		names[sc.Name] = e.Name()
		out = append(out, sc)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("scenarios: no .yaml files in %s", dir)
	}
	return out, nil
}
