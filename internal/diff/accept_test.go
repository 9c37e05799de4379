package diff

import (
	"strings"
	"testing"
	"time"
)

func TestParseAcceptFileRejectsBadEntries(t *testing.T) {
	cases := map[string]string{
		"missing reason": "- {rule: operation-removed, operation: GET /v1/x}\n",
		"missing op":     "- {rule: operation-removed, reason: ok}\n",
		"unknown rule":   "- {rule: no-such-rule, operation: GET /v1/x, reason: ok}\n",
		"bad date":       "- {rule: operation-removed, operation: GET /v1/x, reason: ok, expires: 31/12/2026}\n",
		"unknown field":  "- {rule: operation-removed, operation: GET /v1/x, reason: ok, expiry: 2026-12-31}\n",
		"not a list":     "rule: operation-removed\n",
	}
	for name, src := range cases {
		if _, err := ParseAcceptFile([]byte(src)); err == nil {
			t.Errorf("%s: want an error", name)
		}
	}
	list, err := ParseAcceptFile([]byte("  \n"))
	if err != nil || len(list) != 0 {
		t.Errorf("empty file: %v %v", list, err)
	}
}

func TestAcceptances(t *testing.T) {
	oldDoc, newDoc := doc(withParams("[]")), doc("paths: {}\n")
	accept := func(src string, today time.Time) *Report {
		t.Helper()
		list, err := ParseAcceptFile([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		r, err := Compare(oldDoc, newDoc, Options{Accept: list, Today: today})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	day := func(s string) time.Time {
		d, _ := time.Parse("2006-01-02", s)
		return d
	}
	// Accepted: the break no longer fails, and says why.
	r := accept("- rule: operation-removed\n  operation: GET /v1/things\n  reason: clients moved to v2\n  expires: 2026-12-31\n", day("2026-12-31"))
	if r.Breaking() || r.Findings[0].Accepted == nil || r.Findings[0].Accepted.Reason != "clients moved to v2" {
		t.Errorf("accepted on its expiry day: %+v", r.Findings)
	}
	// Expired: the break fails again and the entry is reported.
	r = accept("- rule: operation-removed\n  operation: GET /v1/things\n  reason: clients moved to v2\n  expires: 2026-12-31\n", day("2027-01-01"))
	if !r.Breaking() || len(r.Expired) != 1 {
		t.Errorf("expired: breaking=%v expired=%v", r.Breaking(), r.Expired)
	}
	// Another rule or operation does not accept; the entry shows as unused.
	r = accept("- rule: operation-removed\n  operation: GET /v1/other\n  reason: x\n", day("2026-01-01"))
	if !r.Breaking() || len(r.Unused) != 1 {
		t.Errorf("unrelated entry: breaking=%v unused=%v", r.Breaking(), r.Unused)
	}
	// Method case and path parameter names do not matter.
	oldDoc = doc(strings.ReplaceAll(withParams("[]"), "/v1/things", "/v1/things/{thingId}"))
	r = accept("- rule: operation-removed\n  operation: get /v1/things/{thing_id}\n  reason: x\n", day("2026-01-01"))
	if r.Breaking() {
		t.Errorf("loose operation match: %+v", r.Findings)
	}
	// A location narrows the entry.
	r = accept("- rule: operation-removed\n  operation: GET /v1/things/{id}\n  location: somewhere else\n  reason: x\n", day("2026-01-01"))
	if !r.Breaking() {
		t.Error("entry with another location must not accept")
	}
}

func TestAcceptFileOfCommentsOnly(t *testing.T) {
	for _, data := range []string{"", "  \n", "# nothing accepted yet\n# - rule: x\n", "[]\n"} {
		list, err := ParseAcceptFile([]byte(data))
		if err != nil || len(list) != 0 {
			t.Errorf("%q: %v, %v", data, list, err)
		}
	}
}
