package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/heimdall-mock/heimdall-mock/internal/drift"
)

var driftFormats = []string{"text", "markdown", "json"}

func runDrift(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("heimdall-contract drift", "usage: heimdall-contract drift --a TARGET --b TARGET [flags] DIR_OR_FILES...\n\nTARGET: an http(s) URL, mock (the embedded spec) or mock:SPEC_SRC\n\nexit codes: 0 same statuses and shapes, 1 differences, 2 usage or load error\n\nflags:", stderr)
	a := fs.String("a", "", "first target: an http(s) URL, mock, or mock:SPEC_SRC")
	b := fs.String("b", "", "second target, as --a")
	specSrc := fs.String("spec", "", "spec a bare \"mock\" target serves (default: the embedded spec)")
	format := fs.String("format", "text", "report: "+strings.Join(driftFormats, ", "))
	tags := fs.String("tags", "", "comma-separated tags: compare only scenarios carrying at least one")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return usageExit(err)
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "contract drift: "+format+"\n", args...)
		return exitUsage
	}
	switch {
	case *a == "" || *b == "":
		fs.Usage()
		return fail("want both --a and --b")
	case len(pos) == 0:
		return fail("want scenario folders or files")
	case !oneOf(*format, driftFormats):
		return fail("unknown --format %q (want %s)", *format, strings.Join(driftFormats, ", "))
	}
	scs, err := loadScenarios(pos)
	if err != nil {
		return fail("%v", err)
	}
	if scs = filterTags(scs, *tags); len(scs) == 0 {
		return fail("no scenario carries any of the tags %q", *tags)
	}
	ctx, stop := signalContext()
	defer stop()
	var sides [2]drift.Side
	for i, name := range []string{*a, *b} {
		tgt, err := openTarget(ctx, name, *specSrc, 0)
		if err != nil {
			return fail("%v", err)
		}
		// No spec validation: each side may follow a different spec, and
		// drift is about how the two answers differ, not who is right.
		sides[i] = drift.Side{Name: tgt.name, Runner: tgt.runner(false)}
	}
	rep := drift.Run(ctx, sides[0], sides[1], scs)
	switch *format {
	case "markdown":
		err = rep.WriteMarkdown(stdout)
	case "json":
		err = rep.WriteJSON(stdout)
	default:
		err = rep.WriteText(stdout)
	}
	if err != nil {
		return fail("write: %v", err)
	}
	if len(rep.Differences) > 0 {
		return exitFindings
	}
	return exitOK
}
