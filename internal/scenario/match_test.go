package scenario

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestCaptureByPointerJSONPathAndHeader(t *testing.T) {
	body := decode(t, `{"access_token":"tok","items":[{"id":"first"},{"id":"last","n":7}],"a/b":{"~c":1},"x y":true}`)
	header := http.Header{"Location": {"https://example.test/next"}, "Refresh": {"https://app.example.test/cb?heimdall_code=c0de&state=s"}}
	cases := []struct {
		expr string
		want any
	}{
		{"/access_token", "tok"},
		{"/items/1/id", "last"},
		{"/a~1b/~0c", 1.0},
		{"$.access_token", "tok"},
		{"$.items[0].id", "first"},
		{"$.items[-1].n", 7.0},
		{"$['x y']", true},
		{`$["items"][1]["id"]`, "last"},
		{"$", body},
		{"$.items[?(@.id == 'last')].n", 7.0},
		{`$.items[?(@.id != "first")].id`, "last"},
		{"$.items[?(@.n==7)].id", "last"},
		{"$.items[?(@.n != 7)].id", "first"},
		{"header:Location", "https://example.test/next"},
		{"header: location", "https://example.test/next"},
		{"header:Refresh?heimdall_code", "c0de"},
	}
	for _, c := range cases {
		got, err := capture(c.expr, header, body, true)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if gs, ws := compact(got), compact(c.want); gs != ws {
			t.Errorf("%s = %s, want %s", c.expr, gs, ws)
		}
	}
	for _, expr := range []string{"$.items[?(@.id == 'none')].id", "$.items[?(@.id == 'first')].n", "/missing", "/items/2/id", "$.items[5]", "$.access_token.deeper", "header:X-Missing", "/items/id", "header:Refresh?missing", "header:Location?code"} {
		if v, err := capture(expr, header, body, true); err == nil {
			t.Errorf("%s: captured %v from a place that is not there", expr, v)
		}
	}
	for _, bad := range []string{"header:?code", "header:Location?", "$.items[?(@.id ~ 1)]", "$.items[?(id == 1)]", "$.items[?(@.id == bare)]", "$.items[?(@.id == 1)"} {
		if err := checkCapture(bad); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
	if _, err := capture("/access_token", header, nil, false); err == nil || !strings.Contains(err.Error(), "no JSON body") {
		t.Errorf("capture from no body: %v", err)
	}
}

func TestCompareBodySubset(t *testing.T) {
	got := decode(t, `{"id":"u1","email":"a@example.com","role":"member","tokens":{"type":"Bearer","ttl":3600},"data":[{"id":"x","v":1}]}`)
	if d := compareBody(decode(t, `{"role":"member","tokens":{"type":"Bearer"},"data":[{"v":1}]}`), got, MatchSubset, nil); d != "" {
		t.Errorf("a true subset differs:\n%s", d)
	}
	d := compareBody(decode(t, `{"role":"owner"}`), got, MatchSubset, nil)
	if !strings.Contains(d, `"owner"`) || !strings.Contains(d, `"member"`) {
		t.Errorf("diff does not show both values:\n%s", d)
	}
	if d := compareBody(decode(t, `{"missing":1}`), got, MatchSubset, nil); d == "" {
		t.Error("a missing field must differ")
	}
	if d := compareBody(decode(t, `{"data":[{},{}]}`), got, MatchSubset, nil); d == "" {
		t.Error("arrays keep their length in subset mode")
	}
	if d := compareBody(decode(t, `{"tokens":"Bearer"}`), got, MatchSubset, nil); d == "" {
		t.Error("a string against an object must differ")
	}
}

func TestCompareBodyExactWithIgnoredFields(t *testing.T) {
	got := decode(t, `{"id":"5c1f","created_at":"2026-01-01T00:00:00Z","name":"ci","items":[{"id":"a","k":1},{"id":"b","k":2}]}`)
	want := decode(t, `{"name":"ci","items":[{"k":1},{"k":2}]}`)
	if d := compareBody(want, got, MatchExact, nil); d == "" {
		t.Fatal("exact match ignored extra fields")
	}
	if d := compareBody(want, got, MatchExact, []string{"id", "created_at"}); d != "" {
		t.Errorf("names ignored at every depth, still:\n%s", d)
	}
	// A pointer ignores one place only: items' ids still count.
	if d := compareBody(want, got, MatchExact, []string{"/id", "/created_at"}); d == "" || !strings.Contains(d, "items") {
		t.Errorf("pointer ignore leaked to other depths:\n%s", d)
	}
	if d := compareBody(want, got, MatchExact, []string{"/id", "/created_at", "/items/0/id", "/items/1/id"}); d != "" {
		t.Errorf("pointers ignored, still:\n%s", d)
	}
	// Ignoring a field does not excuse a wrong neighbour.
	if d := compareBody(decode(t, `{"name":"cd","items":[{"k":1},{"k":2}]}`), got, MatchExact, []string{"id", "created_at"}); d == "" {
		t.Error("wrong name passed")
	}
	// Ignore works in subset mode too, on fields the expectation names.
	if d := compareBody(decode(t, `{"id":"other","name":"ci"}`), got, MatchSubset, []string{"id"}); d != "" {
		t.Errorf("subset with ignore:\n%s", d)
	}
}

func TestTemplates(t *testing.T) {
	env := map[string]string{"TOKEN": "s3cret", "EMPTY": ""}
	v := newVars(func(k string) (string, bool) { val, ok := env[k]; return val, ok })
	v.values["id"] = "u1"
	v.values["count"] = 3.0
	v.values["obj"] = map[string]any{"a": 1.0}

	got, err := v.expand("/apps/{{id}}/x?n={{ count }}&t=${TOKEN}")
	if err != nil || got != "/apps/u1/x?n=3&t=s3cret" {
		t.Fatalf("expand = %q, %v", got, err)
	}
	if !v.secrets["s3cret"] {
		t.Error("an env value used must be remembered for redaction")
	}
	a, _ := v.expand("{{random_email}}")
	b, _ := v.expand("{{random_email}}")
	c, _ := v.expand("{{random_email.other}}")
	if a != b || a == c || !strings.HasSuffix(a, "@example.com") {
		t.Errorf("generated emails: %q %q %q", a, b, c)
	}
	other := newVars(v.env)
	if d, _ := other.expand("{{random_email}}"); d == a {
		t.Error("two runs share a generated email")
	}
	u, _ := v.expand("{{uuid}}")
	if len(u) != 36 || u[14] != '4' {
		t.Errorf("uuid %q", u)
	}
	doc, err := v.expandJSON(map[string]any{"n": "{{count}}", "o": "{{obj}}", "s": "id={{id}}", "{{id}}": []any{"{{id}}"}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"n":3,"o":{"a":1},"s":"id=u1","u1":["u1"]}`
	if compact(doc) != want {
		t.Errorf("expandJSON = %s, want %s", compact(doc), want)
	}
	for tmpl, msg := range map[string]string{
		"{{nope}}":           "{{nope}} is not captured",
		"${MISSING}":         "${MISSING} is not set",
		"{{bootstrap.x}}":    "$HEIMDALL_X",
		"/a/{{id":            "unclosed",
		"{{ }}":              "bad variable name",
		"{{id}} and ${NOPE}": "${NOPE}",
	} {
		if _, err := v.expand(tmpl); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: err %v, want %q", tmpl, err, msg)
		}
	}
	if empty, err := v.expand("${EMPTY}"); err != nil || empty != "" {
		t.Errorf("an empty env value: %q %v", empty, err)
	}
}
