package heimdall

import (
	"crypto/hmac"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// receiver is a webhook endpoint that fails its first failFirst calls.
type receiver struct {
	mu        sync.Mutex
	failFirst int
	calls     int
	got       []received
}

type received struct {
	status int
	sig    string
	event  string
	body   []byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.calls++
	status := http.StatusOK
	if rc.calls <= rc.failFirst {
		status = http.StatusServiceUnavailable
	}
	rc.got = append(rc.got, received{status, r.Header.Get(WebhookSignatureHeader), r.Header.Get("X-Heimdall-Event"), body})
	w.WriteHeader(status)
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

// waitFor polls until cond holds; deliveries run on the scheduler's tick.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkSignature verifies the t=,v1= scheme against secret.
func checkSignature(t *testing.T, secret string, r received) {
	t.Helper()
	var ts, v1 string
	for _, part := range strings.Split(r.sig, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			v1 = v
		}
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || v1 == "" {
		t.Fatalf("malformed signature header %q", r.sig)
	}
	if want := webhookSignature(secret, n, r.body); !hmac.Equal([]byte(want), []byte(r.sig)) {
		t.Fatalf("signature %q does not match the body signed with the secret (want %q)", r.sig, want)
	}
}

func TestWebhookDeliveriesAreSignedAndRetriedOnTheMockClock(t *testing.T) {
	h := newHarness(t)
	t.Cleanup(h.d.Close)
	rc := &receiver{failFirst: 2}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)

	base := "/v1/apps/" + BootstrapAppID + "/webhook"
	h.must(404, "GET", base, h.apiKey, nil)
	h.must(400, "PUT", base, h.apiKey, map[string]any{"url": "ftp://example.com/x", "event_types": []string{"user.signup"}})
	cfg := h.must(200, "PUT", base, h.apiKey, map[string]any{"url": srv.URL + "/hook", "event_types": []string{"user.signup", "tenant.created"}})
	secret := cfg.str("signing_secret")
	if secret == "" || cfg.str("signing_secret_hint") != secret[len(secret)-4:] {
		t.Fatalf("upsert: %s", cfg.raw)
	}
	if got := h.must(200, "GET", base, h.apiKey, nil); got.body["signing_secret"] != nil {
		t.Fatalf("GET shows the secret: %s", got.raw)
	}

	h.signup("alice")
	// The receiver sees the call before the domain records it.
	var att resp
	waitFor(t, "first attempt recorded", func() bool {
		att = h.must(200, "GET", base+"/attempts", h.apiKey, nil)
		return rc.count() == 1 && len(att.list) == 1
	})
	first := att.list[0].(map[string]any)
	if first["status_code"] != float64(503) || first["attempt_number"] != float64(1) || first["next_retry_at"] == nil {
		t.Fatalf("first attempt: %s", att.raw)
	}
	// Nothing more happens until the mock clock reaches the retry.
	time.Sleep(150 * time.Millisecond)
	if rc.count() != 1 {
		t.Fatalf("retried before its time: %d calls", rc.count())
	}
	h.clk.Advance(webhookFirstRetry)
	waitFor(t, "second attempt", func() bool { return rc.count() == 2 })
	h.clk.Advance(2 * webhookFirstRetry)
	waitFor(t, "third attempt", func() bool { return rc.count() == 3 })

	rc.mu.Lock()
	got := append([]received(nil), rc.got...)
	rc.mu.Unlock()
	var payload map[string]any
	if err := json.Unmarshal(got[2].body, &payload); err != nil || payload["type"] != "user.signup" || got[2].event != "user.signup" {
		t.Fatalf("payload: %s (%v)", got[2].body, err)
	}
	if string(got[0].body) != string(got[2].body) {
		t.Fatal("a retry must resend the same event body")
	}
	for _, r := range got {
		checkSignature(t, secret, r)
	}
	waitFor(t, "the success to be recorded", func() bool {
		a := h.must(200, "GET", base+"/attempts", h.apiKey, nil)
		return len(a.list) == 3 && a.list[0].(map[string]any)["status_code"] == float64(200)
	})
	if c := h.must(200, "GET", base, h.apiKey, nil); c.body["consecutive_failures"] != float64(0) {
		t.Fatalf("failures not reset by a success: %s", c.raw)
	}

	// Rotating the secret signs later deliveries with the new one.
	rot := h.must(200, "POST", base+"/rotate-secret", h.apiKey, nil)
	h.must(201, "POST", "/v1/apps/"+BootstrapAppID+"/tenants", h.apiKey, map[string]any{"display_name": "T"})
	waitFor(t, "tenant event", func() bool { return rc.count() == 4 })
	rc.mu.Lock()
	last := rc.got[3]
	rc.mu.Unlock()
	if last.event != "tenant.created" {
		t.Fatalf("event %q", last.event)
	}
	checkSignature(t, rot.str("signing_secret"), last)

	// Unsubscribed events and a deleted config send nothing.
	h.must(201, "POST", "/v1/apps/"+BootstrapAppID+"/tenants", h.apiKey, map[string]any{"display_name": "U"}) // subscribed, but deleted next
	h.must(204, "DELETE", base, h.apiKey, nil)
	h.signup("bob")
	time.Sleep(150 * time.Millisecond)
	if n := rc.count(); n > 5 {
		t.Fatalf("deliveries after delete: %d", n)
	}
	h.must(404, "POST", base+"/rotate-secret", h.apiKey, nil)
}

func TestWebhookGivesUpAfterMaxAttemptsAndSurvivesExport(t *testing.T) {
	h := newHarness(t)
	t.Cleanup(h.d.Close)
	rc := &receiver{failFirst: 1 << 30}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	base := "/v1/apps/" + BootstrapAppID + "/webhook"
	h.must(200, "PUT", base, h.apiKey, map[string]any{"url": srv.URL, "event_types": []string{"user.signup"}})
	h.signup("alice")
	for i := 1; i <= webhookMaxAttempts; i++ {
		waitFor(t, "attempt "+strconv.Itoa(i), func() bool { return rc.count() == i })
		h.clk.Advance(webhookFirstRetry << (i - 1))
	}
	time.Sleep(150 * time.Millisecond)
	if rc.count() != webhookMaxAttempts {
		t.Fatalf("%d attempts, want %d", rc.count(), webhookMaxAttempts)
	}
	cfg := h.must(200, "GET", base, h.apiKey, nil)
	if cfg.body["consecutive_failures"] != float64(webhookMaxAttempts) {
		t.Fatalf("config: %s", cfg.raw)
	}
	snap, err := h.d.Export()
	if err != nil {
		t.Fatal(err)
	}
	h.d.Reset()
	h.must(404, "GET", base, h.apiKey, nil)
	if err := h.d.Import(snap); err != nil {
		t.Fatal(err)
	}
	if a := h.must(200, "GET", base+"/attempts?limit=2", h.apiKey, nil); len(a.list) != 2 {
		t.Fatalf("attempts after import: %s", a.raw)
	}
}

func TestWebhookEventMapping(t *testing.T) {
	cases := []struct {
		action  string
		details map[string]any
		want    []string
	}{
		{"user.signup", nil, []string{"user.signup"}},
		{"user.signin", map[string]any{"mfa": "totp"}, []string{"user.signin"}},
		{"user.signin", map[string]any{"mfa": "recovery_code"}, []string{"user.signin", "user.mfa.recovery_code_used"}},
		{"contact.verified", map[string]any{"type": "email"}, []string{"user.contact_verified", "user.email_verified"}},
		{"contact.verified", map[string]any{"type": "phone"}, []string{"user.contact_verified"}},
		{"password_reset.code_issued", nil, []string{"user.password_reset.requested"}},
		{"verification.code_issued", nil, nil},
		{"user.password_reset", nil, []string{"user.password_reset.completed"}},
		{"user.status_changed", map[string]any{"status": "suspended"}, []string{"user.suspended"}},
		{"user.status_changed", map[string]any{"status": "deactivated"}, []string{"user.deactivated"}},
		{"user.status_changed", map[string]any{"status": "active"}, []string{"user.reinstated"}},
		{"role.assigned", nil, []string{"user.role_changed"}},
		{"tenant.member.added", nil, []string{"tenant.member.added"}},
		{"mfa.factor_enabled", nil, []string{"user.mfa.factor_enrolled"}},
		{"mfa.step_up", map[string]any{"method": "recovery_code"}, []string{"user.mfa.step_up_succeeded", "user.mfa.recovery_code_used"}},
		{"app.updated", nil, nil},
		{"app.updated", map[string]any{"slug": "b", "previous_slug": "a"}, []string{"app.slug_changed"}},
		{"session.revoked", nil, nil},
	}
	for _, c := range cases {
		got := webhookEvents(&auditRec{Action: c.action, Details: c.details})
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s %v → %v, want %v", c.action, c.details, got, c.want)
		}
		for _, typ := range got {
			if !slices.Contains(webhookEventTypes, typ) {
				t.Errorf("%s maps to %q, not a documented event type", c.action, typ)
			}
		}
	}
}

func TestCloseStopsWebhookDeliveries(t *testing.T) {
	h := newHarness(t)
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	t.Cleanup(srv.Close)
	h.must(200, "PUT", "/v1/apps/"+BootstrapAppID+"/webhook", h.apiKey, map[string]any{"url": srv.URL, "event_types": []string{"user.signup"}})
	h.signup("alice")
	waitFor(t, "delivery before Close", func() bool { return rc.count() == 1 })
	h.d.Close()
	h.d.Close() // a second Close is harmless
	h.signup("bob")
	time.Sleep(3 * webhookTick)
	if rc.count() != 1 {
		t.Fatalf("%d deliveries after Close", rc.count())
	}
	// The event is still queued (and exported), just not sent.
	h.d.mu.Lock()
	pending := len(h.d.st.appByID[BootstrapAppID].Deliveries)
	h.d.mu.Unlock()
	if pending != 1 {
		t.Fatalf("%d queued deliveries after Close, want 1", pending)
	}
}
