package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/diff"
)

const oldSpec = `openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /v1/things:
    get:
      operationId: list
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, required: [id, name], properties: {id: {type: string}, name: {type: string}}}
  /v1/old:
    get:
      responses: {'200': {description: ok}}
`

const newSpec = `openapi: 3.0.0
info: {title: t, version: '1'}
paths:
  /v1/things:
    get:
      operationId: listThings
      parameters: [{name: q, in: query, schema: {type: string}}]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {type: object, required: [id], properties: {id: {type: string}, name: {type: string, enum: [a, b]}}}
`

func sample(t *testing.T) *diff.Report {
	t.Helper()
	r, err := diff.Compare([]byte(oldSpec), []byte(newSpec), diff.Options{OldName: "specs/old.yaml", NewName: "specs/new.yaml"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Count(diff.Error) < 2 || r.Count(diff.Info) < 1 {
		t.Fatalf("sample should mix levels: %+v", r.Findings)
	}
	return r
}

func TestJSONShape(t *testing.T) {
	var buf bytes.Buffer
	if err := JSON(&buf, sample(t)); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Old      map[string]any   `json:"old"`
		New      map[string]any   `json:"new"`
		Findings []map[string]any `json:"findings"`
		Summary  map[string]int   `json:"summary"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.New["name"] != "specs/new.yaml" {
		t.Errorf("new source: %v", doc.New)
	}
	if doc.Summary["breaking"] < 2 || doc.Summary["info"] < 1 {
		t.Errorf("summary: %v", doc.Summary)
	}
	levels := map[string]bool{"error": true, "warning": true, "info": true}
	for _, f := range doc.Findings {
		for _, key := range []string{"rule", "level", "operation", "message"} {
			if s, ok := f[key].(string); !ok || s == "" {
				t.Errorf("finding lacks %s: %v", key, f)
			}
		}
		if !levels[f["level"].(string)] {
			t.Errorf("level %v is not a name", f["level"])
		}
	}
}

func TestJUnitParsesAndFails(t *testing.T) {
	var buf bytes.Buffer
	if err := JUnit(&buf, sample(t), Options{FailOn: diff.Error}); err != nil {
		t.Fatal(err)
	}
	var suites junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &suites); err != nil {
		t.Fatalf("junit XML does not parse: %v\n%s", err, buf.String())
	}
	if len(suites.Suites) != 1 || suites.Suites[0].Tests != 2 || suites.Failures != 2 {
		t.Errorf("want 2 cases, both failing: %+v", suites)
	}
	for _, c := range suites.Suites[0].Cases {
		if c.Failure == nil || c.Failure.Text == "" {
			t.Errorf("case %s should fail with details", c.Name)
		}
	}
}

func TestMarkdownHasTable(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, sample(t)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"| Level | Operation | Change | Rule |", "|---|---|---|---|", "`GET /v1/old`", "operation-removed", "<details>"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

func TestGitHubActionsAnnotations(t *testing.T) {
	var buf bytes.Buffer
	if err := GitHubActions(&buf, sample(t), Options{FailOn: diff.Error}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) < 2 {
		t.Fatalf("want an annotation per breaking finding:\n%s", buf.String())
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "::error file=specs/new.yaml,title=") && !strings.HasPrefix(l, "::warning ") {
			t.Errorf("bad annotation %q", l)
		}
	}
	if strings.Contains(buf.String(), "operation-id-changed") {
		t.Error("info findings should not be annotated")
	}
}

func TestTextColourOnlyWhenAsked(t *testing.T) {
	r := sample(t)
	var plain, coloured bytes.Buffer
	if err := Text(&plain, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Text(&coloured, r, Options{Color: true}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "\x1b[") {
		t.Error("plain text has escape codes")
	}
	if !strings.Contains(coloured.String(), ansiRed) {
		t.Error("coloured text has no red for breaking changes")
	}
	if !strings.Contains(plain.String(), "GET /v1/things") || !strings.Contains(plain.String(), "(response-property-became-optional)") {
		t.Errorf("text should group by operation and name rules:\n%s", plain.String())
	}
}

func TestChangelogSections(t *testing.T) {
	var buf bytes.Buffer
	if err := Changelog(&buf, sample(t)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	breaking := strings.Index(out, "## Breaking changes")
	other := strings.Index(out, "## Other changes")
	if breaking < 0 || other < 0 || breaking > other {
		t.Errorf("changelog sections missing or out of order:\n%s", out)
	}
	if !strings.Contains(out, "`GET /v1/old`") {
		t.Errorf("changelog lacks the removed operation:\n%s", out)
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	if err := Write(&bytes.Buffer{}, "yaml", sample(t), Options{}); err == nil {
		t.Error("want an error for an unknown format")
	}
}

// An accept-file entry that matched nothing is stale (the break it named
// is gone or was mistyped); the PR comment and the annotations say so as
// the text and JSON reports do, so the file gets cleaned up.
func TestUnusedAcceptancesAreReportedInEveryCIFormat(t *testing.T) {
	r := sample(t)
	r.Unused = []diff.Acceptance{{Rule: "operation-removed", Operation: "GET /v1/gone", Reason: "typo"}}
	var md, gh bytes.Buffer
	if err := Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	if err := GitHubActions(&gh, r, Options{FailOn: diff.Error}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "Unused acceptance: `operation-removed` on `GET /v1/gone`") {
		t.Errorf("markdown lacks the unused acceptance:\n%s", md.String())
	}
	if !strings.Contains(gh.String(), "::warning title=unused-acceptance::acceptance of operation-removed on GET /v1/gone matched no finding") {
		t.Errorf("annotations lack the unused acceptance:\n%s", gh.String())
	}
}
