// Package render writes a diff.Report for people and for CI: plain or
// coloured text, a markdown PR comment, JSON, JUnit XML, GitHub Actions
// annotations and a human changelog.
package render

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"sort"
	"strings"

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

// Markdown writes a PR comment / job summary: totals, then a table of the
// breaking and warning findings, with the info ones folded away.
func Markdown(w io.Writer, r *diff.Report) error {
	ew := &stickyerr.Writer{W: w}
	ew.Printf("## API changes: `%s` → `%s`\n\n", mdEscape(name(r.Old)), mdEscape(name(r.New)))
	ew.Printf("**%s**\n\n", summary(r))
	var serious, minor []diff.Finding
	for _, f := range r.Findings {
		if f.Level >= diff.Warning {
			serious = append(serious, f)
		} else {
			minor = append(minor, f)
		}
	}
	table := func(fs []diff.Finding) {
		ew.Printf("| Level | Operation | Change | Rule |\n|---|---|---|---|\n")
		for _, f := range fs {
			msg := mdEscape(f.Message)
			if f.Accepted != nil {
				msg += " _(accepted: " + mdEscape(f.Accepted.Reason) + ")_"
			}
			if len(f.Scenarios) > 0 {
				msg += " _(scenarios: " + mdEscape(strings.Join(f.Scenarios, ", ")) + ")_"
			}
			ew.Printf("| %s | `%s` | %s | `%s` |\n", levelIcon(f.Level), mdEscape(f.Operation), msg, f.Rule)
		}
		ew.Printf("\n")
	}
	if len(serious) > 0 {
		table(serious)
	} else {
		ew.Printf("No breaking changes.\n\n")
	}
	if len(minor) > 0 {
		ew.Printf("<details><summary>%d other changes</summary>\n\n", len(minor))
		table(minor)
		ew.Printf("</details>\n")
	}
	for _, a := range r.Expired {
		ew.Printf("\n> ⚠️ Expired acceptance: `%s` on `%s` (expired %s) no longer accepts.\n", a.Rule, mdEscape(a.Operation), a.Expires)
	}
	for _, a := range r.Unused {
		ew.Printf("\n> ℹ️ Unused acceptance: `%s` on `%s` matched no finding.\n", a.Rule, mdEscape(a.Operation))
	}
	return ew.Err
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

// JUnit writes one test case per changed operation; it fails when the
// operation has an unaccepted finding at or above the fail-on level.
func JUnit(w io.Writer, r *diff.Report, opts Options) error {
	suite := junitSuite{Name: "contract diff " + name(r.Old) + " → " + name(r.New)}
	for _, g := range r.ByOperation() {
		tc := junitCase{Name: g.Operation, ClassName: "contract.diff"}
		var failing, other []string
		for _, f := range g.Findings {
			line := fmt.Sprintf("%s %s: %s%s", f.Level, f.Rule, f.Message, acceptedNote(f))
			if f.Level >= opts.FailOn && f.Accepted == nil {
				failing = append(failing, line)
			} else {
				other = append(other, line)
			}
		}
		if len(failing) > 0 {
			tc.Failure = &junitFailure{
				Message: fmt.Sprintf("%d breaking change(s)", len(failing)),
				Type:    "breaking-change",
				Text:    strings.Join(failing, "\n"),
			}
			suite.Failures++
		}
		tc.SystemOut = strings.Join(other, "\n")
		suite.Cases = append(suite.Cases, tc)
		suite.Tests++
	}
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

// GitHubActions writes one workflow annotation per error or warning
// finding, against the new spec file.
func GitHubActions(w io.Writer, r *diff.Report, opts Options) error {
	ew := &stickyerr.Writer{W: w}
	file := r.New.Name
	if strings.Contains(file, "://") {
		file = ""
	} else if strings.HasPrefix(file, "git:") {
		if i := strings.LastIndex(file, ":"); i > 3 {
			file = file[i+1:]
		}
	}
	for _, f := range r.Findings {
		var cmd string
		switch {
		case f.Accepted != nil:
			cmd = "notice"
		case f.Level == diff.Info:
			continue // info findings would drown the annotations panel
		case f.Level >= opts.FailOn:
			cmd = "error"
		default:
			cmd = "warning"
		}
		props := "title=" + ghEscape(f.Rule, true)
		if file != "" {
			props = "file=" + ghEscape(file, true) + "," + props
		}
		ew.Printf("::%s %s::%s\n", cmd, props, ghEscape(f.Operation+": "+f.Message+acceptedNote(f), false))
	}
	for _, a := range r.Expired {
		ew.Printf("::warning title=expired-acceptance::%s\n", ghEscape(fmt.Sprintf("acceptance of %s on %s expired %s", a.Rule, a.Operation, a.Expires), false))
	}
	for _, a := range r.Unused {
		ew.Printf("::warning title=unused-acceptance::%s\n", ghEscape(fmt.Sprintf("acceptance of %s on %s matched no finding", a.Rule, a.Operation), false))
	}
	return ew.Err
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
