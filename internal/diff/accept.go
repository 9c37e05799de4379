package diff

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Acceptance is one reviewed, accepted break from an accept file:
//
//   - rule: request-property-renamed
//     operation: POST /{app_slug}/v1/auth/signup
//     reason: SDK 2.0 sends the new names
//     expires: 2026-12-31
//
// Location optionally narrows it to one field or parameter; Expires is
// optional and, once past, the entry stops accepting and is reported.
type Acceptance struct {
	Rule      string `yaml:"rule" json:"rule"`
	Operation string `yaml:"operation" json:"operation"`
	Location  string `yaml:"location,omitempty" json:"location,omitempty"`
	Reason    string `yaml:"reason" json:"reason"`
	Expires   string `yaml:"expires,omitempty" json:"expires,omitempty"`

	expiry time.Time
}

// ParseAcceptFile reads a YAML list of acceptances and checks each entry.
func ParseAcceptFile(data []byte) ([]Acceptance, error) {
	var list []Acceptance
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&list); err != nil {
		// A file of comments only is as empty as an empty one.
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, fmt.Errorf("accept file: %w", err)
	}
	for i := range list {
		a := &list[i]
		switch {
		case a.Rule == "":
			return nil, fmt.Errorf("accept file entry %d: rule is required", i+1)
		case a.Operation == "":
			return nil, fmt.Errorf("accept file entry %d (%s): operation is required", i+1, a.Rule)
		case strings.TrimSpace(a.Reason) == "":
			return nil, fmt.Errorf("accept file entry %d (%s %s): a reason is required", i+1, a.Rule, a.Operation)
		}
		if _, ok := ruleByID[a.Rule]; !ok {
			return nil, fmt.Errorf("accept file entry %d: unknown rule %q", i+1, a.Rule)
		}
		if a.Expires != "" {
			t, err := time.Parse("2006-01-02", a.Expires)
			if err != nil {
				return nil, fmt.Errorf("accept file entry %d (%s %s): expires %q is not a YYYY-MM-DD date", i+1, a.Rule, a.Operation, a.Expires)
			}
			a.expiry = t
		}
	}
	return list, nil
}

// expired reports whether the entry no longer applies on this day; it still
// applies on the expiry date itself.
func (a *Acceptance) expired(today time.Time) bool {
	if a.Expires == "" {
		return false
	}
	exp := a.expiry
	if exp.IsZero() {
		t, err := time.Parse("2006-01-02", a.Expires)
		if err != nil {
			return true
		}
		exp = t
	}
	y, m, d := today.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return day.After(exp)
}

func (a *Acceptance) covers(f Finding) bool {
	return a.Rule == f.Rule && sameOperation(a.Operation, f.Operation) &&
		(a.Location == "" || a.Location == f.Location)
}

// sameOperation compares "METHOD /path" loosely on method case and on
// path parameter names, which reviewers may spell either way.
func sameOperation(a, b string) bool {
	am, ap, _ := strings.Cut(strings.TrimSpace(a), " ")
	bm, bp, _ := strings.Cut(strings.TrimSpace(b), " ")
	return strings.EqualFold(am, bm) && opKey("", strings.TrimSpace(ap)) == opKey("", strings.TrimSpace(bp))
}

func applyAcceptances(r *Report, list []Acceptance, today time.Time) {
	for i := range list {
		a := list[i]
		if a.expired(today) {
			r.Expired = append(r.Expired, a)
			continue
		}
		used := false
		for j := range r.Findings {
			f := &r.Findings[j]
			if f.Accepted == nil && a.covers(*f) {
				acc := a
				f.Accepted = &acc
				used = true
			}
		}
		if !used {
			r.Unused = append(r.Unused, a)
		}
	}
}
