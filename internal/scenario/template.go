package scenario

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// generators make the per-run values. Each name (and each suffixed name,
// "random_email.bob") is generated once per scenario run and then stays, so
// a step can sign up with {{random_email}} and a later one sign in with it,
// while parallel runs never share one.
var generators = map[string]func() string{
	"uuid":            newUUID,
	"random_email":    func() string { return "user-" + randHex(6) + "@example.com" },
	"random_username": func() string { return "u_" + randHex(6) },
	"random_slug":     func() string { return "app-" + randHex(5) },
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// vars holds one scenario run's variables.
type vars struct {
	values    map[string]any // captures and bootstrap.*
	generated map[string]string
	env       func(string) (string, bool)
	secrets   map[string]bool // env values substituted so far, redacted from reports
}

func newVars(env func(string) (string, bool)) *vars {
	return &vars{values: map[string]any{}, generated: map[string]string{}, env: env, secrets: map[string]bool{}}
}

// lookup resolves a {{name}}.
func (v *vars) lookup(name string) (any, error) {
	if val, ok := v.values[name]; ok {
		return val, nil
	}
	if val, ok := v.generated[name]; ok {
		return val, nil
	}
	base, _, _ := strings.Cut(name, ".")
	if gen, ok := generators[base]; ok {
		val := gen()
		v.generated[name] = val
		return val, nil
	}
	if strings.HasPrefix(name, "bootstrap.") {
		return nil, fmt.Errorf("{{%s}} is unknown: bootstrap values come from /__mock/health on a mock, else from $%s", name, bootstrapEnv(strings.TrimPrefix(name, "bootstrap.")))
	}
	return nil, fmt.Errorf("{{%s}} is not captured by an earlier step nor built in", name)
}

func (v *vars) lookupEnv(name string) (string, error) {
	val, ok := v.env(name)
	if !ok {
		return "", fmt.Errorf("${%s} is not set in the environment", name)
	}
	if val != "" {
		v.secrets[val] = true
	}
	return val, nil
}

// expand substitutes every {{name}} and ${ENV} in s.
func (v *vars) expand(s string) (string, error) {
	if !strings.Contains(s, "{{") && !strings.Contains(s, "${") {
		return s, nil
	}
	var b strings.Builder
	for len(s) > 0 {
		i := indexOpen(s)
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		name, rest, isEnv, err := cutTemplate(s[i:])
		if err != nil {
			return "", err
		}
		if isEnv {
			val, err := v.lookupEnv(name)
			if err != nil {
				return "", err
			}
			b.WriteString(val)
		} else {
			val, err := v.lookup(name)
			if err != nil {
				return "", err
			}
			b.WriteString(textOf(val))
		}
		s = rest
	}
	return b.String(), nil
}

// expandValue is expand for a JSON string: a string that is exactly one
// {{name}} takes the captured value with its JSON type (a number stays a
// number, an object an object).
func (v *vars) expandValue(s string) (any, error) {
	if strings.HasPrefix(s, "{{") {
		name, rest, _, err := cutTemplate(s)
		if err == nil && rest == "" {
			return v.lookup(name)
		}
	}
	return v.expand(s)
}

// expandJSON substitutes in every string (keys included) of a JSON value.
func (v *vars) expandJSON(x any) (any, error) {
	switch t := x.(type) {
	case string:
		return v.expandValue(t)
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, el := range t {
			key, err := v.expand(k)
			if err != nil {
				return nil, err
			}
			if out[key], err = v.expandJSON(el); err != nil {
				return nil, err
			}
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, el := range t {
			var err error
			if out[i], err = v.expandJSON(el); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return x, nil
}

// secretList is the env values used, longest first so a value containing
// another is redacted whole.
func (v *vars) secretList() []string {
	out := make([]string, 0, len(v.secrets))
	for s := range v.secrets {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

func textOf(val any) string {
	switch t := val.(type) {
	case string:
		return t
	case nil:
		return ""
	}
	raw, err := json.Marshal(val)
	if err != nil {
		return fmt.Sprint(val)
	}
	return string(raw)
}

func indexOpen(s string) int {
	a, b := strings.Index(s, "{{"), strings.Index(s, "${")
	switch {
	case a < 0:
		return b
	case b < 0:
		return a
	}
	return min(a, b)
}

// cutTemplate reads the template at the start of s ("{{ name }}" or
// "${NAME}") and returns its name and what follows.
func cutTemplate(s string) (name, rest string, isEnv bool, err error) {
	closer := "}}"
	if strings.HasPrefix(s, "${") {
		isEnv, closer = true, "}"
	}
	body := s[2:]
	end := strings.Index(body, closer)
	if end < 0 {
		return "", "", false, fmt.Errorf("%q: unclosed %s", s, s[:2])
	}
	name = strings.TrimSpace(body[:end])
	if name == "" || strings.ContainsAny(name, "{} \t") {
		return "", "", false, fmt.Errorf("%q: bad variable name", s[:2+end+len(closer)])
	}
	return name, body[end+len(closer):], isEnv, nil
}

// checkTemplates finds malformed templates at parse time.
func checkTemplates(s string) error {
	for {
		i := indexOpen(s)
		if i < 0 {
			return nil
		}
		_, rest, _, err := cutTemplate(s[i:])
		if err != nil {
			return err
		}
		s = rest
	}
}
