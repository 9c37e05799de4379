package heimdall

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/clock"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/httpapi"
	"github.com/heimdall-mock/heimdall-mock/internal/journal"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

// TestTenantWebhookAvatarRoutesOnEveryVersion runs the tenant, webhook,
// avatar and platform-token calls against every published spec version in
// strict mode: a version that has an operation must get a spec-valid
// answer from it (a version without it answers 404 from the router).
func TestTenantWebhookAvatarRoutesOnEveryVersion(t *testing.T) {
	for _, path := range testspecs.AuthVersions(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			spec, err := specload.LoadData(data, path)
			if err != nil {
				t.Fatal(err)
			}
			clk := clock.NewAt(time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC))
			d := New(Options{Clock: clk, Pool: testPool()})
			t.Cleanup(d.Close)
			reg := router.NewRegistry()
			httpapi.Bind(reg, d.Routes(), d.Guard)
			j := journal.New(1024)
			rt, err := router.New(spec.Doc, router.Options{Registry: reg, ValidateRequests: true, Strict: true, Journal: j, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			httpapi.MountControl(mux, d)
			mux.Handle("/", rt)
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			h := &harness{t: t, d: d, clk: clk, srv: srv, journal: j, apiKey: BootstrapAPIKey}
			t.Cleanup(h.checkJournal)

			up := h.call("POST", "/demo/v1/auth/signup", h.apiKey, map[string]any{"username": "alice", "email": "alice@example.com", "password": "password-alice"})
			tok := up.str("access_token")
			platform := h.must(200, "POST", "/__mock/tokens", "", map[string]any{"type": "platform"}).str("access_token")
			apps := "/v1/apps/" + BootstrapAppID
			tn := h.call("POST", apps+"/tenants", platform, map[string]any{"display_name": "Team"})
			tid := tn.str("id")
			calls := [][]any{
				{"GET", apps + "/tenants", platform, nil},
				{"GET", apps + "/tenants/" + tid, h.apiKey, nil},
				{"PATCH", apps + "/tenants/" + tid, h.apiKey, map[string]any{"display_name": "T2"}},
				{"POST", "/demo/v1/tenants", tok, map[string]any{"display_name": "Mine"}},
				{"GET", "/demo/v1/tenants", tok, nil},
				{"GET", "/demo/v1/auth/me/tenants", tok, nil},
				{"GET", apps + "/tenants/" + tid + "/members", h.apiKey, nil},
				{"PUT", apps + "/webhook", h.apiKey, map[string]any{"url": "http://127.0.0.1:1/hook", "event_types": []string{"user.signup"}}},
				{"GET", apps + "/webhook", h.apiKey, nil},
				{"POST", apps + "/webhook/rotate-secret", h.apiKey, nil},
				{"GET", apps + "/webhook/attempts?limit=10", h.apiKey, nil},
				{"DELETE", apps + "/webhook", h.apiKey, nil},
				{"DELETE", "/demo/v1/me/avatar", tok, nil},
				{"DELETE", apps + "/tenants/" + tid, h.apiKey, nil},
			}
			for _, c := range calls {
				body, _ := c[3].(map[string]any)
				var r resp
				if body == nil {
					r = h.call(c[0].(string), c[1].(string), c[2].(string), nil)
				} else {
					r = h.call(c[0].(string), c[1].(string), c[2].(string), body)
				}
				if r.status >= 500 || (r.status >= 400 && r.status != 404) {
					t.Errorf("%s %s → %d: %s", c[0], c[1], r.status, r.raw)
				}
				if r.status == 404 && !strings.Contains(string(r.raw), "not found") && !strings.Contains(string(r.raw), "Not Found") {
					t.Logf("%s %s → 404: %s", c[0], c[1], r.raw)
				}
			}
		})
	}
}
