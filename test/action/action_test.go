// Package action runs the steps of the repository's GitHub Action
// (action.yml) on this machine, as the runner would, so the action is
// tested without GitHub: inputs and ${{ }} expressions are substituted,
// each `run` step goes to bash with the runner's files ($GITHUB_OUTPUT,
// $GITHUB_STEP_SUMMARY), and `uses` steps (setup-go) are skipped because
// the Go toolchain running this test is already there.
package action

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

type actionFile struct {
	Inputs map[string]struct {
		Default string `yaml:"default"`
	} `yaml:"inputs"`
	Runs struct {
		Steps []struct {
			Name  string            `yaml:"name"`
			ID    string            `yaml:"id"`
			If    string            `yaml:"if"`
			Uses  string            `yaml:"uses"`
			Run   string            `yaml:"run"`
			Shell string            `yaml:"shell"`
			Env   map[string]string `yaml:"env"`
		} `yaml:"steps"`
	} `yaml:"runs"`
}

var exprRe = regexp.MustCompile(`\$\{\{\s*([^}]+?)\s*\}\}`)

type result struct {
	outputs map[string]map[string]string // step id -> name -> value
	log     string
	summary string
	failed  string // name of the step that failed, if one did
}

// runAction runs action.yml's steps in the repository root with inputs.
func runAction(t *testing.T, inputs map[string]string) result {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(data, &a); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	temp := t.TempDir()
	summary := filepath.Join(temp, "summary.md")
	values := map[string]string{"github.action_path": root, "runner.temp": temp}
	for name, in := range a.Inputs {
		values["inputs."+name] = in.Default
	}
	for name, v := range inputs {
		if _, ok := a.Inputs[name]; !ok {
			t.Fatalf("action.yml has no input %q", name)
		}
		values["inputs."+name] = v
	}
	expand := func(s string) string {
		return exprRe.ReplaceAllStringFunc(s, func(m string) string {
			key := exprRe.FindStringSubmatch(m)[1]
			v, ok := values[key]
			if !ok {
				t.Fatalf("unknown expression %s", m)
			}
			return v
		})
	}
	res := result{outputs: map[string]map[string]string{}}
	var log strings.Builder
	for _, step := range a.Runs.Steps {
		if step.Uses != "" {
			continue
		}
		if cond := step.If; cond != "" {
			// The one condition the action uses: an input compared with ''.
			m := regexp.MustCompile(`^inputs\.([\w-]+) != ''$`).FindStringSubmatch(cond)
			if m == nil {
				t.Fatalf("step %q: condition %q is not understood by this test", step.Name, cond)
			}
			if values["inputs."+m[1]] == "" {
				continue
			}
		}
		if step.Shell != "bash" {
			t.Fatalf("step %q: shell %q, want bash", step.Name, step.Shell)
		}
		outFile := filepath.Join(temp, "output-"+step.ID)
		cmd := exec.Command("bash", "-e", "-o", "pipefail", "-c", expand(step.Run))
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "GITHUB_OUTPUT="+outFile, "GITHUB_STEP_SUMMARY="+summary, "RUNNER_TEMP="+temp, "GITHUB_WORKSPACE="+root, "GITHUB_ACTIONS=true")
		for k, v := range step.Env {
			cmd.Env = append(cmd.Env, k+"="+expand(v))
		}
		out, err := cmd.CombinedOutput()
		log.Write(out)
		if step.ID != "" {
			res.outputs[step.ID] = readOutputs(t, outFile)
		}
		if err != nil {
			res.failed = step.Name
			break
		}
	}
	res.log = log.String()
	if b, err := os.ReadFile(summary); err == nil {
		res.summary = string(b)
	}
	return res
}

func readOutputs(t *testing.T, file string) map[string]string {
	out := map[string]string{}
	f, err := os.Open(file)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			out[k] = v
		}
	}
	return out
}

// changedSpec writes the project's spec with one operation gone.
func changedSpec(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "specs", "heimdall.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	paths := doc["paths"].(map[string]any)
	delete(paths, "/{app_slug}/v1/auth/signin")
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "changed.yaml")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

func TestActionFailsOnABreakingChange(t *testing.T) {
	if testing.Short() {
		t.Skip("builds contract")
	}
	res := runAction(t, map[string]string{"base": "specs/heimdall.yaml", "revision": changedSpec(t)})
	if res.failed != "contract diff" || res.outputs["diff"]["exit"] != "1" {
		t.Fatalf("want the diff step to fail with exit 1; failed %q, outputs %v\n%s", res.failed, res.outputs, res.log)
	}
	if !strings.Contains(res.log, "::error ") || !strings.Contains(res.log, "title=operation-removed::POST /{app_slug}/v1/auth/signin") {
		t.Errorf("want an error annotation for the removed operation:\n%s", res.log)
	}
	if !strings.Contains(res.summary, "## API changes") {
		t.Errorf("the job summary should hold the markdown report:\n%s", res.summary)
	}
}

func TestActionPassesAndReplaysAnUnchangedSpec(t *testing.T) {
	if testing.Short() {
		t.Skip("builds contract and replays scenarios")
	}
	res := runAction(t, map[string]string{"base": "specs/heimdall.yaml", "revision": "specs/heimdall.yaml", "scenarios": "testdata/scenarios", "format": "text"})
	if res.failed != "" {
		t.Fatalf("step %q failed:\n%s", res.failed, res.log)
	}
	if res.outputs["diff"]["exit"] != "0" || res.outputs["replay"]["exit"] != "0" {
		t.Errorf("outputs %v", res.outputs)
	}
	if !strings.Contains(res.summary, "Scenario replay") {
		t.Errorf("the job summary should hold the replay report:\n%s", res.summary)
	}
	// Accepting the break turns the failure into a pass.
	accept := filepath.Join(t.TempDir(), "accept.yaml")
	if err := os.WriteFile(accept, []byte("- rule: operation-removed\n  operation: POST /{app_slug}/v1/auth/signin\n  reason: sign-in moves to the identity service\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res = runAction(t, map[string]string{"base": "specs/heimdall.yaml", "revision": changedSpec(t), "accept": accept, "fail-on": "error"})
	if res.failed != "" || res.outputs["diff"]["exit"] != "0" {
		t.Errorf("an accepted break should pass; failed %q, outputs %v\n%s", res.failed, res.outputs, res.log)
	}
}
