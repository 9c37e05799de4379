// Package render writes a diff.Report for people and for CI: plain or
// coloured text, a markdown PR comment, JSON, JUnit XML, GitHub Actions
// annotations and a human changelog.
package render

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/heimdall-mock/heimdall-mock/internal/diff"
	"github.com/heimdall-mock/heimdall-mock/internal/stickyerr"
)

// Formats lists the names Write accepts.
var Formats = []string{"text", "markdown", "json", "junit", "githubactions"}

// Options tune the output.
type Options struct {
	Color bool // ANSI colours in text output
	// FailOn: unaccepted findings at or above it are failures in JUnit
	// and errors in annotations. Callers normally pass diff.Error.
	FailOn diff.Level
	// Workspace is the folder annotation paths are made relative to
	// (GitHub's $GITHUB_WORKSPACE); empty: the working directory.
	Workspace string
}

// Write renders the report in the named format.
func Write(w io.Writer, format string, r *diff.Report, opts Options) error {
	switch format {
	case "text", "":
		return Text(w, r, opts)
	case "markdown", "md":
		return Markdown(w, r)
	case "json":
		return JSON(w, r)
	case "junit":
		return JUnit(w, r, opts)
	case "githubactions", "github":
		return GitHubActions(w, r, opts)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

const (
	ansiReset  = "\x1b[0m"
	ansiRed    = "\x1b[31m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
	ansiBold   = "\x1b[1m"
)

func levelColor(l diff.Level) string {
	switch l {
	case diff.Error:
		return ansiRed
	case diff.Warning:
		return ansiYellow
	}
	return ansiDim
}

func summary(r *diff.Report) string {
	return fmt.Sprintf("%d breaking, %d warnings, %d info", r.Count(diff.Error), r.Count(diff.Warning), r.Count(diff.Info))
}

func acceptedNote(f diff.Finding) string {
	note := ""
	if f.Accepted != nil {
		note = " [accepted: " + f.Accepted.Reason + "]"
	}
	return note + scenariosNote(f)
}

// scenariosNote names the scenarios a change reaches, so a reviewer sees
// which recorded flows to re-check.
func scenariosNote(f diff.Finding) string {
	if len(f.Scenarios) == 0 {
		return ""
	}
	return " [scenarios: " + strings.Join(f.Scenarios, ", ") + "]"
}

// Text writes findings grouped by operation, one line per finding.
func Text(w io.Writer, r *diff.Report, opts Options) error {
	paint := func(code, s string) string {
		if !opts.Color {
			return s
		}
		return code + s + ansiReset
	}
	ew := &stickyerr.Writer{W: w}
	ew.Printf("%s → %s: %s\n", name(r.Old), name(r.New), summary(r))
	// Operations with breaking changes first, so they are not scrolled
	// past under a page of additions.
	groups := r.ByOperation()
	sort.SliceStable(groups, func(i, j int) bool { return groups[i].Max > groups[j].Max })
	for _, g := range groups {
		op := g.Operation
		if op == "" {
			op = "(document)"
		}
		ew.Printf("\n%s\n", paint(ansiBold, op))
		for _, f := range g.Findings {
			lvl := paint(levelColor(f.Level), fmt.Sprintf("%-7s", f.Level))
			ew.Printf("  %s %s  %s%s\n", lvl, f.Message, paint(ansiDim, "("+f.Rule+")"), acceptedNote(f))
		}
	}
	expiryNotes(ew, r)
	return ew.Err
}

func expiryNotes(ew *stickyerr.Writer, r *diff.Report) {
	for _, a := range r.Expired {
		ew.Printf("\nexpired acceptance: %s on %s (expired %s) no longer accepts: %s\n", a.Rule, a.Operation, a.Expires, a.Reason)
	}
	for _, a := range r.Unused {
		ew.Printf("\nunused acceptance: %s on %s matched no finding\n", a.Rule, a.Operation)
	}
}

func name(s diff.Source) string {
	if s.Name == "" {
		return "(unnamed)"
	}
	return s.Name
}

// mdEscape keeps a cell on one row of a markdown table.
func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

func levelIcon(l diff.Level) string {
	switch l {
	case diff.Error:
		return "🔴 breaking"
	case diff.Warning:
		return "🟡 warning"
	}
	return "🔵 info"
}

// MarkdownLimit is the most characters a GitHub comment may hold.
const MarkdownLimit = 65536

// Markdown writes a PR comment / job summary: totals, then a table of the
// breaking and warning findings, with the info ones folded away. It stays
// under MarkdownLimit: info rows go first, then warnings, and the comment
// says how many it left out.
func Markdown(w io.Writer, r *diff.Report) error {
	var head, tail strings.Builder
	fmt.Fprintf(&head, "## API changes: `%s` → `%s`\n\n", mdEscape(name(r.Old)), mdEscape(name(r.New)))
	fmt.Fprintf(&head, "**%s**\n\n", summary(r))
	var serious, minor []string
	for _, f := range r.Findings {
		msg := mdEscape(f.Message)
		if f.Accepted != nil {
			msg += " _(accepted: " + mdEscape(f.Accepted.Reason) + ")_"
		}
		if len(f.Scenarios) > 0 {
			msg += " _(scenarios: " + mdEscape(strings.Join(f.Scenarios, ", ")) + ")_"
		}
		row := fmt.Sprintf("| %s | `%s` | %s | `%s` |\n", levelIcon(f.Level), mdEscape(f.Operation), msg, f.Rule)
		if f.Level >= diff.Warning {
			serious = append(serious, row)
		} else {
			minor = append(minor, row)
		}
	}
	for _, a := range r.Expired {
		fmt.Fprintf(&tail, "\n> ⚠️ Expired acceptance: `%s` on `%s` (expired %s) no longer accepts.\n", a.Rule, mdEscape(a.Operation), a.Expires)
	}
	for _, a := range r.Unused {
		fmt.Fprintf(&tail, "\n> ℹ️ Unused acceptance: `%s` on `%s` matched no finding.\n", a.Rule, mdEscape(a.Operation))
	}
	const tableHead = "| Level | Operation | Change | Rule |\n|---|---|---|---|\n"
	// Room for the fixed parts and the two notes on what was left out.
	budget := MarkdownLimit - head.Len() - tail.Len() - 2*len(tableHead) - 600
	keepSerious := fit(serious, budget)
	keepMinor := fit(minor, budget-size(serious[:keepSerious]))

	ew := &stickyerr.Writer{W: w}
	ew.Printf("%s", head.String())
	if len(serious) > 0 {
		ew.Printf("%s%s", tableHead, strings.Join(serious[:keepSerious], ""))
		if left := len(serious) - keepSerious; left > 0 {
			ew.Printf("\n_%d more breaking changes and warnings are not shown: the comment would exceed GitHub's size limit. The full list is in the JSON or text report._\n", left)
		}
		ew.Printf("\n")
	} else {
		ew.Printf("No breaking changes.\n\n")
	}
	if len(minor) > 0 {
		ew.Printf("<details><summary>%d other changes</summary>\n\n", len(minor))
		if keepMinor > 0 {
			ew.Printf("%s%s", tableHead, strings.Join(minor[:keepMinor], ""))
		}
		if left := len(minor) - keepMinor; left > 0 {
			ew.Printf("\n_%d of these info changes are not shown: the comment would exceed GitHub's size limit. The full list is in the JSON or text report._\n", left)
		}
		ew.Printf("\n</details>\n")
	}
	ew.Printf("%s", tail.String())
	return ew.Err
}

// fit counts how many rows, from the first, fit in budget characters.
func fit(rows []string, budget int) int {
	used := 0
	for i, r := range rows {
		used += utf8.RuneCountInString(r)
		if used > budget {
			return i
		}
	}
	return len(rows)
}

func size(rows []string) int {
	n := 0
	for _, r := range rows {
		n += utf8.RuneCountInString(r)
	}
	return n
}

// jsonReport adds the totals CI scripts check first.
type jsonReport struct {
	*diff.Report
	Summary jsonSummary `json:"summary"`
}

type jsonSummary struct {
	Breaking int `json:"breaking"`
	Warnings int `json:"warnings"`
	Info     int `json:"info"`
	Accepted int `json:"accepted"`
}

// JSON writes the report as indented JSON, with a summary of counts.
func JSON(w io.Writer, r *diff.Report) error {
	sum := jsonSummary{Breaking: r.Count(diff.Error), Warnings: r.Count(diff.Warning), Info: r.Count(diff.Info)}
	for _, f := range r.Findings {
		if f.Accepted != nil {
			sum.Accepted++
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonReport{Report: r, Summary: sum})
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// JUnit writes one test case per rule and operation; a case fails when it
// holds an unaccepted finding at or above the fail-on level. A report
// without findings is one passing case, so CI shows the check ran.
func JUnit(w io.Writer, r *diff.Report, opts Options) error {
	suite := junitSuite{Name: "contract diff " + name(r.Old) + " → " + name(r.New)}
	type key struct{ rule, op string }
	var order []key
	groups := map[key][]diff.Finding{}
	for _, f := range r.Findings {
		k := key{f.Rule, f.Operation}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], f)
	}
	for _, k := range order {
		op := k.op
		if op == "" {
			op = "(document)"
		}
		tc := junitCase{Name: op + " · " + k.rule, ClassName: "contract.diff." + k.rule}
		var failing, other []string
		for _, f := range groups[k] {
			line := fmt.Sprintf("%s: %s%s", f.Level, f.Message, acceptedNote(f))
			if f.Location != "" {
				line = fmt.Sprintf("%s [%s]: %s%s", f.Level, f.Location, f.Message, acceptedNote(f))
			}
			if f.Level >= opts.FailOn && f.Accepted == nil {
				failing = append(failing, line)
			} else {
				other = append(other, line)
			}
		}
		if len(failing) > 0 {
			tc.Failure = &junitFailure{
				Message: fmt.Sprintf("%d breaking change(s): %s", len(failing), k.rule),
				Type:    k.rule,
				Text:    strings.Join(failing, "\n"),
			}
			suite.Failures++
		}
		tc.SystemOut = strings.Join(other, "\n")
		suite.Cases = append(suite.Cases, tc)
	}
	if len(suite.Cases) == 0 {
		suite.Cases = append(suite.Cases, junitCase{Name: "no API changes", ClassName: "contract.diff", SystemOut: name(r.Old) + " and " + name(r.New) + " describe the same API"})
	}
	suite.Tests = len(suite.Cases)
	doc := junitSuites{Name: "contract", Tests: suite.Tests, Failures: suite.Failures, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// ghEscape follows the workflow-command escaping rules for data and
// property values.
func ghEscape(s string, property bool) string {
	s = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
	if property {
		s = strings.NewReplacer(":", "%3A", ",", "%2C").Replace(s)
	}
	return s
}

// AnnotationsPerKind is how many annotations of one kind (error, warning,
// notice) GitHub shows per step; it drops the rest.
const AnnotationsPerKind = 10

// GitHubActions writes one workflow annotation per error or warning
// finding, at its line in the new spec file. Beyond GitHub's per-step limit
// it keeps the most severe and ends with one line saying what it left out.
func GitHubActions(w io.Writer, r *diff.Report, opts Options) error {
	ew := &stickyerr.Writer{W: w}
	file := annotationFile(r.New.Name, opts.Workspace)
	type note struct {
		kind  string
		props string
		msg   string
	}
	byKind := map[string][]note{}
	for _, f := range r.Findings {
		var kind string
		switch {
		case f.Accepted != nil:
			kind = "notice"
		case f.Level == diff.Info:
			continue // info findings would drown the annotations panel
		case f.Level >= opts.FailOn:
			kind = "error"
		default:
			kind = "warning"
		}
		props := "title=" + ghEscape(f.Rule, true)
		if file != "" {
			pos := ""
			if f.Line > 0 {
				pos = fmt.Sprintf(",line=%d", f.Line)
				if f.Column > 0 {
					pos += fmt.Sprintf(",col=%d", f.Column)
				}
			}
			props = "file=" + ghEscape(file, true) + pos + "," + props
		}
		byKind[kind] = append(byKind[kind], note{kind, props, f.Operation + ": " + f.Message + acceptedNote(f)})
	}
	for _, a := range r.Expired {
		byKind["warning"] = append(byKind["warning"], note{"warning", "title=expired-acceptance", fmt.Sprintf("acceptance of %s on %s expired %s", a.Rule, a.Operation, a.Expires)})
	}
	for _, a := range r.Unused {
		byKind["warning"] = append(byKind["warning"], note{"warning", "title=unused-acceptance", fmt.Sprintf("acceptance of %s on %s matched no finding", a.Rule, a.Operation)})
	}
	var left []string
	for _, kind := range []string{"error", "warning", "notice"} {
		notes := byKind[kind]
		limit := AnnotationsPerKind
		if kind == "notice" {
			limit-- // room for the summary line, itself a notice
		}
		if len(notes) > limit {
			left = append(left, fmt.Sprintf("%d %ss", len(notes)-limit, kind))
			notes = notes[:limit]
		}
		for _, n := range notes {
			ew.Printf("::%s %s::%s\n", n.kind, n.props, ghEscape(n.msg, false))
		}
	}
	if len(left) > 0 {
		ew.Printf("::notice title=contract diff::%s\n", ghEscape(fmt.Sprintf("%s; %s more not annotated (GitHub shows %d of each kind per step): see the job summary or the JSON report", summary(r), strings.Join(left, ", "), AnnotationsPerKind), false))
	}
	return ew.Err
}

// annotationFile names the new spec as GitHub wants it: a path relative
// to the workspace. URLs have no file; git:REV:PATH names PATH.
func annotationFile(src, workspace string) string {
	switch {
	case src == "" || strings.Contains(src, "://"):
		return ""
	case strings.HasPrefix(src, "git:"):
		if i := strings.LastIndex(src, ":"); i > 3 {
			return filepath.ToSlash(src[i+1:])
		}
		return ""
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		return filepath.ToSlash(src)
	}
	base := workspace
	if base == "" {
		if base, err = os.Getwd(); err != nil {
			return filepath.ToSlash(src)
		}
	}
	rel, err := filepath.Rel(base, abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(src) // outside the workspace: GitHub cannot link it anyway
	}
	return filepath.ToSlash(rel)
}

// Changelog writes the diff as release notes: breaking changes first, then
// deprecations, then additions and other changes, each by operation.
func Changelog(w io.Writer, r *diff.Report) error {
	ew := &stickyerr.Writer{W: w}
	title := name(r.New)
	if !r.New.Date.IsZero() {
		title = r.New.Date.Format("2006-01-02")
	}
	ew.Printf("# API changelog: %s\n\n", title)
	ew.Printf("Compared with %s.\n\n", name(r.Old))
	sections := []struct {
		heading string
		keep    func(diff.Finding) bool
	}{
		{"Breaking changes", func(f diff.Finding) bool { return f.Level == diff.Error }},
		{"Changes that may affect clients", func(f diff.Finding) bool { return f.Level == diff.Warning }},
		{"New operations", func(f diff.Finding) bool { return f.Rule == diff.OperationAdded }},
		{"Other changes", func(f diff.Finding) bool { return f.Level == diff.Info && f.Rule != diff.OperationAdded }},
	}
	if len(r.Findings) == 0 {
		ew.Printf("No changes clients can see.\n")
		return ew.Err
	}
	for _, sec := range sections {
		byOp := map[string][]string{}
		for _, f := range r.Findings {
			if sec.keep(f) {
				byOp[f.Operation] = append(byOp[f.Operation], f.Message+acceptedNote(f))
			}
		}
		if len(byOp) == 0 {
			continue
		}
		ew.Printf("## %s\n\n", sec.heading)
		ops := make([]string, 0, len(byOp))
		for op := range byOp {
			ops = append(ops, op)
		}
		sort.Slice(ops, func(i, j int) bool { return opLess(ops[i], ops[j]) })
		for _, op := range ops {
			msgs := byOp[op]
			if sec.heading == "New operations" {
				ew.Printf("- `%s`\n", op)
				continue
			}
			if len(msgs) == 1 {
				ew.Printf("- `%s`: %s\n", op, msgs[0])
				continue
			}
			ew.Printf("- `%s`\n", op)
			for _, m := range msgs {
				ew.Printf("  - %s\n", m)
			}
		}
		ew.Printf("\n")
	}
	return ew.Err
}

func opLess(a, b string) bool {
	am, ap, _ := strings.Cut(a, " ")
	bm, bp, _ := strings.Cut(b, " ")
	if ap != bp {
		return ap < bp
	}
	return am < bm
}
