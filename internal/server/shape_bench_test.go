package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/heimdall-mock/heimdall-mock/internal/heimdall"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/specs"
)

type discardWriter struct {
	h      http.Header
	status int
}

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(status int)      { d.status = status }

// embeddedAsJSON is the embedded contract re-encoded: the same shapes in
// other bytes, so the shaper plans every operation (and must find nothing).
func embeddedAsJSON(tb testing.TB, edit func(doc map[string]any)) *specload.Spec {
	tb.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(specs.Default, &doc); err != nil {
		tb.Fatal(err)
	}
	if edit != nil {
		edit(doc)
	}
	raw, err := json.Marshal(doc)
	if err != nil {
		tb.Fatal(err)
	}
	spec, err := specload.LoadData(raw, "embedded.json")
	if err != nil {
		tb.Fatal(err)
	}
	return spec
}

// BenchmarkShapedMe measures GET /me, a stateful answer, on the domain's
// own spec (no shaper work at all), on the same shapes loaded from other
// bytes (planned, nothing to translate: the cost the shaper adds to an
// unchanged spec), and with a renamed response field (translated on
// every answer). Compare the three in one run.
func BenchmarkShapedMe(b *testing.B) {
	renamed := func(doc map[string]any) {
		me := doc["components"].(map[string]any)["schemas"].(map[string]any)["MeProfileResponseDto"].(map[string]any)
		renameField(me, "display_name", "displayName")
	}
	for _, c := range []struct {
		name string
		spec *specload.Spec
		plan bool
	}{
		{"domain-spec", nil, false},
		{"same-shapes-other-bytes", embeddedAsJSON(b, nil), false},
		{"renamed-field", embeddedAsJSON(b, renamed), true},
	} {
		b.Run(c.name, func(b *testing.B) {
			s := newServerB(b, c.spec)
			if got := s.shaper.Load().wait().For("GET", "/{app_slug}/v1/me") != nil; got != c.plan {
				b.Fatalf("GET /me planned: %v, want %v", got, c.plan)
			}
			rec := serve(s, "POST", "/demo/v1/auth/signup", `{"username":"bench","email":"bench@example.com","password":"correct horse battery"}`,
				map[string]string{"Authorization": "Bearer " + heimdall.BootstrapAPIKey})
			var tokens map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &tokens)
			access, _ := tokens["access_token"].(string)
			if access == "" {
				b.Fatalf("signup: %d %s", rec.Code, rec.Body)
			}
			// The host is the token issuer's, as for the signup above.
			req := httptest.NewRequest("GET", "/demo/v1/me", nil)
			req.Header.Set("Authorization", "Bearer "+access)
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				s.ServeHTTP(w, req)
			}
			if w.status != 200 {
				b.Fatalf("GET /me answered %d", w.status)
			}
			if rec := serve(s, "GET", "/demo/v1/me", "", map[string]string{"Authorization": "Bearer " + access}); rec.Code != 200 ||
				c.plan != strings.Contains(rec.Body.String(), `"displayName"`) {
				b.Fatalf("/me: %d %s", rec.Code, rec.Body)
			}
		})
	}
}

func newServerB(b *testing.B, spec *specload.Spec) *Server {
	b.Helper()
	if spec == nil {
		var err error
		if spec, err = specload.LoadData(specs.Default, specs.DefaultName); err != nil {
			b.Fatal(err)
		}
	}
	s, err := New(Config{Spec: spec, Domain: true, Strict: true, ValidateRequests: true, Seed: 1, JournalSize: 64})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s
}
