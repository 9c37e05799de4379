package redact

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

const (
	password = "hunter2-correct-horse"
	jwt      = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.U0lHTkFUVVJFLXNlY3JldA"
	apiKey   = "pcft_test_0123456789abcdef0123456789"
	refresh  = "rt_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
)

// leaks lists the secrets found in clear in s.
func leaks(s string) []string {
	var found []string
	for _, sec := range []string{password, "U0lHTkFUVVJFLXNlY3JldA", apiKey, refresh, "482913", "s3cr3t-client"} {
		if strings.Contains(s, sec) {
			found = append(found, sec)
		}
	}
	return found
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

func TestBodyHidesSecretsWhateverTheSizeEncodingOrValidity(t *testing.T) {
	secrets := `"password":"` + password + `","access_token":"` + jwt + `","refresh_token":"` + refresh +
		`","key":"` + apiKey + `","code":"482913","client_secret":"s3cr3t-client"`
	pad := strings.Repeat("x", 20<<10) // over the 16 KiB journal limit
	cases := map[string][]byte{
		"small JSON":                     []byte(`{` + secrets + `}`),
		"JSON over 16 KiB, secrets last": []byte(`{"pad":"` + pad + `",` + secrets + `}`),
		"JSON over 16 KiB, secret at the cut": []byte(`{"pad":"` + strings.Repeat("x", MaxBodyBytes-20) +
			`","password":"` + password + `"}`),
		"malformed JSON":          []byte(`{` + secrets + `,,,`),
		"malformed JSON, cut":     []byte(`{"password":"` + password),
		"form body":               []byte("username=alice&password=" + password + "&refresh_token=" + refresh + "&code=482913&client_secret=s3cr3t-client"),
		"form body over 16 KiB":   []byte("pad=" + pad + "&password=" + password),
		"gzip JSON":               gz([]byte(`{` + secrets + `}`)),
		"gzip over 16 KiB":        gz([]byte(`{"pad":"` + pad + `",` + secrets + `}`)),
		"text with a bearer":      []byte("Authorization: Bearer " + refresh + " and " + jwt + " and " + apiKey),
		"nested arrays":           []byte(`{"data":[{"tokens":{"access_token":"` + jwt + `"}},{"recovery_codes":["482913"]}]}`),
		"numeric code":            []byte(`{"code":482913}`),
		"JSON with a number body": []byte(`[{"password":"` + password + `"}]`),
	}
	for name, body := range cases {
		got := string(Body(body))
		if l := leaks(got); len(l) > 0 {
			t.Errorf("%s: leaks %v in %.300s", name, l, got)
		}
		if len(got) > MaxBodyBytes+200 {
			t.Errorf("%s: stored %d bytes, over the cap", name, len(got))
		}
	}
}

func TestBodyKeepsWhatDebuggingNeeds(t *testing.T) {
	got := string(Body([]byte(`{"statusCode":409,"code":"EMAIL_TAKEN","message":"taken","token_type":"Bearer","access_token":"` + jwt + `","permissions":[{"key":"user.read"}]}`)))
	for _, keep := range []string{`"code":"EMAIL_TAKEN"`, `"statusCode":409`, `"token_type":"Bearer"`, `"key":"user.read"`,
		"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.[redacted]"} {
		if !strings.Contains(got, keep) {
			t.Errorf("lost %s: %s", keep, got)
		}
	}
	if Body(nil) != nil {
		t.Error("empty body should store nothing")
	}
}

func TestHeadersQueryAndText(t *testing.T) {
	h := Headers(http.Header{"Authorization": {"Bearer " + jwt}, "Cookie": {"sid=" + refresh}, "X-Note": {"token=" + refresh}, "Accept": {"*/*"}})
	if h["Authorization"] != Mask || h["Cookie"] != Mask || h["Accept"] != "*/*" || len(leaks(h["X-Note"])) > 0 {
		t.Errorf("headers: %v", h)
	}
	q := Query("token=" + refresh + "&code=482913&state=abc&redirect_uri=http%3A%2F%2Flocalhost")
	if len(leaks(q)) > 0 || !strings.Contains(q, "state=abc") || !strings.Contains(q, "redirect_uri=") {
		t.Errorf("query: %s", q)
	}
	msg := Text(`request body has an error: doesn't match schema: Error at "/password": minimum string length is 12, value "` + password + `"` + " with " + apiKey + ` and body.new_password: "` + password + `" is too short`)
	if l := leaks(msg); len(l) > 0 {
		t.Errorf("text leaks %v: %s", l, msg)
	}
}

// The fast path that keeps secret-free bodies as they came must never keep
// one Value would have changed.
func TestBodyFastPathAgreesWithFullRedaction(t *testing.T) {
	bodies := []string{
		`{"id":"u1","email":"a@example.com","created_at":"2026-01-01T00:00:00Z"}`,
		`{"items":[{"name":"x","count":3}],"next":null}`,
		`{"user":{"password":"hunter2"}}`,
		`{"access_token":"abc"}`,
		`{"note":"Bearer abcdef"}`,
		`{"redirect":"https://app.example/cb?code=xyz"}`,
		`{"k":"pcft_test_0000000000000000"}`,
		`{"t":"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln"}`,
		`{"msg":"{\"password\": \"x\"}"}`,
		`{"s":"a\u003dcode"}`,
		`{"pass\u0077ord":"x"}`,
		`{"otp": 123456}`,
		`["plain", "strings", 1, true]`,
	}
	for _, raw := range bodies {
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		full, _ := json.Marshal(Value(v))
		var want, got any
		_ = json.Unmarshal(full, &want)
		if err := json.Unmarshal(Body([]byte(raw)), &got); err != nil {
			t.Fatalf("%s: Body gave invalid JSON: %v", raw, err)
		}
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s:\n Body  %v\n Value %v", raw, got, want)
		}
	}
}

// wholeJWT is the jwtShape regexp anchored at both ends, written out.
func TestWholeJWTAgreesWithTheShape(t *testing.T) {
	for _, v := range []string{
		"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln",
		"eyJhb.eyJzd.x",
		"eyJh.eyJzd.x",      // header too short
		"eyJhb.eyJzd.",      // no signature
		"eyJhb.eyJzd.x.y",   // four parts
		"eyJhb.eyJzd.x y",   // space in the signature
		"xeyJhb.eyJzd.x",    // does not start the value
		"eyJhb.eyJzd",       // two parts
		"eyJhb+/.eyJzd.sig", // not base64url
		"abc",
		"",
	} {
		m := jwtShape().FindStringSubmatchIndex(v)
		wantOK := m != nil && m[0] == 0 && m[1] == len(v)
		cut, ok := wholeJWT(v)
		if ok != wantOK || (ok && cut != m[3]) {
			t.Errorf("%q: wholeJWT = %d, %v; the regexp says %v %v", v, cut, ok, wantOK, m)
		}
	}
}

// Random bodies built from secret and harmless names and values: whatever
// the fast path keeps as it came must be what full redaction gives.
func TestBodyFastPathOnRandomBodies(t *testing.T) {
	names := []string{"id", "email", "name", "password", "access_token", "refresh_token", "code",
		"statusCode", "error", "message", "client_secret", "note", "url", "items", "x-api-key", "otp"}
	values := []any{"alice", "a@example.com", "2026-01-01T00:00:00Z", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln",
		"pcft_test_0000000000000000", "Bearer abc.def", "basic xyz", "https://x.example/cb?code=abc&state=1", "otp=123456",
		`{"password": "p"}`, "EMAIL_TAKEN", "a\u003db", 42.0, true, nil, "line\nbreak", "tab\there"}
	rng := rand.New(rand.NewPCG(1, 2))
	var build func(depth int) any
	build = func(depth int) any {
		switch n := rng.IntN(6); {
		case depth > 0 && n == 0:
			m := map[string]any{}
			for range rng.IntN(4) + 1 {
				m[names[rng.IntN(len(names))]] = build(depth - 1)
			}
			return m
		case depth > 0 && n == 1:
			list := []any{}
			for range rng.IntN(3) + 1 {
				list = append(list, build(depth-1))
			}
			return list
		default:
			return values[rng.IntN(len(values))]
		}
	}
	for i := 0; i < 3000; i++ {
		doc := map[string]any{names[rng.IntN(len(names))]: build(3), names[rng.IntN(len(names))]: build(2)}
		// As servers write JSON: & < > stay as they are, not \u escapes.
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(doc); err != nil {
			t.Fatal(err)
		}
		raw := bytes.TrimSpace(buf.Bytes())
		var v any
		_ = json.Unmarshal(raw, &v)
		full, _ := json.Marshal(Value(v))
		var want, got any
		_ = json.Unmarshal(full, &want)
		if err := json.Unmarshal(Body(raw), &got); err != nil {
			t.Fatalf("%s: Body gave invalid JSON: %v", raw, err)
		}
		if !reflect.DeepEqual(want, got) {
			t.Fatalf("%s:\n Body  %v\n Value %v", raw, got, want)
		}
	}
}

// Text runs each pattern only when its trigger is present; on random text
// that must give what running every pattern does.
func TestTextGatesChangeNothing(t *testing.T) {
	parts := []string{"password", "token", ":", "\"", "=", "&", "?", " ", "eyJhbGciOiJSUzI1NiJ9", ".", "eyJzdWIiOiJ1In0",
		"c2ln", "pcft_", "test_00000000", "Bearer ", "BASIC ", "code", "x", "secret", "\"a\": \"b\"", ",", "\n"}
	everything := func(s string) string {
		s = jwtShape().ReplaceAllString(s, "$1."+Mask)
		s = apiKeyShape().ReplaceAllString(s, Mask)
		s = bearerShape().ReplaceAllString(s, "$1 "+Mask)
		s = maskJSONFields(s)
		s = maskQuotedAfterFields(s)
		return maskFormFields(s)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for range rng.IntN(8) + 1 {
			b.WriteString(parts[rng.IntN(len(parts))])
		}
		s := b.String()
		if got, want := Text(s), everything(s); got != want {
			t.Fatalf("Text(%q) = %q, every pattern gives %q", s, got, want)
		}
	}
}

// isErrorCode replaced an expression compiled at init; it must keep its
// answers, on the codes the service sends and on random near-misses.
func TestIsErrorCodeIsTheExpressionItReplaced(t *testing.T) {
	old := regexp.MustCompile(`^[A-Z]+(_[A-Z0-9]+)+$`)
	cases := []string{"EMAIL_TAKEN", "LINK_REQUIRED", "A_1", "_A", "A_", "A__B", "EMAIL", "email_taken", "A_B_C9", "9_A", ""}
	rng := rand.New(rand.NewPCG(1, 2))
	const alphabet = "AZ_09a-"
	for range 20000 {
		b := make([]byte, rng.IntN(8))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, c := range cases {
		if got, want := isErrorCode(c), old.MatchString(c); got != want {
			t.Errorf("isErrorCode(%q) = %v, the expression says %v", c, got, want)
		}
	}
}
