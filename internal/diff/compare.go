package diff

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/lazyre"
)

// Options tune a comparison. The zero value works.
type Options struct {
	// OldName and NewName label the two sides in reports (file name, URL,
	// git:REV:PATH). Dates are read from them when they carry one, as the
	// nightly spec files do (2026-05-03T2218-….json).
	OldName, NewName string
	// OldDate and NewDate override the dates in the names; they let a
	// removal after deprecation be reported with its age in days.
	OldDate, NewDate time.Time
	// Accept lists accepted breaks (see ParseAcceptFile).
	Accept []Acceptance
	// Today decides which acceptances have expired; zero means now.
	Today time.Time
	// History holds earlier dated versions, in any order. With it, an
	// operation removed after deprecation is aged from the first version
	// that deprecated it, not just from OLD.
	History []DatedSpec
}

// DatedSpec is a loaded earlier version and the day it was published.
type DatedSpec struct {
	Date time.Time
	Spec *Spec
}

// Compare diffs two OpenAPI 3 documents (JSON or YAML).
func Compare(oldDoc, newDoc []byte, opts Options) (*Report, error) {
	oldSpec, err := Load(oldDoc)
	if err != nil {
		return nil, fmt.Errorf("old spec %s: %w", labelOr(opts.OldName, "(old)"), err)
	}
	newSpec, err := Load(newDoc)
	if err != nil {
		return nil, fmt.Errorf("new spec %s: %w", labelOr(opts.NewName, "(new)"), err)
	}
	return CompareSpecs(oldSpec, newSpec, opts), nil
}

// CompareSpecs diffs two loaded documents; use it to load a spec once and
// compare it against several others.
func CompareSpecs(oldSpec, newSpec *Spec, opts Options) *Report {
	rep := &Report{
		Old: Source{Name: opts.OldName, Date: opts.OldDate},
		New: Source{Name: opts.NewName, Date: opts.NewDate},
	}
	if rep.Old.Date.IsZero() {
		rep.Old.Date, _ = DateFromName(opts.OldName)
	}
	if rep.New.Date.IsZero() {
		rep.New.Date, _ = DateFromName(opts.NewName)
	}
	c := &comparer{oldDate: rep.Old.Date, newDate: rep.New.Date, history: append([]DatedSpec(nil), opts.History...), pairs: map[pairID]*pairDiff{}}
	sort.SliceStable(c.history, func(i, j int) bool { return c.history[i].Date.Before(c.history[j].Date) })
	c.specs(oldSpec, newSpec)
	sortFindings(c.findings)
	rep.Findings = c.findings
	if rep.Findings == nil {
		rep.Findings = []Finding{}
	}
	today := opts.Today
	if today.IsZero() {
		today = time.Now()
	}
	applyAcceptances(rep, opts.Accept, today)
	return rep
}

func labelOr(name, fallback string) string {
	if name == "" {
		return fallback
	}
	return name
}

var nameDateRe = lazyre.New(`(\d{4}-\d{2}-\d{2})(?:T(\d{2})(\d{2}))?`)

// DateFromName reads the date a spec file name starts with, e.g.
// 2026-05-03T2218-da531587.json.
func DateFromName(name string) (time.Time, bool) {
	m := nameDateRe().FindStringSubmatch(filepath.Base(name))
	if m == nil {
		return time.Time{}, false
	}
	layout, value := "2006-01-02", m[1]
	if m[2] != "" {
		layout, value = "2006-01-02T1504", m[1]+"T"+m[2]+m[3]
	}
	t, err := time.Parse(layout, value)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

type comparer struct {
	oldDate, newDate time.Time
	history          []DatedSpec // oldest first
	findings         []Finding
	renames          []Rename
	op               string   // operation being compared
	opKey            string   // the operation's key, as Rename.Operation holds it
	pos              position // where in the new document c.add points
	pairs            map[pairID]*pairDiff

	// Per operation: response alternatives added and request enum values
	// added, to tell an alternative only a new request value can trigger.
	addedAlts        []addedAlt
	newRequestValues []string
}

type addedAlt struct {
	index int // into findings
	alt   *schema
	field string
}

func (c *comparer) add(rule, location, format string, args ...any) {
	c.addAt(rule, location, c.pos, format, args...)
}

func (c *comparer) addAt(rule, location string, pos position, format string, args ...any) {
	level := Error // an unregistered id is a bug; failing loudly beats hiding it
	if r, ok := ruleByID[rule]; ok {
		level = r.Level
	}
	c.findings = append(c.findings, Finding{
		Rule:      rule,
		Level:     level,
		Operation: c.op,
		Location:  location,
		Message:   fmt.Sprintf(format, args...),
		Line:      int(pos.line),
		Column:    int(pos.col),
	})
}

// deprecationAge says how long a removed item had been deprecated, as far
// as the dated versions tell: since is the first version known to have
// deprecated it (OLD, unless the history reaches further back).
func (c *comparer) deprecationAge(since time.Time) string {
	if since.IsZero() || c.newDate.IsZero() {
		return "had been deprecated"
	}
	// Calendar days: a reviewer counts dates, not 24-hour spans.
	day := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	days := int(day(c.newDate).Sub(day(since)).Hours() / 24)
	return fmt.Sprintf("had been deprecated for at least %d days (deprecated by %s, removed by %s)",
		days, since.Format("2006-01-02"), c.newDate.Format("2006-01-02"))
}

// operationDeprecatedSince walks the history back from OLD while the
// operation stays deprecated and returns the earliest such version's date.
func (c *comparer) operationDeprecatedSince(key string) time.Time {
	since := c.oldDate
	if since.IsZero() {
		return since
	}
	for i := len(c.history) - 1; i >= 0; i-- {
		h := c.history[i]
		if !h.Date.Before(since) || h.Spec == nil {
			continue
		}
		op, ok := h.Spec.ops[key]
		if !ok || !op.deprecated {
			break
		}
		since = h.Date
	}
	return since
}

func (c *comparer) specs(o, n *Spec) {
	keys := make([]string, 0, len(o.ops)+len(n.ops))
	for k := range o.ops {
		keys = append(keys, k)
	}
	for k := range n.ops {
		if _, ok := o.ops[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		oldOp, newOp := o.ops[k], n.ops[k]
		c.pos = position{}
		switch {
		case newOp == nil:
			c.op = oldOp.name()
			if oldOp.deprecated {
				c.add(OperationRemovedAfterDeprecation, "", "removed; it %s", c.deprecationAge(c.operationDeprecatedSince(k)))
			} else {
				c.add(OperationRemoved, "", "removed without deprecation")
			}
		case oldOp == nil:
			c.op = newOp.name()
			c.addAt(OperationAdded, "", newOp.pos, "new operation")
		default:
			c.op, c.opKey = newOp.name(), k
			c.pos = newOp.pos
			c.operation(oldOp, newOp)
		}
	}
}

func (c *comparer) operation(o, n *operation) {
	start := len(c.findings)
	c.addedAlts, c.newRequestValues = nil, nil
	if o.id != n.id && o.id != "" && n.id != "" {
		c.add(OperationIDChanged, "", "operationId %s is now %s", o.id, n.id)
	}
	if n.deprecated && !o.deprecated {
		c.add(OperationDeprecated, "", "now deprecated")
	}
	c.security(o.security, n.security)
	c.parameters(o, n)
	c.requestBody(o.body, n.body)
	c.responses(o, n)
	c.tokenMovedToHeader(o, n, start)
	c.alternativesForNewRequestValues()
}

func needsAuth(alts []string) bool {
	if len(alts) == 0 {
		return false
	}
	for _, a := range alts {
		if a == "" {
			return false
		}
	}
	return true
}

func securityText(alts []string) string {
	if len(alts) == 0 {
		return "no credentials"
	}
	parts := make([]string, len(alts))
	for i, a := range alts {
		if a == "" {
			a = "no credentials"
		}
		parts[i] = a
	}
	return strings.Join(parts, " or ")
}

func (c *comparer) security(o, n []string) {
	oldNeeds, newNeeds := needsAuth(o), needsAuth(n)
	switch {
	case !oldNeeds && newNeeds:
		c.add(SecurityRequirementAdded, "security", "now requires %s; clients without credentials get 401", securityText(n))
	case oldNeeds && !newNeeds:
		c.add(SecurityRequirementRemoved, "security", "no longer requires %s (now: %s)", securityText(o), securityText(n))
	case oldNeeds && newNeeds:
		have := map[string]bool{}
		for _, a := range n {
			have[a] = true
		}
		for _, a := range o {
			if !have[a] {
				c.add(SecurityRequirementChanged, "security", "no longer accepts %s (now: %s)", a, securityText(n))
			}
		}
	}
}

// normName folds the naming style away, so camelCase and snake_case
// spellings of a field compare equal.
func normName(s string) string {
	s = strings.NewReplacer("_", "", "-", "").Replace(s)
	return strings.ToLower(s)
}

func (c *comparer) parameters(o, n *operation) {
	// Path parameters match by position: the name is not on the wire.
	for i := 0; i < len(o.pathParams) && i < len(n.pathParams); i++ {
		on, nn := o.pathParams[i], n.pathParams[i]
		if on != nn {
			c.add(PathParameterRenamed, "path parameter "+nn, "path parameter {%s} is now {%s}; URLs are unchanged", on, nn)
		}
		op, np := o.params[paramKey("path", on)], n.params[paramKey("path", nn)]
		// A parameter the old document forgot to declare constrained
		// nothing, so declaring it now is not a change clients can see.
		if op != nil && np != nil {
			c.paramSchema("path parameter "+nn, op.schema, np)
		}
	}

	var removed, added []*parameter
	for k, op := range o.params {
		if op.in == "path" {
			continue
		}
		np, ok := n.params[k]
		if !ok {
			removed = append(removed, op)
			continue
		}
		where := op.in + " parameter " + np.name
		switch {
		case np.required && !op.required:
			c.addAt(RequestParameterBecameRequired, where, np.pos, "%s parameter %s is now required", op.in, np.name)
		case !np.required && op.required:
			c.addAt(RequestParameterBecameOptional, where, np.pos, "%s parameter %s is now optional", op.in, np.name)
		}
		c.paramSchema(where, op.schema, np)
	}
	for k, np := range n.params {
		if np.in == "path" {
			continue
		}
		if _, ok := o.params[k]; !ok {
			added = append(added, np)
		}
	}
	sortParams(removed)
	sortParams(added)
	renamedTo := map[*parameter]bool{}
	for _, op := range removed {
		var match *parameter
		for _, np := range added {
			if np.in == op.in && !renamedTo[np] && normName(np.name) == normName(op.name) {
				match = np
				break
			}
		}
		where := op.in + " parameter " + op.name
		if match != nil {
			renamedTo[match] = true
			c.addAt(RequestParameterRenamed, op.in+" parameter "+match.name, match.pos, "%s parameter %s was renamed to %s", op.in, op.name, match.name)
			continue
		}
		c.add(RequestParameterRemoved, where, "%s parameter %s was removed", op.in, op.name)
	}
	for _, np := range added {
		if renamedTo[np] {
			continue
		}
		where := np.in + " parameter " + np.name
		if np.required {
			c.addAt(RequestParameterAddedRequired, where, np.pos, "new required %s parameter %s", np.in, np.name)
		} else {
			c.addAt(RequestParameterAddedOptional, where, np.pos, "new optional %s parameter %s", np.in, np.name)
		}
	}
}

func sortParams(ps []*parameter) {
	sort.Slice(ps, func(i, j int) bool { return paramKey(ps[i].in, ps[i].name) < paramKey(ps[j].in, ps[j].name) })
}

// paramSchema compares what a parameter accepts: its type and enum.
func (c *comparer) paramSchema(where string, o *schema, np *parameter) {
	n := np.schema
	if o == nil || n == nil {
		return
	}
	if msg := requestTypeNarrowed(o, n); msg != "" {
		c.addAt(RequestParameterTypeChanged, where, np.pos, "%s: %s", where, msg)
	}
	removed, added := enumDiff(o.enum, n.enum)
	if len(removed) > 0 {
		c.addAt(RequestParameterEnumValueRemoved, where, np.pos, "%s no longer accepts %s", where, quoteList(removed))
	}
	if len(added) > 0 {
		c.addAt(RequestParameterEnumValueAdded, where, np.pos, "%s now also accepts %s", where, quoteList(added))
		c.newRequestValues = append(c.newRequestValues, added...)
	}
}

func (c *comparer) requestBody(o, n *requestBody) {
	switch {
	case o == nil && n == nil:
		return
	case o == nil:
		if n.required {
			c.add(RequestBodyAddedRequired, "request body", "a required request body was added")
		} else {
			c.add(RequestBodyAddedOptional, "request body", "an optional request body was added")
		}
		return
	case n == nil:
		c.add(RequestBodyRemoved, "request body", "the request body was removed")
		return
	}
	if n.required && !o.required {
		c.add(RequestBodyBecameRequired, "request body", "the request body is now required")
	}
	for _, mt := range slices.Sorted(maps.Keys(o.content)) {
		ns, ok := n.content[mt]
		if !ok {
			c.add(RequestMediaTypeRemoved, "request body "+mt, "media type %s is no longer accepted", mt)
			continue
		}
		where := "request body"
		if len(o.content) > 1 {
			where += " " + mt
		}
		c.compareSchemas(where, "", o.content[mt], ns, dirRequest)
	}
}

func isSuccess(code string) bool { return strings.HasPrefix(code, "2") }

func (c *comparer) responses(o, n *operation) {
	var newSuccess, goneSuccess []string
	for _, code := range n.statusOrder {
		if _, ok := o.responses[code]; !ok {
			if isSuccess(code) {
				newSuccess = append(newSuccess, code)
			}
			c.addAt(ResponseStatusAdded, "response "+code, n.responses[code].pos, "new response status %s", code)
		}
	}
	for _, code := range o.statusOrder {
		nr, ok := n.responses[code]
		if !ok {
			if isSuccess(code) {
				goneSuccess = append(goneSuccess, code)
				now := ""
				if len(newSuccess) > 0 {
					now = "; it now answers " + strings.Join(newSuccess, ", ")
				}
				c.add(ResponseSuccessStatusRemoved, "response "+code, "success status %s is no longer returned%s", code, now)
			} else {
				c.add(ResponseStatusRemoved, "response "+code, "status %s is no longer documented", code)
			}
			continue
		}
		c.responseBody("response "+code, code, o.responses[code], nr)
	}
	// A success status swapped for another (201 -> 200) still carries a
	// body: compare it so changes inside are not lost.
	if len(goneSuccess) == 1 && len(newSuccess) == 1 {
		c.responseBody("response "+goneSuccess[0]+"→"+newSuccess[0], newSuccess[0], o.responses[goneSuccess[0]], n.responses[newSuccess[0]])
	}
}

func (c *comparer) responseBody(where, status string, o, n *response) {
	oldHas, newHas := hasSchema(o.content), hasSchema(n.content)
	switch {
	case !oldHas && !newHas:
		return
	case !oldHas:
		c.add(ResponseBodyAdded, where, "the response body is now documented")
		return
	case !newHas && len(n.content) == 0:
		c.add(ResponseBodyRemoved, where, "the response no longer has a body")
		return
	}
	for _, mt := range slices.Sorted(maps.Keys(o.content)) {
		ns, ok := n.content[mt]
		if !ok {
			c.add(ResponseMediaTypeRemoved, where+" "+mt, "media type %s is no longer returned", mt)
			continue
		}
		w := where
		if len(o.content) > 1 {
			w += " " + mt
		}
		c.compareSchemas(w, status, o.content[mt], ns, dirResponse)
	}
}

func hasSchema(content map[string]*schema) bool {
	for _, s := range content {
		if s != nil {
			return true
		}
	}
	return false
}

// tokenMovedToHeader folds "new required Authorization header" plus "body
// token no longer required" into the one change a reviewer should read.
func (c *comparer) tokenMovedToHeader(o, n *operation, start int) {
	key := paramKey("header", "authorization")
	np, ok := n.params[key]
	if !ok || !np.required {
		return
	}
	if _, had := o.params[key]; had {
		return
	}
	field := droppedBodyToken(o.body, n.body)
	if field == "" {
		return // a plain new required header: the generic rule already says so
	}
	headerLoc, fieldLoc := "header parameter "+np.name, "request body: "+field
	kept := c.findings[:start]
	for _, f := range c.findings[start:] {
		folded := f.Rule == RequestParameterAddedRequired && f.Location == headerLoc ||
			(f.Rule == RequestPropertyBecameOptional || f.Rule == RequestPropertyRemoved) && f.Location == fieldLoc
		if !folded {
			kept = append(kept, f)
		}
	}
	c.findings = kept
	c.add(TokenMovedToHeader, headerLoc,
		"the token now travels in the required %s header instead of the body field %s; clients that only send it in the body are rejected", np.name, field)
}

// droppedBodyToken names the top-level request body field carrying a token
// that the old version required and the new one no longer does.
func droppedBodyToken(o, n *requestBody) string {
	if o == nil {
		return ""
	}
	for _, mt := range slices.Sorted(maps.Keys(o.content)) {
		old := o.content[mt]
		if old == nil {
			continue
		}
		var now *schema
		if n != nil {
			now = n.content[mt]
		}
		for _, name := range old.propOrder {
			if !old.required[name] || !strings.Contains(strings.ToLower(name), "token") {
				continue
			}
			if now == nil || now.props[name] == nil || !now.required[name] {
				return name
			}
		}
	}
	return ""
}

// alternativesForNewRequestValues: a response alternative added together
// with a new request enum value it is named after (enrolling an "email"
// factor answers EmailEnrollmentData) is only sent to clients that send the
// new value, which existing clients never do. It is still worth a note.
func (c *comparer) alternativesForNewRequestValues() {
	if len(c.newRequestValues) == 0 {
		return
	}
	for _, a := range c.addedAlts {
		value := triggeringValue(a.alt, c.newRequestValues)
		if value == "" {
			continue
		}
		f := &c.findings[a.index]
		f.Rule = ResponseOneOfAlternativeAddedForNewValue
		f.Level = ruleByID[f.Rule].Level
		f.Message = fmt.Sprintf("%s may now be the %s shape, only when the request sends the new value %q", a.field, altName(a.alt), value)
	}
}

// triggeringValue returns the new request value the alternative belongs
// to: a word of its component name, the prefix of one of its field names,
// or the const/enum of one of its fields.
func triggeringValue(alt *schema, values []string) string {
	for _, v := range values {
		lv := strings.ToLower(v)
		if len(lv) < 3 {
			continue
		}
		if slices.Contains(nameWords(alt.ref), lv) {
			return v
		}
		for _, name := range alt.propOrder {
			p := alt.props[name]
			if w := nameWords(name); len(w) > 1 && w[0] == lv || p != nil && len(p.enum) == 1 && p.enum[0] == v {
				return v
			}
		}
	}
	return ""
}

var wordRe = lazyre.New(`[A-Z]?[a-z0-9]+|[A-Z]+(?:[^a-z]|$)`)

// nameWords splits EmailEnrollmentData, email_masked or e-mail-code into
// lower-case words.
func nameWords(name string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '-' || r == '.' }) {
		for _, w := range wordRe().FindAllString(part, -1) {
			out = append(out, strings.ToLower(w))
		}
	}
	return out
}
