package scenario

import (
	"context"
	"io"
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

// The same request must reach the service alike in-process and over HTTP,
// or drift between the two reports the client, not the service: net/http
// adds a User-Agent, which the mock stores on each session.
func TestHandlerTargetSendsWhatAnHTTPClientSends(t *testing.T) {
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(r.UserAgent()))
	})
	srv := httptest.NewServer(echo)
	defer srv.Close()
	agent := func(target Target, set map[string]string) string {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "/", nil)
		for k, v := range set {
			req.Header.Set(k, v)
		}
		resp, err := target.Do(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if in, over := agent(HandlerTarget(echo), nil), agent(HTTPTarget(srv.URL, nil), nil); in != over {
		t.Errorf("User-Agent in-process %q, over HTTP %q", in, over)
	}
	if got := agent(HandlerTarget(echo), map[string]string{"User-Agent": "sdk/1.0"}); got != "sdk/1.0" {
		t.Errorf("a scenario's own User-Agent became %q", got)
	}
}
