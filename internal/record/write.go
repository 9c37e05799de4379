package record

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/heimdall-mock/heimdall-mock/internal/scenario"
)

// Redacted replaces a secret the recording cannot express as a capture.
const Redacted = "[redacted]"

// Passwords maps each password seen in a recording to a random stand-in,
// the same one every time, so every session of the recording agrees.
type Passwords struct {
	mu sync.Mutex
	m  map[string]string
}

// NewPasswords returns an empty map.
func NewPasswords() *Passwords { return &Passwords{m: map[string]string{}} }

// standIn returns the replacement of original: random, but of the same
// length and with a character of the same class (lower, upper, digit,
// symbol, space) at each place, so a password policy judges the stand-in
// as it judged the original: a too-short password stays too short.
func (p *Passwords) standIn(original string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if r, ok := p.m[original]; ok {
		return r
	}
	for {
		r := randomLike(original)
		if r != original || original == "" {
			p.m[original] = r
			return r
		}
	}
}

const symbols = "!#$%&*+-=?@^_~"

func randomLike(s string) string {
	pick := func(set string) byte {
		b := make([]byte, 1)
		_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
		return set[int(b[0])%len(set)]
	}
	var out strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			out.WriteByte(pick("abcdefghijklmnopqrstuvwxyz"))
		case r >= 'A' && r <= 'Z':
			out.WriteByte(pick("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
		case r >= '0' && r <= '9':
			out.WriteByte(pick("0123456789"))
		case unicode.IsSpace(r):
			out.WriteByte(' ')
		default:
			// Symbols, and letters outside ASCII, which policies
			// count as neither lower nor upper case.
			out.WriteByte(pick(symbols))
		}
	}
	return out.String()
}

// The scenario file as written: only what the recording sets, so files
// read like the hand-written ones.
type outScenario struct {
	Name        string    `yaml:"name"`
	Description string    `yaml:"description"`
	Tags        []string  `yaml:"tags,omitempty"`
	Steps       []outStep `yaml:"steps"`
}

type outStep struct {
	Name    string            `yaml:"name"`
	Request outRequest        `yaml:"request"`
	Capture map[string]string `yaml:"capture,omitempty"`
	Expect  outExpect         `yaml:"expect"`
}

type outRequest struct {
	Method  string            `yaml:"method"`
	Path    string            `yaml:"path"`
	Bearer  string            `yaml:"bearer,omitempty"`
	Headers map[string]string `yaml:"headers,omitempty"`
	Query   map[string]string `yaml:"query,omitempty"`
	JSON    any               `yaml:"json,omitempty"`
	Body    string            `yaml:"body,omitempty"`
}

type outExpect struct {
	Status int `yaml:"status"`
}

// droppedHeaders are left out of steps: the replaying client sets its own,
// or they only describe this one connection. Authorization, X-Api-Key and
// Cookie are handled apart.
var droppedHeaders = map[string]bool{
	"Host": true, "Content-Length": true, "User-Agent": true, "Accept": true, "Accept-Encoding": true,
	"Connection": true, "Keep-Alive": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
	"Proxy-Authorization": true, "Proxy-Connection": true, "X-Forwarded-For": true, "X-Forwarded-Host": true,
	"X-Forwarded-Proto": true, "X-Real-Ip": true, "Forwarded": true, "Traceparent": true, "Tracestate": true,
	"If-None-Match": true, "If-Modified-Since": true, "Cookie": true,
}

// Render turns one session's exchanges, in order, into a scenario file.
// bootstrap maps bootstrap keys to the target's values; passwords is shared
// by every session of a recording. The file is parsed back before it is
// returned, so what Render returns always loads.
func Render(name, description string, exchanges []Exchange, bootstrap map[string]string, passwords *Passwords) ([]byte, error) {
	s := newSession(bootstrap, passwords)
	out := outScenario{Name: name, Description: description}
	mockOnly := false
	for i, ex := range exchanges {
		if isControl(ex.Path) {
			mockOnly = true
		}
		out.Steps = append(out.Steps, s.step(i, ex))
	}
	for i := range out.Steps {
		if len(s.captures[i]) > 0 {
			out.Steps[i].Capture = s.captures[i]
		}
	}
	if mockOnly {
		out.Tags = []string{"mock-only"}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	if _, err := scenario.Parse(buf.Bytes(), name+".yaml"); err != nil {
		return nil, fmt.Errorf("the recording does not parse as a scenario: %w", err)
	}
	return buf.Bytes(), nil
}

// session rewrites one session's values.
type session struct {
	known      map[string]string // value → the template that stands for it
	candidates map[string]candidate
	sent       map[string]bool // values the client sent as they were
	captures   []map[string]string
	names      map[string]bool
	passwords  *Passwords
	generated  int
}

// candidate is a value a response carried, captured once a request uses it.
type candidate struct {
	step int
	from string // JSON pointer or header:NAME
	name string
}

func newSession(bootstrap map[string]string, passwords *Passwords) *session {
	s := &session{known: map[string]string{}, candidates: map[string]candidate{}, sent: map[string]bool{}, names: map[string]bool{}, passwords: passwords}
	for k, v := range bootstrap {
		if v != "" {
			s.known[v] = "{{bootstrap." + k + "}}"
		}
	}
	return s
}

// sub returns the template standing for v, capturing a candidate on its
// first use; ok is false when v is nothing the session knows.
func (s *session) sub(v string) (string, bool) {
	if t, ok := s.known[v]; ok {
		return t, true
	}
	c, ok := s.candidates[v]
	if !ok {
		return "", false
	}
	s.captures[c.step][c.name] = c.from
	t := "{{" + c.name + "}}"
	s.known[v] = t
	delete(s.candidates, v)
	return t, true
}

func (s *session) step(i int, ex Exchange) outStep {
	s.captures = append(s.captures, map[string]string{})
	st := outStep{Expect: outExpect{Status: ex.Status}}
	rq := &st.Request
	rq.Method = ex.Method
	rq.Path, rq.Query = s.path(ex.Path, ex.RawQuery)
	signup := strings.HasSuffix(strings.TrimRight(ex.Path, "/"), "/signup")

	for k, vals := range ex.ReqHeader {
		k = http.CanonicalHeaderKey(k)
		if len(vals) == 0 || droppedHeaders[k] {
			continue
		}
		v := vals[0]
		switch k {
		case "Authorization":
			if tok, ok := cutBearer(v); ok {
				if t, ok := s.sub(tok); ok {
					rq.Bearer = t
				} else {
					rq.Bearer = Redacted
				}
				continue
			}
			s.header(rq, k, Redacted)
		case "X-Api-Key":
			t, ok := s.sub(v)
			if !ok {
				t = Redacted
			}
			s.header(rq, k, t)
		case "Content-Type":
			// JSON bodies get theirs from the runner; other bodies keep it.
			if mt, _, _ := mime.ParseMediaType(v); mt != "application/json" {
				s.header(rq, k, v)
			}
		default:
			if t, ok := s.sub(v); ok {
				v = t
			} else {
				s.sent[v] = true
			}
			s.header(rq, k, v)
		}
	}
	s.body(rq, ex, signup)
	st.Name = ex.Method + " " + rq.Path // templated: a path may hold a token
	s.learn(i, ex)
	return st
}

func (s *session) header(rq *outRequest, k, v string) {
	if rq.Headers == nil {
		rq.Headers = map[string]string{}
	}
	rq.Headers[k] = v
}

func cutBearer(v string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(v), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(tok), true
}

// path templates each segment and query value the session knows; a whole
// path that a response handed out (a Location) becomes that capture.
func (s *session) path(p, rawQuery string) (string, map[string]string) {
	full := p
	if rawQuery != "" {
		full += "?" + rawQuery
	}
	if t, ok := s.sub(full); ok {
		return t, nil
	}
	segs := strings.Split(p, "/")
	for i, seg := range segs {
		if seg == "" {
			continue
		}
		if t, ok := s.sub(seg); ok {
			segs[i] = t
			continue
		}
		s.sent[seg] = true
		segs[i] = url.PathEscape(seg)
	}
	var query map[string]string
	if rawQuery != "" {
		q, err := url.ParseQuery(rawQuery)
		if err == nil {
			query = map[string]string{}
			for k, vs := range q {
				if len(vs) == 0 {
					continue
				}
				query[k] = s.value(k, vs[0], false)
			}
		}
	}
	return strings.Join(segs, "/"), query
}

// value rewrites one value the client sent under key.
func (s *session) value(key, v string, signup bool) string {
	lower := strings.ToLower(key)
	switch {
	case strings.Contains(lower, "password"):
		return s.passwords.standIn(v)
	}
	if t, ok := s.sub(v); ok {
		return t
	}
	if signup && (lower == "email" || lower == "username") && v != "" {
		// A sign-up in a replay must make a new user each run. An email
		// keeps its domain, which may matter (a private-relay address).
		s.generated++
		t := fmt.Sprintf("{{random_username.r%d}}", s.generated)
		if local, domain, ok := strings.Cut(v, "@"); ok && lower == "email" && local != "" && domain != "" {
			t += "@" + domain
		} else if lower == "email" {
			t = fmt.Sprintf("{{random_email.r%d}}", s.generated)
		}
		s.known[v] = t
		return t
	}
	if secretKey(lower) {
		return Redacted
	}
	s.sent[v] = true
	return v
}

// secretKey reports whether a field of that name holds a credential.
func secretKey(lower string) bool {
	for _, part := range []string{"token", "secret", "api_key", "apikey", "private_key", "assertion", "credential"} {
		if strings.Contains(lower, part) {
			return lower != "token_type" && lower != "token_type_hint"
		}
	}
	return false
}

func (s *session) body(rq *outRequest, ex Exchange, signup bool) {
	if len(bytes.TrimSpace(ex.ReqBody)) == 0 {
		return
	}
	mt, _, _ := mime.ParseMediaType(ex.ReqHeader.Get("Content-Type"))
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		var doc any
		if json.Unmarshal(ex.ReqBody, &doc) == nil {
			doc = s.jsonValue("", doc, signup)
			if m, ok := doc.(map[string]any); ok && len(m) == 0 {
				rq.Body = "{}" // an empty object would vanish as json:
				s.header(rq, "Content-Type", "application/json")
				return
			}
			rq.JSON = doc
			return
		}
	case mt == "application/x-www-form-urlencoded":
		if form, err := url.ParseQuery(string(ex.ReqBody)); err == nil {
			keys := slices.Sorted(maps.Keys(form))
			var parts []string
			for _, k := range keys {
				for _, v := range form[k] {
					nv := s.value(k, v, signup)
					if !strings.HasPrefix(nv, "{{") {
						nv = url.QueryEscape(nv)
					}
					parts = append(parts, url.QueryEscape(k)+"="+nv)
				}
			}
			rq.Body = strings.Join(parts, "&")
			return
		}
	}
	if utf8.Valid(ex.ReqBody) && !bytes.ContainsRune(ex.ReqBody, 0) {
		rq.Body = string(ex.ReqBody)
	}
}

func (s *session) jsonValue(key string, v any, signup bool) any {
	switch x := v.(type) {
	case map[string]any:
		// In key order, so the generated names of a file do not change
		// from one rendering to the next.
		keys := slices.Sorted(maps.Keys(x))
		for _, k := range keys {
			x[k] = s.jsonValue(k, x[k], signup)
		}
		return x
	case []any:
		for i, val := range x {
			x[i] = s.jsonValue(key, val, signup)
		}
		return x
	case string:
		return s.value(key, x, signup)
	}
	return v
}

// learn notes the values a response handed out, for later requests.
func (s *session) learn(step int, ex Exchange) {
	if loc := ex.RespHeader.Get("Location"); loc != "" {
		if u, err := url.Parse(loc); err == nil && u.Path != "" {
			s.offer(u.RequestURI(), candidate{step: step, from: "header:Location", name: s.name("location", step)})
			// Redirect flows hand over one-time codes and state in the
			// Location's query: each parameter is a capture of its own.
			q := u.Query()
			params := slices.Sorted(maps.Keys(q))
			for _, k := range params {
				if v := q.Get(k); volatile(v) {
					s.offer(v, candidate{step: step, from: "header:Location?" + k, name: s.nameLater(k, step)})
				}
			}
		}
	}
	var doc any
	if json.Unmarshal(ex.RespBody, &doc) != nil {
		return
	}
	s.walk(step, "", "", doc)
}

func (s *session) walk(step int, ptr, key string, v any) {
	switch x := v.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(x))
		for _, k := range keys {
			s.walk(step, ptr+"/"+strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1"), k, x[k])
		}
	case []any:
		for i, el := range x {
			s.walk(step, fmt.Sprintf("%s/%d", ptr, i), key, el)
		}
	case string:
		if volatile(x) {
			s.offer(x, candidate{step: step, from: ptr, name: s.nameLater(key, step)})
		}
	}
}

// offer keeps the first step that handed out a value. A value the client
// sent itself, or one already known, is no capture.
func (s *session) offer(v string, c candidate) {
	if _, known := s.known[v]; known || s.sent[v] {
		return
	}
	if _, seen := s.candidates[v]; seen {
		return
	}
	s.candidates[v] = c
}

// randomLength is the length from which a value with no space counts as
// generated even without a digit: a random code of 16 or more characters
// is digit-free often enough (about 2% of 24-character base64url codes)
// to make recordings fail now and then, while words that long are rare.
const randomLength = 16

// volatile reports whether a string looks like a generated value: an id,
// a token, a code, a timestamp. Words and sentences are left alone.
func volatile(v string) bool {
	if len(v) < 6 || len(v) > 8192 {
		return false
	}
	digit := false
	for _, r := range v {
		if unicode.IsSpace(r) {
			return false
		}
		if unicode.IsDigit(r) {
			digit = true
		}
	}
	return digit || len(v) >= randomLength
}

var nonName = regexp.MustCompile(`[^a-z0-9_]+`)

// nameLater is a provisional capture name; the session keeps names unique.
func (s *session) nameLater(key string, step int) string {
	base := strings.Trim(nonName.ReplaceAllString(strings.ToLower(key), "_"), "_")
	if base == "" {
		base = "value"
	}
	return s.name(base, step)
}

func (s *session) name(base string, step int) string {
	n := fmt.Sprintf("%s_%d", base, step+1)
	for i := 2; s.names[n]; i++ {
		n = fmt.Sprintf("%s_%d_%d", base, step+1, i)
	}
	s.names[n] = true
	return n
}
