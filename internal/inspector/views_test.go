package inspector

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/heimdall"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/httpapi"
)

// The refusals a running mock rarely produces on demand (a suspended user
// or app, an expiry) are worded from the domain's facts alone.
func TestTokenDetailWordsTheDomainsFacts(t *testing.T) {
	app := &heimdall.TokenApp{ID: "app_1", Slug: "demo", Status: "suspended"}
	now := time.Date(2026, 3, 1, 14, 0, 0, 0, time.UTC)
	exp := float64(now.Add(-90 * time.Minute).Unix())
	cases := []struct {
		name  string
		check heimdall.TokenCheck
		want  string
	}{
		{"verifies", heimdall.TokenCheck{App: app}, ""},
		{"user suspended", heimdall.TokenCheck{Reason: heimdall.ReasonUserInactive, App: app, UserStatus: "suspended"}, "the user is suspended"},
		{"user gone", heimdall.TokenCheck{Reason: heimdall.ReasonUserInactive, App: app}, "the user is not active"},
		{"app suspended", heimdall.TokenCheck{Reason: "app_suspended", App: app}, "the app is suspended, so consumer calls answer 403"},
		{"keystore words", heimdall.TokenCheck{Reason: "bad_signature", ByKeys: true, KeyDetail: "signature does not verify", App: app}, "signature does not verify"},
		{"expired on the mock clock", heimdall.TokenCheck{Reason: "expired", ByKeys: true, KeyDetail: "token expired", Now: now, App: app, Claims: map[string]any{"exp": exp}},
			"expired at 2026-03-01 12:30:00 UTC, 1h30m0s before the mock clock's 2026-03-01 14:00:00 UTC"},
	}
	for _, c := range cases {
		if got := tokenDetail(c.check); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestOriginIsTheNameUsedAndTheListenersPort(t *testing.T) {
	onListener := func(r *http.Request, addr string) *http.Request {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		return r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, a))
	}
	cases := []struct {
		r    *http.Request
		want heimdall.Origin
	}{
		{httptest.NewRequest("GET", "http://mock.test:8080/x", nil), heimdall.Origin{Host: "mock.test:8080", Port: "8080"}},
		{httptest.NewRequest("GET", "http://mock.test/x", nil), heimdall.Origin{Host: "mock.test"}},
		{onListener(httptest.NewRequest("GET", "http://proxy.test/x", nil), "127.0.0.1:9999"), heimdall.Origin{Host: "proxy.test", Port: "9999"}},
	}
	for _, c := range cases {
		if got := httpapi.OriginOf(c.r); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.r.Host, got, c.want)
		}
	}
}
