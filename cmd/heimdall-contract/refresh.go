package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/heimdall-mock/heimdall-mock/internal/atomicfile"
	"github.com/heimdall-mock/heimdall-mock/internal/diff"
	"github.com/heimdall-mock/heimdall-mock/internal/specsrc"
)

func runRefresh(args []string, stdout, stderr io.Writer) int {
	flags := newFlagSet("heimdall-contract refresh", "usage: heimdall-contract refresh --from URL_OR_FILE --to PATH [diff flags]\n\nWrites the spec as JSON with sorted keys and 2-space indents, atomically,\nthen prints the diff against what PATH held before.\n\nexit codes: 0 no finding at or above --fail-on (or no earlier copy), 1 such findings, 2 usage, fetch or write error\n\nflags:", stderr)
	from := flags.String("from", "", "where to fetch the spec: an http(s) URL, a file or git:REV:PATH")
	to := flags.String("to", "", "the file to write the normalised spec to")
	var cf compareFlags
	cf.register(flags)
	var of outputFlags
	of.register(flags)
	pos, err := parseInterspersed(flags, args)
	if err != nil {
		return usageExit(err)
	}
	fail := func(format string, args ...any) int {
		fmt.Fprintf(stderr, "contract refresh: "+format+"\n", args...)
		return exitUsage
	}
	if *from == "" || *to == "" || len(pos) > 0 {
		flags.Usage()
		return fail("want --from and --to and no other arguments")
	}
	level, useColor, err := of.check(stdout)
	if err != nil {
		return fail("%v", err)
	}
	fetched, err := specsrc.Load(context.Background(), *from)
	if err != nil {
		return fail("%v", err)
	}
	normalised, err := normaliseSpec(fetched)
	if err != nil {
		return fail("%s: %v", *from, err)
	}
	// Parse the new copy before replacing anything: a page of HTML from a
	// broken proxy must not overwrite the last good spec.
	newSpec, err := loadSpecData(normalised)
	if err != nil {
		return fail("%s: not an OpenAPI document: %v", *from, err)
	}
	previous, err := os.ReadFile(*to)
	hadPrevious := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fail("%v", err)
	}
	if err := atomicfile.Write(*to, normalised, 0o644); err != nil {
		return fail("%v", err)
	}
	if !hadPrevious {
		fmt.Fprintf(stderr, "contract refresh: wrote %s (%d bytes); no earlier copy to compare with\n", *to, len(normalised))
		return exitOK
	}
	if bytes.Equal(previous, normalised) {
		fmt.Fprintf(stderr, "contract refresh: %s is unchanged\n", *to)
	}
	rep, ops, err := cf.compareWith(*to+" (before)", func() (*diff.Spec, error) { return loadSpecData(previous) },
		*from, func() (*diff.Spec, error) { return newSpec, nil })
	if err != nil {
		return fail("%v", err)
	}
	return of.write("contract refresh", rep, ops, level, useColor, stdout, stderr)
}

// normaliseSpec rewrites a JSON or YAML document as `jq --sort-keys`
// would: keys sorted, two-space indents, no HTML escaping, numbers as
// written, a trailing newline. Two fetches of the same spec then compare
// equal byte for byte, and the diff of a commit shows only real changes.
func normaliseSpec(data []byte) ([]byte, error) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		// Not JSON: YAML (a superset) covers the rest.
		var y any
		if yerr := yaml.Unmarshal(data, &y); yerr != nil {
			return nil, fmt.Errorf("neither JSON nor YAML: %v", yerr)
		}
		if doc, err = jsonable(y); err != nil {
			return nil, err
		}
	} else if dec.More() {
		return nil, errors.New("more than one JSON value")
	}
	if _, ok := doc.(map[string]any); !ok {
		return nil, errors.New("the document is not an object")
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil { // encoding/json sorts map keys
		return nil, err
	}
	return buf.Bytes(), nil
}

// jsonable turns what yaml.v3 decodes into values encoding/json takes:
// maps keyed by something other than strings get their keys printed.
func jsonable(v any) (any, error) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			conv, err := jsonable(val)
			if err != nil {
				return nil, err
			}
			x[k] = conv
		}
		return x, nil
	case map[any]any:
		out := make(map[string]any, len(x))
		for k, val := range x {
			conv, err := jsonable(val)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = conv
		}
		return out, nil
	case []any:
		for i, val := range x {
			conv, err := jsonable(val)
			if err != nil {
				return nil, err
			}
			x[i] = conv
		}
		return x, nil
	}
	return v, nil
}
