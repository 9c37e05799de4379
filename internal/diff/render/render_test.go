package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

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
	// One case per rule and operation: two breaking, two info.
	if len(suites.Suites) != 1 || suites.Suites[0].Tests != 4 || suites.Failures != 2 {
		t.Errorf("want 4 cases, 2 failing: %+v", suites)
	}
	for _, c := range suites.Suites[0].Cases {
		breaking := strings.HasSuffix(c.Name, "operation-removed") || strings.HasSuffix(c.Name, "response-property-became-optional")
		if breaking != (c.Failure != nil) || breaking && c.Failure.Text == "" {
			t.Errorf("case %s: failure %+v", c.Name, c.Failure)
		}
	}
}

func TestJUnitUnchangedSpecPasses(t *testing.T) {
	r, err := diff.Compare([]byte(newSpec), []byte(newSpec), diff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := JUnit(&buf, r, Options{FailOn: diff.Error}); err != nil {
		t.Fatal(err)
	}
	var suites junitSuites
	if err := xml.Unmarshal(buf.Bytes(), &suites); err != nil {
		t.Fatal(err)
	}
	if suites.Tests != 1 || suites.Failures != 0 || suites.Suites[0].Cases[0].Failure != nil {
		t.Errorf("an unchanged spec should be one passing case: %+v", suites)
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
		if !strings.HasPrefix(l, "::error file=specs/new.yaml,") && !strings.HasPrefix(l, "::warning ") {
			t.Errorf("bad annotation %q", l)
		}
	}
	if strings.Contains(buf.String(), "operation-id-changed") {
		t.Error("info findings should not be annotated")
	}
	// The removed name field's required flag points at name in the new spec.
	if !strings.Contains(buf.String(), "line=13,col=93,title=response-property-became-optional") {
		t.Errorf("annotation should point at line 13 column 93:\n%s", buf.String())
	}
}

// many builds a report with n findings of each level.
func many(n int) *diff.Report {
	r := &diff.Report{New: diff.Source{Name: "specs/new.yaml"}}
	for i := 0; i < n; i++ {
		for _, l := range []diff.Level{diff.Error, diff.Warning, diff.Info} {
			r.Findings = append(r.Findings, diff.Finding{Rule: "rule-" + l.String(), Level: l, Operation: fmt.Sprintf("GET /v1/things/%d", i),
				Message: strings.Repeat("a long explanation of the change ", 4), Line: i + 1, Column: 3})
		}
	}
	return r
}

func TestGitHubActionsKeepsTheMostSevereWithinTheLimit(t *testing.T) {
	var buf bytes.Buffer
	if err := GitHubActions(&buf, many(25), Options{FailOn: diff.Error, Workspace: "."}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	count := map[string]int{}
	for _, l := range lines {
		count[strings.SplitN(l, " ", 2)[0]]++
	}
	if count["::error"] != AnnotationsPerKind || count["::warning"] != AnnotationsPerKind || count["::notice"] != 1 {
		t.Fatalf("counts %v:\n%s", count, buf.String())
	}
	if !strings.HasPrefix(lines[0], "::error file=specs/new.yaml,line=1,col=3,") {
		t.Errorf("first annotation %q", lines[0])
	}
	last := lines[len(lines)-1]
	if !strings.Contains(last, "15 errors, 15 warnings more not annotated") {
		t.Errorf("summary line %q", last)
	}
}

func TestMarkdownStaysUnderGitHubsLimit(t *testing.T) {
	var buf bytes.Buffer
	if err := Markdown(&buf, many(150)); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if n := utf8.RuneCountInString(out); n > MarkdownLimit {
		t.Fatalf("%d characters, limit %d", n, MarkdownLimit)
	}
	// Info goes first: every breaking row is kept while info rows fit.
	if got := strings.Count(out, "🔴 breaking"); got != 150 {
		t.Errorf("%d breaking rows kept, want all 150", got)
	}
	if !strings.Contains(out, "of these info changes are not shown") {
		t.Error("should say that info rows were left out")
	}
	buf.Reset()
	if err := Markdown(&buf, many(2000)); err != nil {
		t.Fatal(err)
	}
	if n := utf8.RuneCountInString(buf.String()); n > MarkdownLimit || !strings.Contains(buf.String(), "more breaking changes and warnings are not shown") {
		t.Errorf("%d characters; should cut warnings too and say so", n)
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
