package drift

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/scenario"
)

func shapeOf(t *testing.T, doc string) *Shape {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(doc), &v); err != nil {
		t.Fatal(err)
	}
	return ShapeOf(v)
}

func TestCompareShapes(t *testing.T) {
	cases := []struct {
		name string
		a, b string
		want []string
	}{
		{"values differ, shape does not", `{"id":"a","n":1,"ok":true,"l":[1,2]}`, `{"id":"zzz","n":2.5,"ok":false,"l":[3]}`, nil},
		{"key order", `{"a":1,"b":2}`, `{"b":3,"a":4}`, nil},
		{"missing key", `{"a":1,"b":2}`, `{"a":1}`, []string{"/b: only on A"}},
		{"extra key", `{"a":1}`, `{"a":1,"c":{"d":1}}`, []string{"/c: only on B"}},
		{"type", `{"a":"1"}`, `{"a":1}`, []string{"/a: string on A, number on B"}},
		{"null", `{"a":null}`, `{"a":"x"}`, []string{"/a: null on A, string on B"}},
		{"element key", `{"data":[{"id":"x"}]}`, `{"data":[{"id":"x","role":"r"}]}`, []string{"/data/[]/role: only on B"}},
		{"empty array matches any", `{"data":[]}`, `{"data":[{"id":"x"}]}`, nil},
		{"mixed elements", `[1,"a"]`, `[1,2]`, []string{"/[]: number|string on A, number on B"}},
		{"root type", `[]`, `{}`, []string{"/: array on A, object on B"}},
		{"escaped key", `{"a/b":1}`, `{}`, []string{"/a~1b: only on A"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := CompareShapes(shapeOf(t, tc.a), shapeOf(t, tc.b))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	if got := CompareShapes(nil, shapeOf(t, `{}`)); len(got) != 1 || !strings.Contains(got[0], "no JSON body on A") {
		t.Errorf("no body vs object: %q", got)
	}
	if got := CompareShapes(nil, nil); got != nil {
		t.Errorf("no body on both: %q", got)
	}
}

func TestCompareReports(t *testing.T) {
	sc := &scenario.Scenario{Name: "flow", Steps: []scenario.Step{
		{Name: "one", Request: scenario.Request{Method: "GET", Path: "/a"}},
		{Name: "two", Request: scenario.Request{Method: "GET", Path: "/b"}},
		{Name: "three", Request: scenario.Request{Method: "GET", Path: "/c"}},
		{Name: "four", Request: scenario.Request{Method: "GET", Path: "/d"}},
	}}
	recA, recB := NewRecorder(), NewRecorder()
	req, _ := http.NewRequest("GET", "/", nil)
	recA.Observe(sc, 0, req, 200, nil, []byte(`{"id":"1"}`))
	recB.Observe(sc, 0, req, 200, nil, []byte(`{"id":2}`))
	recA.Observe(sc, 1, req, 404, nil, []byte(`{"statusCode":404,"message":["no route","really"],"error":"Not Found"}`))
	recB.Observe(sc, 1, req, 200, nil, []byte(`{}`))
	recB.Observe(sc, 2, req, 200, nil, nil)
	recB.Observe(sc, 3, req, 200, nil, nil)
	repA := &scenario.Report{Scenarios: []scenario.ScenarioResult{{Name: "flow"}}, Failed: 1}
	repB := &scenario.Report{Scenarios: []scenario.ScenarioResult{{Name: "flow", Passed: true}}, Passed: 1}
	rep := Compare("A", "B", []*scenario.Scenario{sc}, repA, repB, recA, recB)
	var kinds []string
	for _, d := range rep.Differences {
		kinds = append(kinds, d.Kind)
	}
	if !reflect.DeepEqual(kinds, []string{KindShape, KindStatus, KindOnlyB}) {
		t.Fatalf("kinds %v: %+v", kinds, rep.Differences)
	}
	if d := rep.Differences[2]; d.Step != "steps 3-4" || d.A != "not run" {
		t.Errorf("the tail B ran alone: %+v", d)
	}
	if rep.Compared != 2 || rep.FailedA != 1 {
		t.Errorf("compared %d, failed on A %d", rep.Compared, rep.FailedA)
	}
	var text, md, js bytes.Buffer
	if err := rep.WriteText(&text); err != nil || !strings.Contains(text.String(), "/id: string on A, number on B") {
		t.Errorf("text: %v\n%s", err, text.String())
	}
	if rep.Differences[1].MessageA != "no route; really" {
		t.Errorf("message of the 404: %q", rep.Differences[1].MessageA)
	}
	if err := rep.WriteMarkdown(&md); err != nil || !strings.Contains(md.String(), "| flow | 2 two | `GET /b` | status | 404 | 200 | A: no route; really |") {
		t.Errorf("markdown: %v\n%s", err, md.String())
	}
	if err := rep.WriteJSON(&js); err != nil || !json.Valid(js.Bytes()) {
		t.Errorf("json: %v\n%s", err, js.String())
	}

	empty := Compare("A", "B", nil, &scenario.Report{}, &scenario.Report{}, NewRecorder(), NewRecorder())
	js.Reset()
	if err := empty.WriteJSON(&js); err != nil || !strings.Contains(js.String(), `"differences": []`) {
		t.Errorf("no differences must be an empty list, not null:\n%s", js.String())
	}
}
