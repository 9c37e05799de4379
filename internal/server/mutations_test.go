package server

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

// mutation is a change a nightly spec refresh could bring, applied to the
// newest spec, and what the answers must then look like.
type mutation struct {
	name   string
	change func(schemas map[string]any)
	// signupField names the display name field the client sends.
	signupField string
	// accessField names the access token field of the token answers.
	accessField string
	check       func(t *testing.T, tokens map[string]any)
}

func schemaOf(schemas map[string]any, name string) map[string]any {
	return schemas[name].(map[string]any)
}

func props(s map[string]any) map[string]any { return s["properties"].(map[string]any) }

func renameField(s map[string]any, from, to string) {
	p := props(s)
	p[to] = p[from]
	delete(p, from)
	if req, ok := s["required"].([]any); ok {
		for i, r := range req {
			if r == from {
				req[i] = to
			}
		}
	}
}

func addRequired(s map[string]any, name string, schema map[string]any) {
	props(s)[name] = schema
	req, _ := s["required"].([]any)
	s["required"] = append(req, name)
}

const tokenDto = "ConsumerTokenResponseDto"

var mutations = []mutation{{
	name:        "response field renamed",
	change:      func(s map[string]any) { renameField(schemaOf(s, tokenDto), "access_token", "accessToken") },
	accessField: "accessToken",
	check: func(t *testing.T, tokens map[string]any) {
		if _, ok := tokens["access_token"]; ok {
			t.Errorf("the old name is still sent: %v", tokens)
		}
	},
}, {
	name: "new required field",
	change: func(s map[string]any) {
		addRequired(schemaOf(s, tokenDto), "session_region", map[string]any{"type": "string", "enum": []any{"eu", "us"}})
		addRequired(schemaOf(s, "MeProfileResponseDto"), "locale", map[string]any{"type": "string", "minLength": 2})
	},
	check: func(t *testing.T, tokens map[string]any) {
		if r := tokens["session_region"]; r != "eu" && r != "us" {
			t.Errorf("session_region = %v", r)
		}
	},
}, {
	name: "new required nested object",
	change: func(s map[string]any) {
		addRequired(schemaOf(s, tokenDto), "device", map[string]any{
			"type":     "object",
			"required": []any{"id", "trust"},
			"properties": map[string]any{
				"id":    map[string]any{"type": "string", "format": "uuid"},
				"trust": map[string]any{"type": "object", "required": []any{"level"}, "properties": map[string]any{"level": map[string]any{"type": "integer", "minimum": 1, "maximum": 3}}},
			},
		})
	},
	check: func(t *testing.T, tokens map[string]any) {
		dev, _ := tokens["device"].(map[string]any)
		trust, _ := dev["trust"].(map[string]any)
		if dev["id"] == nil || trust["level"] == nil {
			t.Errorf("device = %v", tokens["device"])
		}
	},
}, {
	name: "field dropped and the object closed",
	change: func(s map[string]any) {
		dto := schemaOf(s, tokenDto)
		delete(props(dto), "token_type")
		dto["required"] = slices.DeleteFunc(dto["required"].([]any), func(v any) bool { return v == "token_type" })
		dto["additionalProperties"] = false
	},
	check: func(t *testing.T, tokens map[string]any) {
		if _, ok := tokens["token_type"]; ok {
			t.Errorf("token_type is still sent: %v", tokens)
		}
	},
}, {
	name:        "request field renamed",
	change:      func(s map[string]any) { renameField(schemaOf(s, "ConsumerSignupDto"), "display_name", "displayName") },
	signupField: "displayName",
}, {
	name: "enum value added",
	change: func(s map[string]any) {
		props(schemaOf(s, tokenDto))["token_type"].(map[string]any)["enum"] = []any{"Bearer", "DPoP"}
	},
}}

// TestNightlyMutationsKeepSignUpSignInAndMeSpecValid applies each mutation
// to the newest spec and runs sign-up, sign-in and /me in strict mode: the
// answers follow the mutated spec, and the access token, under whatever
// name the spec now gives it, is a real token that verifies against the
// mock's JWKS.
func TestNightlyMutationsKeepSignUpSignInAndMeSpecValid(t *testing.T) {
	raw, err := os.ReadFile(testspecs.Newest(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mutations {
		t.Run(m.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			m.change(doc["components"].(map[string]any)["schemas"].(map[string]any))
			mutated, _ := json.Marshal(doc)
			spec, err := specload.LoadData(mutated, "mutated.json")
			if err != nil {
				t.Fatal(err)
			}
			s := newServer(t, func(c *Config) { c.Spec = spec })
			t.Cleanup(s.Close)
			c := flowClient{t: t, s: s}
			nameField, accessField := or(m.signupField, "display_name"), or(m.accessField, "access_token")

			up, _ := c.call("POST", "/demo/v1/auth/signup", "pcft_test_mock0000000000000000000000000000", map[string]any{
				"username": "alice", "email": "alice@example.com", "password": "correct horse battery", nameField: "Alice A."})
			in, _ := c.call("POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "alice", "password": "correct horse battery"})
			for _, a := range []answer{up, in} {
				if a.status != 200 {
					t.Fatalf("token answer: %d %s", a.status, a.raw)
				}
				verifyAccessToken(t, s, a.str(accessField))
				if m.check != nil {
					m.check(t, a.body)
				}
			}
			me, _ := c.call("GET", "/demo/v1/me", in.str(accessField), nil)
			if me.status != 200 || me.str("username") != "alice" || me.str("display_name") != "Alice A." {
				t.Errorf("/me: %d %s", me.status, me.raw)
			}
			for _, e := range s.Journal.List(0) {
				for _, msg := range e.ResponseErrors {
					t.Errorf("%s %s → %d breaks the spec: %s", e.Method, e.Path, e.Status, msg)
				}
			}
			// An added enum value needs no translation: the domain's
			// answers are still within the enum.
			adapted := m.check != nil || m.signupField != ""
			health := serve(s, "GET", "/__mock/health", "", nil).Body.String()
			if adapted != strings.Contains(health, `"adaptations":[{`) {
				t.Errorf("health adaptations listed: %v, want %v: %.400s", !adapted, adapted, health)
			}
			var journaled []string
			for _, e := range s.Journal.List(0) {
				if e.Method == "POST" {
					journaled = append(journaled, e.Adaptations...)
				}
			}
			if adapted != (len(journaled) > 0) {
				t.Errorf("sign-up and sign-in journal adaptations %q; want some: %v", journaled, adapted)
			}
		})
	}
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// verifyAccessToken checks a token as a client's verifier does: signature
// against the JWKS the mock publishes, issuer and audience.
func verifyAccessToken(t *testing.T, s *Server, token string) {
	t.Helper()
	if token == "" {
		t.Fatal("no access token")
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(serve(s, "GET", "/demo/v1/.well-known/jwks.json", "", nil).Body.Bytes(), &set); err != nil {
		t.Fatal(err)
	}
	parsed, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	keys := set.Key(parsed.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q is not in the JWKS", parsed.Headers[0].KeyID)
	}
	var claims jwt.Claims
	if err := parsed.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if err := claims.ValidateWithLeeway(jwt.Expected{Issuer: "http://localhost/demo", AnyAudience: jwt.Audience{"demo"}, Time: s.Clock.Now()}, 0); err != nil {
		t.Errorf("claims: %v", err)
	}
}
