package scenario

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/server"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
	"github.com/heimdall-mock/heimdall-mock/specs"
)

const scenarioDir = "../../testdata/scenarios"

var (
	defaultOnce sync.Once
	defaultSpec *specload.Spec
	defaultErr  error
)

func loadDefault(tb testing.TB) *specload.Spec {
	tb.Helper()
	defaultOnce.Do(func() { defaultSpec, defaultErr = specload.LoadData(specs.Default, specs.DefaultName) })
	if defaultErr != nil {
		tb.Fatal(defaultErr)
	}
	return defaultSpec
}

func loadNewest(tb testing.TB) *specload.Spec {
	tb.Helper()
	spec, err := specload.Load(context.Background(), testspecs.Newest(tb), specload.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return spec
}

// mockRunner replays on a fresh strict mock per scenario, validating every
// response against the same spec the mock serves.
func mockRunner(spec *specload.Spec) *Runner {
	return &Runner{
		Target: func() (Target, error) {
			srv, err := server.New(server.Config{Spec: spec, Domain: true, Strict: true, ValidateRequests: true, Seed: 1})
			if err != nil {
				return nil, err
			}
			return HandlerTarget(srv), nil
		},
		Validator: NewSpecValidator(spec.Doc),
		Env:       map[string]string{},
	}
}

func replayAll(t *testing.T, spec *specload.Spec) {
	scs, err := LoadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	rep := mockRunner(spec).Run(context.Background(), scs)
	var text bytes.Buffer
	if err := rep.WriteText(&text, false); err != nil {
		t.Fatal(err)
	}
	if rep.Failed > 0 {
		t.Fatalf("replay against %s:\n%s", spec.Source, text.String())
	}
	if rep.Passed == 0 || rep.Passed+rep.Skipped != len(scs) {
		t.Fatalf("passed %d, skipped %d of %d scenarios", rep.Passed, rep.Skipped, len(scs))
	}
	for _, s := range rep.Scenarios {
		for _, st := range s.Steps {
			if st.Outcome == StepSkipped {
				t.Logf("%s / %s skipped: %s", s.Name, st.Name, st.Skipped)
			}
		}
		if s.Skipped != "" {
			t.Logf("%s skipped: %s", s.Name, s.Skipped)
		}
	}
	t.Logf("%d scenarios, %d steps in %s (%.0f steps/s)", len(scs), rep.Steps, rep.Duration, rep.StepsPerSecond())
}

func TestReplayScenariosOnDefaultSpec(t *testing.T) {
	replayAll(t, loadDefault(t))
}

func TestReplayScenariosOnNewestRealSpec(t *testing.T) {
	replayAll(t, loadNewest(t))
}

// Every scenario file must say what it covers and pin its statuses, so a
// scenario cannot pass by accepting anything.
func TestScenarioFilesPinStatuses(t *testing.T) {
	scs, err := LoadDir(scenarioDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scs {
		if strings.TrimSpace(sc.Description) == "" {
			t.Errorf("%s: no description", sc.File)
		}
		for i, st := range sc.Steps {
			if len(st.Expect.Status) == 0 {
				t.Errorf("%s: steps[%d] %q: no expect.status", sc.File, i, st.Name)
			}
		}
	}
}
