package scenario

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseErrorsNameTheFieldAndPlace(t *testing.T) {
	step := func(body string) string {
		return "name: s\nsteps:\n  - name: ok\n    request: {method: GET, path: /x}\n  - name: ok2\n    request: {method: GET, path: /y}\n" + body
	}
	cases := []struct {
		name, doc, want string
	}{
		{"empty", "", "bad.yaml: empty document"},
		{"no name", "steps: [{request: {method: GET, path: /}}]", "bad.yaml: name: is required"},
		{"no steps", "name: s", "bad.yaml: steps: at least one step is required"},
		{"status range", step("  - name: third\n    request: {method: GET, path: /z}\n    expect: {status: 700}\n"),
			"bad.yaml: steps[2].expect.status: must be 100-599, not 700"},
		{"status in list", step("  - request: {method: GET, path: /z}\n    expect: {status: [200, 42]}\n"),
			"bad.yaml: steps[2].expect.status[1]: must be 100-599, not 42"},
		{"status not int", "name: s\nsteps:\n  - request: {method: GET, path: /}\n    expect: {status: ok}\n", "status must be an integer or a list of integers"},
		{"method", "name: s\nsteps:\n  - request: {method: FETCH, path: /}\n", `bad.yaml: steps[0].request.method: "FETCH" is not an HTTP method`},
		{"no method", "name: s\nsteps:\n  - request: {path: /}\n", "bad.yaml: steps[0].request.method: is required"},
		{"relative path", "name: s\nsteps:\n  - request: {method: GET, path: v1/apps}\n", "steps[0].request.path: \"v1/apps\" must start with /"},
		{"unclosed template", "name: s\nsteps:\n  - request: {method: GET, path: '/{{slug/v1'}\n", "steps[0].request.path:"},
		{"typo field", "name: s\nsteps:\n  - request: {method: GET, path: /}\n    expcet: {status: 200}\n", "field expcet not found"},
		{"json and body", "name: s\nsteps:\n  - request: {method: POST, path: /, json: {a: 1}, body: x}\n", "steps[0].request: json and body exclude each other"},
		{"capture", "name: s\nsteps:\n  - request: {method: GET, path: /}\n    capture: {id: data.id}\n", "steps[0].capture.id: \"data.id\": want a JSON pointer"},
		{"jsonpath wildcard", "name: s\nsteps:\n  - request: {method: GET, path: /}\n    capture: {id: '$.data[*].id'}\n", "steps[0].capture.id: JSONPath"},
		{"match", "name: s\nsteps:\n  - request: {method: GET, path: /}\n    expect: {match: fuzzy}\n", `steps[0].expect.match: must be "subset" or "exact", not "fuzzy"`},
		{"ignore pointer", "name: s\nsteps:\n  - request: {method: GET, path: /}\n    expect: {ignore: ['/a~2']}\n", "steps[0].expect.ignore[0]:"},
		{"not yaml", "name: [unclosed", "bad.yaml: "},
		{"two documents", "name: s\nsteps: [{request: {method: GET, path: /}}]\n---\nname: t\n", "bad.yaml: one scenario per file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.doc), "bad.yaml")
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestParseNormalisesValues(t *testing.T) {
	sc, err := Parse([]byte(`
name: s
description: d
steps:
  - name: one
    request:
      method: post
      path: /x
      json: {n: 3, list: [1, two], nested: {ok: true}}
    expect:
      status: [200, 201]
      body: {n: 3}
  - request: {method: GET, path: /y}
    expect: {status: 204, match: exact, validate: false}
`), "s.yaml")
	if err != nil {
		t.Fatal(err)
	}
	st := sc.Steps[0]
	if st.Request.Method != "POST" || sc.File != "s.yaml" {
		t.Errorf("method %q file %q", st.Request.Method, sc.File)
	}
	want := map[string]any{"n": 3.0, "list": []any{1.0, "two"}, "nested": map[string]any{"ok": true}}
	if d := cmp.Diff(want, st.Request.JSON); d != "" {
		t.Errorf("json (-want +got):\n%s", d)
	}
	if !st.Expect.Status.Accepts(201) || st.Expect.Status.Accepts(204) || st.Expect.Match != MatchSubset || !st.Expect.validateOn() {
		t.Errorf("expect = %+v", st.Expect)
	}
	if sc.Steps[1].Name != "GET /y" {
		t.Errorf("an unnamed step is named %q", sc.Steps[1].Name)
	}
	second := sc.Steps[1].Expect
	if !second.Status.Accepts(204) || second.Match != MatchExact || second.validateOn() {
		t.Errorf("second expect = %+v", second)
	}
	if (Statuses{}).Accepts(404) || !(Statuses{}).Accepts(299) {
		t.Error("an empty status set must accept 2xx only")
	}
}

func TestLoadDir(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b.yaml", "name: b\nsteps: [{request: {method: GET, path: /b}}]\n")
	write("a.yml", "name: a\nsteps: [{request: {method: GET, path: /a}}]\n")
	write("notes.txt", "not a scenario")
	scs, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) != 2 || scs[0].Name != "a" || scs[1].File != "b.yaml" {
		t.Fatalf("loaded %v", scs)
	}

	write("c.yaml", "name: c\nsteps: [{request: {method: GET, path: nope}}]\n")
	write("d.yaml", "name: a\nsteps: [{request: {method: GET, path: /d}}]\n")
	_, err = LoadDir(dir)
	if err == nil || !strings.Contains(err.Error(), "c.yaml: steps[0].request.path") || !strings.Contains(err.Error(), `d.yaml: name: "a" is already used by a.yml`) {
		t.Fatalf("err = %v", err)
	}
	if _, err := LoadDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no .yaml files") {
		t.Fatalf("empty dir: %v", err)
	}
	if _, err := LoadDir(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("a missing dir must fail")
	}
}
