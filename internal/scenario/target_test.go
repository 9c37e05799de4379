package scenario

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A scenario asserts on a redirect itself, so an HTTP target must hand the
// 3xx back instead of following it, as the in-process target does.
func TestHTTPTargetDoesNotFollowRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/start" {
			http.Redirect(w, r, "/landed?code=abc", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	for name, client := range map[string]*http.Client{"default client": nil, "caller's client": srv.Client()} {
		target := HTTPTarget(srv.URL, client)
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "/start", nil)
		resp, err := target.Do(context.Background(), req)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/landed?code=abc" {
			t.Errorf("%s: got %d %q, want the 302 itself", name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if srv.Client().CheckRedirect != nil {
		t.Error("HTTPTarget changed the caller's client")
	}
}
