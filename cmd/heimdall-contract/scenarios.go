package main

import (
	"regexp"
	"sort"
	"strings"

	"github.com/heimdall-mock/heimdall-mock/internal/diff"
	"github.com/heimdall-mock/heimdall-mock/internal/scenario"
)

var pathParam = regexp.MustCompile(`\{[^}/]*\}`)

// opShape keys an operation by what a client sends, parameter names
// blanked, as the diff matches operations across versions.
func opShape(op string) string { return pathParam.ReplaceAllString(op, "{}") }

// nameScenarios sets Scenarios on every finding at or above level: the
// scenarios with a step whose method and path fall on the finding's
// operation. A step is matched to the one operation of ops (both specs'
// operations) that fits it best, so a step calling /v1/apps/stats is not
// counted against /v1/apps/{id}.
func nameScenarios(rep *diff.Report, ops []string, scs []*scenario.Scenario, level diff.Level) {
	m := newOpMatcher(ops)
	byOp := map[string][]string{}
	for _, sc := range scs {
		seen := map[string]bool{}
		for _, st := range sc.Steps {
			op := m.match(st.Request.Method, st.Request.Path)
			if op == "" || seen[op] {
				continue
			}
			seen[op] = true
			byOp[op] = append(byOp[op], sc.Name)
		}
	}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		if f.Level < level {
			continue
		}
		names := byOp[opShape(f.Operation)]
		sort.Strings(names)
		f.Scenarios = names
	}
}

type opTemplate struct {
	method string
	segs   []string
	key    string // opShape of the operation
}

type opMatcher struct{ ops []opTemplate }

func newOpMatcher(ops []string) *opMatcher {
	m := &opMatcher{}
	seen := map[string]bool{}
	for _, op := range ops {
		method, path, ok := strings.Cut(op, " ")
		key := opShape(op)
		if !ok || seen[key] {
			continue
		}
		seen[key] = true
		m.ops = append(m.ops, opTemplate{method: method, segs: strings.Split(strings.Trim(path, "/"), "/"), key: key})
	}
	return m
}

// match returns the key of the operation a step calls, or "". The step's
// path is a template of its own: a segment holding {{...}} stands for any
// value. Of several fits the one with the most literal segments agreeing
// wins; a HEAD falls back to the GET.
func (m *opMatcher) match(method, path string) string {
	path, _, _ = strings.Cut(path, "?")
	if strings.HasPrefix(path, "{{") {
		return "" // the whole path is a captured URL: nothing to match
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	best, bestScore := "", -1
	for _, try := range []string{method, "GET"} {
		for _, op := range m.ops {
			if op.method != try || len(op.segs) != len(segs) {
				continue
			}
			score, ok := fit(op.segs, segs)
			if ok && score > bestScore {
				best, bestScore = op.key, score
			}
		}
		if best != "" || method != "HEAD" {
			break
		}
	}
	return best
}

// fit reports whether step segments fit template segments, and how well:
// agreeing literals count most, a {{variable}} on a parameter next, and a
// {{variable}} on a literal (a captured value could be that word) least.
func fit(tmpl, step []string) (int, bool) {
	score := 0
	for i, t := range tmpl {
		s := step[i]
		variable := strings.Contains(s, "{{")
		param := strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}")
		switch {
		case param && s == "":
			return 0, false
		case param && variable:
			score++
		case param, variable:
		case s == t:
			score += 2
		default:
			return 0, false
		}
	}
	return score, true
}
