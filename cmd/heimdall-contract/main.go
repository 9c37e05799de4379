// Command contract checks the Heimdall API contract in CI.
//
//	contract diff [flags] OLD NEW       classify every change; exit 1 on breaks
//	contract changelog [flags] OLD NEW  the same diff as a markdown changelog
//	contract rules                      list rule ids, levels and meanings
//	contract refresh --from SRC --to F  fetch a spec, write it normalised, diff it
//	contract replay [flags] DIR...      replay scenario files on the mock or a service
//	contract drift --a T --b T DIR...   where two targets answer the scenarios differently
//	contract record --upstream URL --listen ADDR --out DIR
//	                                    proxy traffic and write it as scenario files
//
// OLD and NEW are files, http(s) URLs, or git:REV:PATH (the spec as it was
// at a commit).
//
// diff flags: --format text|markdown|json|junit|githubactions (text is
// coloured only on a terminal), --fail-on error|warning, --accept FILE (YAML
// list of accepted breaks: rule, operation, reason, optional location and
// expires: YYYY-MM-DD; expired entries stop accepting and are reported),
// --old-date/--new-date YYYY-MM-DD (default: from the file names), --history
// DIR (earlier dated specs, to age removals after deprecation), --scenarios
// DIR (name the scenarios each failing finding reaches). refresh takes the
// same flags.
//
// replay, drift and record are described in testdata/scenarios/README.md.
//
// Exit codes: 0 no finding at or above --fail-on (accepted ones excluded),
// every scenario passed, no drift; 1 such findings, a failed scenario or
// drift; 2 usage error or a spec or scenario that cannot be loaded.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/buildinfo"
	"github.com/heimdall-mock/heimdall-mock/internal/diff"
	"github.com/heimdall-mock/heimdall-mock/internal/diff/render"
	"github.com/heimdall-mock/heimdall-mock/internal/scenario"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/internal/specsrc"
)

// Exit codes.
const (
	exitOK       = 0
	exitFindings = 1
	exitUsage    = 2
)

func main() {
	// A run lives for tens of milliseconds and its peak is set by the
	// parser's working set, not by garbage: collecting half as often cuts
	// wall time by about a sixth at no measurable cost in peak RSS.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// command is one subcommand.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"diff":      {"classify the changes between two specs (breaking, warning, info)", runDiff},
	"changelog": {"write the changes between two specs as a markdown changelog", runChangelog},
	"rules":     {"list the diff rules with their ids and levels", runRules},
	"replay":    {"replay scenario files against the mock or a service", runReplay},
	"refresh":   {"fetch a spec, write it normalised and diff it against the copy it replaces", runRefresh},
	"record":    {"proxy to a service and write the traffic as scenario files", runRecord},
	"drift":     {"replay scenarios on two targets and report where statuses or body shapes differ", runDrift},
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "--version" || args[0] == "-version" || args[0] == "version" {
		fmt.Fprintln(stdout, buildinfo.String("heimdall-contract"))
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "contract: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	return cmd.run(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: heimdall-contract <command> [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	names := slices.Sorted(maps.Keys(commands))
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\n  --version  print the version and VCS revision, then exit")
	fmt.Fprintln(w, "\nexit codes: 0 ok, 1 findings at or above --fail-on, 2 usage or load error")
}

// parseInterspersed lets flags follow the positional arguments
// (`contract diff old.json new.json --format json`), as CI scripts write them.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

type compareFlags struct {
	oldDate, newDate string
	accept           string
	history          string
}

func (cf *compareFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&cf.oldDate, "old-date", "", "date of OLD (YYYY-MM-DD); default: from its file name")
	fs.StringVar(&cf.newDate, "new-date", "", "date of NEW (YYYY-MM-DD); default: from its file name")
	fs.StringVar(&cf.accept, "accept", "", "YAML file of accepted breaks (rule, operation, reason, optional expires)")
	fs.StringVar(&cf.history, "history", "", "folder of earlier dated spec files (2026-05-03T2218-….json); ages removals from the first version that deprecated them")
}

// compare loads both specs and the accept file, then diffs them. ops lists
// the operations of both specs, for matching scenario steps.
func (cf *compareFlags) compare(oldSrc, newSrc string) (rep *diff.Report, ops []string, err error) {
	load := func(src string) func() (*diff.Spec, error) {
		return func() (*diff.Spec, error) { return loadSpec(src) }
	}
	return cf.compareWith(oldSrc, load(oldSrc), newSrc, load(newSrc))
}

// compareWith is compare on specs the caller loads: from sources or, for
// refresh, from bytes already in hand.
func (cf *compareFlags) compareWith(oldName string, loadOld func() (*diff.Spec, error), newName string, loadNew func() (*diff.Spec, error)) (*diff.Report, []string, error) {
	opts := diff.Options{OldName: oldName, NewName: newName}
	var err error
	if opts.OldDate, err = parseDate("--old-date", cf.oldDate); err != nil {
		return nil, nil, err
	}
	if opts.NewDate, err = parseDate("--new-date", cf.newDate); err != nil {
		return nil, nil, err
	}
	if cf.accept != "" {
		data, err := os.ReadFile(cf.accept)
		if err != nil {
			return nil, nil, err
		}
		if opts.Accept, err = diff.ParseAcceptFile(data); err != nil {
			return nil, nil, err
		}
	}
	if cf.history != "" {
		if opts.History, err = loadHistory(cf.history); err != nil {
			return nil, nil, err
		}
	}
	// The two documents share nothing until compared, so they load side by
	// side: on a CI runner's two cores that halves the wait on large
	// specs. Each load keeps only a small Spec; its node tree is garbage
	// the moment it returns, so both in flight stay well under what one
	// typed model used to take.
	var (
		oldSpec, newSpec *diff.Spec
		oldErr, newErr   error
		wg               sync.WaitGroup
	)
	wg.Go(func() { oldSpec, oldErr = loadOld() })
	newSpec, newErr = loadNew()
	wg.Wait()
	if oldErr != nil {
		return nil, nil, fmt.Errorf("OLD %s: %w", oldName, oldErr)
	}
	if newErr != nil {
		return nil, nil, fmt.Errorf("NEW %s: %w", newName, newErr)
	}
	ops := append(oldSpec.Operations(), newSpec.Operations()...)
	return diff.CompareSpecs(oldSpec, newSpec, opts), ops, nil
}

// loadHistory loads every dated spec file in dir; files without a date in
// their name cannot be placed in time and are skipped.
func loadHistory(dir string) ([]diff.DatedSpec, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("--history: %w", err)
	}
	var history []diff.DatedSpec
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || ext != ".json" && ext != ".yaml" && ext != ".yml" {
			continue
		}
		date, ok := diff.DateFromName(e.Name())
		if !ok {
			continue
		}
		s, err := loadSpec(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("--history %s: %w", e.Name(), err)
		}
		history = append(history, diff.DatedSpec{Date: date, Spec: s})
	}
	return history, nil
}

func loadSpec(src string) (*diff.Spec, error) {
	data, err := specsrc.Load(context.Background(), src)
	if err != nil {
		return nil, err
	}
	return loadSpecData(data)
}

// loadSpecData explains a document the diff cannot load as the mock
// would, so an unreadable file gets the mock's words for it. The probe runs
// only then: it parses the whole document again, which on a large YAML
// spec costs as much as the diff's own load.
func loadSpecData(data []byte) (*diff.Spec, error) {
	s, err := diff.Load(data)
	if err == nil {
		return s, nil
	}
	if _, perr := specload.Probe(data); perr != nil {
		return nil, perr
	}
	return nil, err
}

func parseDate(flagName, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse("2006-01-02", v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want YYYY-MM-DD", flagName, v)
	}
	return t, nil
}

// outputFlags are how a diff report is written and judged; diff and
// refresh share them.
type outputFlags struct {
	format, failOn, color string
	scenarios             string
}

func (of *outputFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&of.format, "format", "text", "output: "+strings.Join(render.Formats, ", "))
	fs.StringVar(&of.failOn, "fail-on", "error", "exit 1 when an unaccepted finding is at or above this level: error or warning")
	fs.StringVar(&of.color, "color", "auto", "colour text output: auto (when stdout is a terminal), always, never")
	fs.StringVar(&of.scenarios, "scenarios", "", "folder of scenario files: name, for each finding at or above --fail-on, the scenarios whose steps call its operation")
}

// check validates the flags before any spec is loaded.
func (of *outputFlags) check(stdout io.Writer) (level diff.Level, color bool, err error) {
	level, err = diff.ParseLevel(of.failOn)
	if err != nil || level == diff.Info {
		return 0, false, fmt.Errorf("--fail-on %q: want error or warning", of.failOn)
	}
	if !validFormat(of.format) {
		return 0, false, fmt.Errorf("unknown --format %q (want %s)", of.format, strings.Join(render.Formats, ", "))
	}
	color, err = colorWanted(of.color, stdout)
	return level, color, err
}

// write renders the report (scenario names added) and returns the exit code.
func (of *outputFlags) write(name string, rep *diff.Report, ops []string, level diff.Level, color bool, stdout, stderr io.Writer) int {
	if of.scenarios != "" {
		scs, err := scenario.LoadDir(of.scenarios)
		if err != nil {
			fmt.Fprintf(stderr, "%s: --scenarios: %v\n", name, err)
			return exitUsage
		}
		nameScenarios(rep, ops, scs, level)
	}
	if err := render.Write(stdout, of.format, rep, render.Options{Color: color, FailOn: level, Workspace: os.Getenv("GITHUB_WORKSPACE")}); err != nil {
		fmt.Fprintf(stderr, "%s: write: %v\n", name, err)
		return exitUsage
	}
	for _, a := range rep.Expired {
		fmt.Fprintf(stderr, "%s: acceptance of %s on %s expired %s\n", name, a.Rule, a.Operation, a.Expires)
	}
	if len(rep.Failing(level)) > 0 {
		return exitFindings
	}
	return exitOK
}

func runDiff(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("heimdall-contract diff", "usage: heimdall-contract diff [flags] OLD NEW\n\nOLD, NEW: file, http(s) URL or git:REV:PATH\n\nexit codes: 0 ok, 1 findings at or above --fail-on, 2 usage or load error\n\nflags:", stderr)
	var cf compareFlags
	cf.register(fs)
	var of outputFlags
	of.register(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(pos) != 2 {
		fmt.Fprintln(stderr, "contract diff: want exactly two specs, OLD and NEW")
		fs.Usage()
		return exitUsage
	}
	level, useColor, err := of.check(stdout)
	if err != nil {
		fmt.Fprintf(stderr, "contract diff: %v\n", err)
		return exitUsage
	}
	rep, ops, err := cf.compare(pos[0], pos[1])
	if err != nil {
		fmt.Fprintf(stderr, "contract diff: %v\n", err)
		return exitUsage
	}
	return of.write("contract diff", rep, ops, level, useColor, stdout, stderr)
}

func usageExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	return exitUsage
}

func validFormat(f string) bool {
	for _, known := range render.Formats {
		if f == known {
			return true
		}
	}
	return false
}

func colorWanted(mode string, stdout io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto":
		if os.Getenv("NO_COLOR") != "" {
			return false, nil
		}
		f, ok := stdout.(*os.File)
		if !ok {
			return false, nil
		}
		st, err := f.Stat()
		return err == nil && st.Mode()&os.ModeCharDevice != 0, nil
	}
	return false, fmt.Errorf("--color %q: want auto, always or never", mode)
}

func runChangelog(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("heimdall-contract changelog", "usage: heimdall-contract changelog [flags] OLD NEW\n\nflags:", stderr)
	var cf compareFlags
	cf.register(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return usageExit(err)
	}
	if len(pos) != 2 {
		fmt.Fprintln(stderr, "contract changelog: want exactly two specs, OLD and NEW")
		return exitUsage
	}
	rep, _, err := cf.compare(pos[0], pos[1])
	if err != nil {
		fmt.Fprintf(stderr, "contract changelog: %v\n", err)
		return exitUsage
	}
	if err := render.Changelog(stdout, rep); err != nil {
		fmt.Fprintf(stderr, "contract changelog: write: %v\n", err)
		return exitUsage
	}
	return exitOK
}

func runRules(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintln(stderr, "contract rules: takes no arguments")
		return exitUsage
	}
	for _, r := range diff.Rules() {
		fmt.Fprintf(stdout, "%-45s %-7s %s\n", r.ID, r.Level, r.Summary)
	}
	return exitOK
}

// newFlagSet is a subcommand's flag set: errors and usage go to stderr, and
// usage prints the synopsis (arguments, exit codes) before the flags.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, synopsis)
		fs.PrintDefaults()
	}
	return fs
}
