package heimdall

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/clock"
	"github.com/heimdall-mock/heimdall-mock/internal/keys"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
)

// benchPool has no background workers: on a small machine a worker
// generating RSA keys would be measured along with the code under test.
var benchPool = keys.NewPool(0)

// benchDomain is a domain with n users (user0..), called without HTTP so
// the numbers are the domain's own cost.
func benchDomain(b *testing.B, n int) *Domain {
	b.Helper()
	d := New(Options{Clock: clock.New(), Pool: benchPool})
	for i := 0; i < n; i++ {
		r := call(d.signup, "POST", "/demo/v1/auth/signup", "", fmt.Sprintf(`{"username":"user%d","email":"user%d@example.com","password":"password-%d"}`, i, i, i))
		if r.Status != 200 {
			b.Fatalf("signup: %d %v", r.Status, r.Body)
		}
	}
	return d
}

func call(h router.Handler, method, path, bearer, body string) *router.Response {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	slug := strings.Split(strings.TrimPrefix(path, "/"), "/")[0]
	return h(&router.Request{HTTP: req, Params: []string{slug}, Body: []byte(body)})
}

func BenchmarkSignin(b *testing.B) {
	const users = 64
	d := benchDomain(b, users)
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) % users
			r := call(d.signin, "POST", "/demo/v1/auth/signin", "", fmt.Sprintf(`{"identifier":"user%d","password":"password-%d"}`, i, i))
			if r.Status != 200 {
				b.Errorf("signin: %d %v", r.Status, r.Body)
				return
			}
		}
	})
}

func BenchmarkVerify(b *testing.B) {
	d := benchDomain(b, 1)
	r := call(d.signin, "POST", "/demo/v1/auth/signin", "", `{"identifier":"user0","password":"password-0"}`)
	tok := r.Body.(map[string]any)["access_token"].(string)
	body := `{"token":"` + tok + `"}`
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := call(d.verify, "POST", "/demo/v1/verify", "", body)
			if r.Status != 200 || r.Body.(map[string]any)["valid"] != true {
				b.Errorf("verify: %d %v", r.Status, r.Body)
				return
			}
		}
	})
}

// BenchmarkCreateApp includes drawing the app's RSA key: from the
// process's reserve while it lasts, then generated inline (tens of
// milliseconds each). Run it with a fixed count (-benchtime=200x) for a
// number that does not depend on how much of the reserve other tests used.
func BenchmarkCreateApp(b *testing.B) {
	d := New(Options{Clock: clock.New(), Pool: benchPool})
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r := call(d.createApp, "POST", "/v1/apps", BootstrapAPIKey,
			fmt.Sprintf(`{"slug":"app-%d","display_name":"App %d","workspace_id":"%s"}`, i, i, BootstrapWorkspaceID))
		if r.Status != 201 {
			b.Fatalf("create: %d %v", r.Status, r.Body)
		}
	}
}
