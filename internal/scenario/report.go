package scenario

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/stickyerr"
)

const (
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiDim    = "\x1b[2m"
	ansiReset  = "\x1b[0m"
)

// WriteText writes a human summary: one line per scenario, the failing
// steps with their failures, and totals. color adds ANSI colours.
func (rep *Report) WriteText(w io.Writer, color bool) error {
	paint := func(code, s string) string {
		if !color {
			return s
		}
		return code + s + ansiReset
	}
	ew := &stickyerr.Writer{W: w}
	for _, s := range rep.Scenarios {
		switch {
		case s.Skipped != "":
			ew.Printf("%s %s  %s\n", paint(ansiYellow, "SKIP"), s.Name, paint(ansiDim, "("+s.Skipped+")"))
			continue
		case s.Passed:
			ew.Printf("%s %s  %s\n", paint(ansiGreen, "PASS"), s.Name, paint(ansiDim, fmt.Sprintf("%d steps, %s", len(s.Steps), round(s.Duration))))
		default:
			ew.Printf("%s %s  %s\n", paint(ansiRed, "FAIL"), s.Name, paint(ansiDim, round(s.Duration)))
		}
		if s.Error != "" {
			ew.Printf("    %s\n", s.Error)
		}
		for i, st := range s.Steps {
			switch st.Outcome {
			case StepFailed:
				ew.Printf("    %s step %d %q: %s %s → %d (%s)\n", paint(ansiRed, "✗"), i+1, st.Name, st.Method, st.Path, st.Status, round(st.Duration))
				for _, f := range st.Failures {
					ew.Printf("        %s\n", strings.ReplaceAll(f, "\n", "\n        "))
				}
				if st.Response != "" {
					ew.Printf("        response: %s\n", st.Response)
				}
			case StepSkipped:
				ew.Printf("    %s step %d %q skipped: %s\n", paint(ansiYellow, "-"), i+1, st.Name, st.Skipped)
			}
		}
	}
	total := fmt.Sprintf("%d passed, %d failed, %d skipped; %d steps in %s", rep.Passed, rep.Failed, rep.Skipped, rep.Steps, round(rep.Duration))
	if rep.Target != "" {
		total += " against " + rep.Target
	}
	if rep.Failed > 0 {
		total = paint(ansiRed, total)
	} else {
		total = paint(ansiGreen, total)
	}
	ew.Printf("%s\n", total)
	return ew.Err
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}

// JUnit XML: one testsuite per scenario, one testcase per step, which is
// what CI dashboards group and time best.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     float64      `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	File     string      `xml:"file,attr,omitempty"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Time     float64     `xml:"time,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      float64       `xml:"time,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the report as JUnit XML.
func (rep *Report) WriteJUnit(w io.Writer) error {
	out := junitSuites{Name: "scenarios", Time: rep.Duration.Seconds()}
	if rep.Target != "" {
		out.Name = "scenarios against " + rep.Target
	}
	for _, s := range rep.Scenarios {
		suite := junitSuite{Name: s.Name, File: s.File, Time: s.Duration.Seconds()}
		if s.Skipped != "" {
			suite.Cases = append(suite.Cases, junitCase{Name: s.Name, Classname: s.Name, Skipped: &junitMessage{Message: s.Skipped}})
			suite.Skipped++
		}
		if s.Error != "" {
			suite.Cases = append(suite.Cases, junitCase{Name: "setup", Classname: s.Name, Error: &junitMessage{Message: s.Error}})
			suite.Errors++
		}
		for i, st := range s.Steps {
			c := junitCase{Name: fmt.Sprintf("%02d %s", i+1, st.Name), Classname: s.Name, Time: st.Duration.Seconds()}
			switch st.Outcome {
			case StepFailed:
				first := ""
				if len(st.Failures) > 0 {
					first, _, _ = strings.Cut(st.Failures[0], "\n")
				}
				text := fmt.Sprintf("%s %s → %d\n%s", st.Method, st.Path, st.Status, strings.Join(st.Failures, "\n"))
				if st.Response != "" {
					text += "\nresponse: " + st.Response
				}
				c.Failure = &junitMessage{Message: first, Text: text}
				suite.Failures++
			case StepSkipped:
				c.Skipped = &junitMessage{Message: st.Skipped}
				suite.Skipped++
			case StepNotRun:
				c.Skipped = &junitMessage{Message: "not run: an earlier step failed"}
				suite.Skipped++
			}
			suite.Cases = append(suite.Cases, c)
		}
		suite.Tests = len(suite.Cases)
		out.Tests += suite.Tests
		out.Failures += suite.Failures
		out.Errors += suite.Errors
		out.Skipped += suite.Skipped
		out.Suites = append(out.Suites, suite)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteMarkdown writes a summary table and the failures, for a pull
// request comment or a CI job summary.
func (rep *Report) WriteMarkdown(w io.Writer) error {
	ew := &stickyerr.Writer{W: w}
	title := "Scenario replay"
	if rep.Target != "" {
		title += " against " + mdEscape(rep.Target)
	}
	ew.Printf("## %s\n\n", title)
	ew.Printf("**%d passed, %d failed, %d skipped** (%d steps in %s)\n\n", rep.Passed, rep.Failed, rep.Skipped, rep.Steps, round(rep.Duration))
	ew.Printf("| scenario | result | steps | time |\n|---|---|---|---|\n")
	for _, s := range rep.Scenarios {
		result := "✅ pass"
		switch {
		case s.Skipped != "":
			result = "⏭️ skip: " + mdEscape(s.Skipped)
		case !s.Passed:
			result = "❌ fail"
		}
		ew.Printf("| %s | %s | %d | %s |\n", mdEscape(s.Name), result, len(s.Steps), round(s.Duration))
	}
	for _, s := range rep.Scenarios {
		if s.Passed || s.Skipped != "" {
			continue
		}
		ew.Printf("\n### %s\n\n", mdEscape(s.Name))
		if s.Error != "" {
			ew.Printf("%s\n\n", mdEscape(s.Error))
		}
		for i, st := range s.Steps {
			if st.Outcome != StepFailed {
				continue
			}
			ew.Printf("Step %d, %s: `%s %s` → %d\n\n```\n%s\n", i+1, mdEscape(st.Name), st.Method, st.Path, st.Status, strings.Join(st.Failures, "\n"))
			if st.Response != "" {
				ew.Printf("response: %s\n", st.Response)
			}
			ew.Printf("```\n\n")
		}
	}
	return ew.Err
}

func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}

// WriteJSON writes the report as indented JSON; durations are nanoseconds.
func (rep *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
