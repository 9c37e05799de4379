// Package redact keeps credentials out of everything the mock shows or
// writes about traffic: the request journal, log lines, the inspector and
// contract replay reports. It is the one place that knows what a secret
// looks like, so all of them hide the same things.
//
// Hidden: passwords, secrets, codes (one-time, reset, invite, OAuth), API
// keys, cookies and tokens, found by field name (JSON at any depth, form
// and query fields, "name": "value" text in bodies that do not parse) and
// by shape wherever they appear (JWTs, pcft_ API keys, Bearer values). A
// JWT keeps its header and claims, which is what a reader debugs with, and
// loses its signature, so what is shown can never be replayed.
package redact

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"github.com/heimdall-mock/heimdall-mock/internal/lazyre"
)

// Mask replaces a secret value.
const Mask = "[redacted]"

// MaxBodyBytes caps each stored body so a few large uploads cannot make a
// journal hold megabytes. Redaction runs on the whole body before the cut,
// so no secret is split in two and half shown.
const MaxBodyBytes = 16 << 10

// maxInflated bounds how much of a compressed body is inflated to redact it.
const maxInflated = 1 << 20

// secretHeaders carry credentials.
var secretHeaders = map[string]bool{
	"Authorization":       true,
	"Proxy-Authorization": true,
	"Cookie":              true,
	"Set-Cookie":          true,
	"X-Api-Key":           true,
	"X-Auth-Token":        true,
	"X-Control-Token":     true,
}

// SecretHeader says whether a header's value is a credential.
func SecretHeader(name string) bool { return secretHeaders[textproto.CanonicalMIMEHeaderKey(name)] }

// Headers flattens h (values joined by ", ") with credentials masked.
func Headers(h map[string][]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		if SecretHeader(k) {
			out[k] = Mask
			continue
		}
		out[k] = Text(strings.Join(v, ", "))
	}
	return out
}

// SecretField says whether a field (JSON key, form or query name) holds a
// secret. Names are compared without case, "_" or "-".
func SecretField(name string) bool {
	n := strings.Map(func(r rune) rune {
		switch {
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		case r == '_' || r == '-' || r == '.':
			return -1
		}
		return r
	}, name)
	switch n {
	case "code", "codes", "otp", "pin", "cookie", "setcookie", "authorization", "apikey",
		"otpauthuri", "recoverycodes", "backupcodes":
		return true
	case "tokentype", "tokenendpoint", "statuscode", "errorcode", "countrycode", "postalcode", "zipcode":
		return false
	}
	return strings.Contains(n, "password") || strings.Contains(n, "secret") ||
		strings.Contains(n, "token") || strings.Contains(n, "privatekey") ||
		strings.HasSuffix(n, "code") || strings.HasSuffix(n, "apikey")
}

// isErrorCode reports whether v has the shape of an error's "code"
// (EMAIL_TAKEN, ^[A-Z]+(_[A-Z0-9]+)+$): kept, since it is what a 409 test
// checks, and not a credential.
func isErrorCode(v string) bool {
	head, rest, ok := strings.Cut(v, "_")
	if !ok || head == "" {
		return false
	}
	for i := 0; i < len(head); i++ {
		if head[i] < 'A' || head[i] > 'Z' {
			return false
		}
	}
	for _, part := range strings.Split(rest, "_") {
		if part == "" {
			return false
		}
		for i := 0; i < len(part); i++ {
			if (part[i] < 'A' || part[i] > 'Z') && (part[i] < '0' || part[i] > '9') {
				return false
			}
		}
	}
	return true
}

// maskValue masks a secret string, keeping error codes.
func maskValue(field, v string) string {
	if v == "" || v == Mask {
		return v
	}
	if isErrorCode(v) {
		return v
	}
	if cut, ok := wholeJWT(v); ok {
		return v[:cut] + "." + Mask
	}
	return Mask
}

// wholeJWT reports whether v is exactly one jwtShape match, and where its
// signature's dot is. Every token a sign-in issues passes here, and the
// regexp cost more than the rest of the response's redaction.
func wholeJWT(v string) (int, bool) {
	header, rest, ok := strings.Cut(v, ".")
	if !ok {
		return 0, false
	}
	claims, sig, ok := strings.Cut(rest, ".")
	if !ok || !jwtPart(header) || !jwtPart(claims) || sig == "" || !base64URL(sig) {
		return 0, false
	}
	return len(header) + 1 + len(claims), true
}

// jwtPart is a header or claims segment: base64url of a JSON object.
func jwtPart(s string) bool {
	return len(s) >= 5 && strings.HasPrefix(s, "eyJ") && base64URL(s)
}

func base64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

var (
	// A JWT: three base64url parts, the first two JSON objects.
	jwtShape = lazyre.New(`(eyJ[A-Za-z0-9_-]{2,}\.eyJ[A-Za-z0-9_-]{2,})\.[A-Za-z0-9_-]+`)
	// The service's API keys.
	apiKeyShape = lazyre.New(`pcft_[A-Za-z0-9_]{8,}`)
	bearerShape = lazyre.New(`(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+`)
	// "name": "value" or "name": 123 in JSON-like text that does not parse
	// (or is cut); an unterminated string runs to the end.
	jsonField = lazyre.New(`"([A-Za-z0-9_.-]{1,64})"\s*:\s*("(?:[^"\\]|\\.)*(?:"|$)|-?[0-9][0-9.eE+-]*)`)
	// A message about a field that quotes its value: `body.password: "x"
	// is too short`, `Error at "/password": ..., value "x"`.
	fieldRef    = lazyre.New(`([A-Za-z0-9_-]+)"?:`)
	quotedValue = lazyre.New(`^[^"\n]{1,80}?"((?:[^"\\]|\\.)*)"`)
	// name=value in forms, queries and free text.
	formField = lazyre.New(`(^|[?&;\s,])([A-Za-z0-9_.-]{1,64})=([^&;\s,]*)`)
)

// Text masks secrets in free text: log messages, failure reports,
// paths with queries, bodies that are not JSON.
func Text(s string) string {
	if s == "" {
		return s
	}
	// Every string of every journalled body passes here, so each pattern
	// runs only when the text holds what it needs to match: the regexps
	// cost far more than these scans, and most values (names, ids, dates,
	// content types) have none of it.
	if strings.Contains(s, "eyJ") {
		s = jwtShape().ReplaceAllString(s, "$1."+Mask)
	}
	if strings.Contains(s, "pcft_") {
		s = apiKeyShape().ReplaceAllString(s, Mask)
	}
	if containsFold(s, "bearer") || containsFold(s, "basic") {
		s = bearerShape().ReplaceAllString(s, "$1 "+Mask)
	}
	if strings.IndexByte(s, '"') >= 0 && strings.IndexByte(s, ':') >= 0 {
		s = maskJSONFields(s)
		s = maskQuotedAfterFields(s)
	}
	if strings.IndexByte(s, '=') >= 0 {
		s = maskFormFields(s)
	}
	return s
}

// containsFold reports whether s holds the lower-case ASCII word in any
// case, without allocating a lowered copy of s.
func containsFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if s[i]|0x20 == word[0] && strings.EqualFold(s[i:i+len(word)], word) {
			return true
		}
	}
	return false
}

// maskJSONFields masks the values of secret fields in "name": value text.
func maskJSONFields(s string) string {
	return jsonField().ReplaceAllStringFunc(s, func(m string) string {
		sub := jsonField().FindStringSubmatch(m)
		if !SecretField(sub[1]) {
			return m
		}
		val := sub[2]
		if strings.HasPrefix(val, `"`) {
			inner := strings.TrimSuffix(strings.TrimPrefix(val, `"`), `"`)
			if maskValue(sub[1], inner) == inner {
				return m
			}
			return m[:len(m)-len(val)] + `"` + Mask + `"`
		}
		return m[:len(m)-len(val)] + `"` + Mask + `"`
	})
}

// maskFormFields masks the values of secret name=value pairs.
func maskFormFields(s string) string {
	return formField().ReplaceAllStringFunc(s, func(m string) string {
		sub := formField().FindStringSubmatch(m)
		name := sub[2]
		if un, err := url.QueryUnescape(name); err == nil {
			name = un
		}
		if !SecretField(name) || sub[3] == "" {
			return m
		}
		val, _ := url.QueryUnescape(sub[3])
		if maskValue(name, val) == val {
			return m
		}
		return sub[1] + sub[2] + "=" + url.QueryEscape(Mask)
	})
}

// maskQuotedAfterFields masks the first quoted string after each mention
// of a secret field.
func maskQuotedAfterFields(s string) string {
	refs := fieldRef().FindAllStringSubmatchIndex(s, -1)
	for i := len(refs) - 1; i >= 0; i-- { // from the end, so indexes hold
		ref := refs[i]
		name := s[ref[2]:ref[3]]
		if !SecretField(name) {
			continue
		}
		v := quotedValue().FindStringSubmatchIndex(s[ref[1]:])
		if v == nil {
			continue
		}
		start, end := ref[1]+v[2], ref[1]+v[3]
		if val := s[start:end]; val != Mask && maskValue(name, val) != val {
			s = s[:start] + Mask + s[end:]
		}
	}
	return s
}

// Texts applies Text to each string; nil stays nil.
func Texts(list []string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = Text(s)
	}
	return out
}

// Query masks secret parameters of a raw query string.
func Query(raw string) string {
	if raw == "" {
		return raw
	}
	return strings.TrimPrefix(Text("?"+raw), "?")
}

// Value masks secrets inside a decoded JSON value, at any depth, in place
// where it can, and returns the result.
func Value(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, child := range t {
			if SecretField(k) {
				switch c := child.(type) {
				case string:
					t[k] = maskValue(k, c)
					continue
				case float64, json.Number:
					t[k] = Mask
					continue
				case []any:
					for i := range c {
						if _, isObj := c[i].(map[string]any); !isObj {
							c[i] = Mask
						}
					}
				}
			}
			t[k] = Value(child)
		}
		return t
	case []any:
		for i, child := range t {
			t[i] = Value(child)
		}
		return t
	case string:
		return Text(t)
	}
	return v
}

// Body turns a request or response body into something safe to store and
// show: secrets masked, compressed bodies inflated first, then cut to
// MaxBodyBytes. Valid JSON within the limit stays JSON; anything else
// (too long, not JSON, a form) becomes a JSON string, marked when cut. An
// empty body gives nil.
func Body(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	if len(b) > 2 && b[0] == 0x1f && b[1] == 0x8b {
		if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
			inflated, err := io.ReadAll(io.LimitReader(zr, maxInflated))
			if err != nil && len(inflated) == 0 {
				return marshalString("[gzip body, " + strconv.Itoa(len(b)) + " bytes, not readable]")
			}
			b = inflated
		}
	}
	if len(b) <= MaxBodyBytes && json.Valid(b) {
		if !jsonNeedsMasking(b) {
			// Most bodies hold no secret; decoding and re-encoding them
			// would cost more than the rest of the request.
			return append(json.RawMessage(nil), b...)
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&v); err == nil {
			if out, err := json.Marshal(Value(v)); err == nil {
				return out
			}
		}
	}
	s := Text(strings.ToValidUTF8(string(b), "\uFFFD"))
	if len(s) > MaxBodyBytes {
		cut := MaxBodyBytes
		for cut > 0 && !utf8Start(s[cut]) {
			cut--
		}
		s = s[:cut] + "…[truncated " + strconv.Itoa(len(s)-cut) + " bytes]"
	}
	return marshalString(s)
}

// jsonNeedsMasking says whether valid JSON may hold something Value would
// mask: a key SecretField names, or a string Text would look into. It
// errs towards yes; a no must be certain.
func jsonNeedsMasking(raw []byte) bool {
	b := string(raw) // one copy, so each string below is a slice of it
	for i := 0; i < len(b); i++ {
		if b[i] != '"' {
			continue
		}
		start := i + 1
		escaped := false
		for i = start; i < len(b) && b[i] != '"'; i++ {
			if b[i] == '\\' {
				escaped = true
				i++
			}
		}
		str := b[start:min(i, len(b))]
		j := i + 1
		for j < len(b) && (b[j] == ' ' || b[j] == '\t' || b[j] == '\n' || b[j] == '\r') {
			j++
		}
		if escaped { // an escape can spell any character; decode to know
			return true
		}
		if j < len(b) && b[j] == ':' { // a key
			if SecretField(str) {
				return true
			}
			continue
		}
		if textMayHoldSecret(str) {
			return true
		}
	}
	return false
}

// textMayHoldSecret is Text's test for whether any of its patterns can
// match.
func textMayHoldSecret(s string) bool {
	return strings.Contains(s, "eyJ") || strings.Contains(s, "pcft_") ||
		containsFold(s, "bearer") || containsFold(s, "basic") ||
		(strings.IndexByte(s, '"') >= 0 && strings.IndexByte(s, ':') >= 0) ||
		strings.IndexByte(s, '=') >= 0
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func marshalString(s string) json.RawMessage {
	enc, err := json.Marshal(s)
	if err != nil {
		return nil
	}
	return enc
}
