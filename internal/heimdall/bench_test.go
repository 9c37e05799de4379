package heimdall

// Identity-core speed targets. The figures that matter are ratios between
// benchmarks of ONE run (the machine's speed cancels out):
//
//	SigninParallel ops/s  >= 0.7 × SignerParallel sigs/s   (one RSA signature per sign-in)
//	VerifyParallel ops/s  >= 5 × SigninParallel ops/s
//	PasswordHash ns/op    <= ~10% of SigninParallel ns/op
//	Create100Apps         < 1000 ms per 100
//
// go test -run '^$' -bench 'Signer|Signin|Verify|PasswordHash|Create100' ./internal/heimdall/
//
// Sign-in and verify go through the strict router with request and response
// validation and the journal, as the server serves them; only the TCP
// socket is left out (bench/identity/run.sh measures that with wrk).

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/clock"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/httpapi"
	"github.com/heimdall-mock/heimdall-mock/internal/journal"
	"github.com/heimdall-mock/heimdall-mock/internal/keys"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
)

// benchPool has no background workers: on a small machine a worker
// generating RSA keys would be measured along with the code under test.
var benchPool = keys.NewPool(0)

// benchServer is a domain behind the strict, validating router with a
// journal: the request path of the mock server minus the socket.
type benchServer struct {
	d  *Domain
	rt *router.Router
}

func newBenchServer(b *testing.B) *benchServer {
	b.Helper()
	doc := newestSpec(b)
	clk := clock.New()
	d := New(Options{Clock: clk, Pool: benchPool})
	reg := router.NewRegistry()
	httpapi.Bind(reg, d.Routes(), d.Guard)
	rt, err := router.New(doc, router.Options{
		Registry: reg, ValidateRequests: true, Strict: true,
		Journal: journal.New(1000), Now: clk.Now,
	})
	if err != nil {
		b.Fatal(err)
	}
	return &benchServer{d: d, rt: rt}
}

// do serves one request and returns the status and body.
func (s *benchServer) do(method, path, bearer, body string) (int, string) {
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	w := httptest.NewRecorder()
	s.rt.ServeHTTP(w, req)
	return w.Code, w.Body.String()
}

// signinBody is the sign-in request of bench user i.
func signinBody(i int) string {
	return fmt.Sprintf(`{"identifier":"user%d","password":"password-%d"}`, i, i)
}

// addSigninUsers signs up user0..user<n-1> through the domain.
func addSigninUsers(b *testing.B, d *Domain, n int) {
	b.Helper()
	for i := range n {
		r := call(d.signup, "POST", "/demo/v1/auth/signup", "", fmt.Sprintf(`{"username":"user%d","email":"user%d@example.com","password":"password-%d"}`, i, i, i))
		if r.Status != 200 {
			b.Fatalf("signup: %d %v", r.Status, r.Body)
		}
	}
}

func call(h Handler, method, path, bearer, body string) *router.Response {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	slug := strings.Split(strings.TrimPrefix(path, "/"), "/")[0]
	return httpapi.Serve(h)(&router.Request{HTTP: req, Params: []string{slug}, Body: []byte(body)})
}

// accessToken signs bench user i in through the server and returns the
// access token.
func accessToken(b *testing.B, s *benchServer, i int) string {
	b.Helper()
	status, body := s.do("POST", "/demo/v1/auth/signin", "", signinBody(i))
	if status != 200 {
		b.Fatalf("signin: %d %s", status, body)
	}
	_, tok, _ := strings.Cut(body, `"access_token":"`)
	tok, _, _ = strings.Cut(tok, `"`)
	return tok
}

func reportRate(b *testing.B, unit string) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
}

// signinUsers is how many accounts the sign-in benchmark rotates through,
// so max_sessions eviction and per-user work look like real traffic.
const signinUsers = 64

// BenchmarkSignerParallel is the ceiling for sign-in: the app keystore
// signing the very claims a sign-in issues, on every core.
func BenchmarkSignerParallel(b *testing.B) {
	s := newBenchServer(b)
	addSigninUsers(b, s.d, 1)
	_, claims, err := keys.DecodeUnverified(accessToken(b, s, 0))
	if err != nil {
		b.Fatal(err)
	}
	s.d.mu.Lock()
	ks := s.d.st.appBySlug[BootstrapAppSlug].keystore
	s.d.mu.Unlock()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := ks.Sign(claims); err != nil {
				b.Error(err)
				return
			}
		}
	})
	reportRate(b, "sigs/s")
}

// BenchmarkSigninParallel is the whole sign-in as served: routing, request
// validation, password check, session, audit, one RSA signature, response
// validation and the journal.
func BenchmarkSigninParallel(b *testing.B) {
	s := newBenchServer(b)
	addSigninUsers(b, s.d, signinUsers)
	bodies := make([]string, signinUsers)
	for i := range bodies {
		bodies[i] = signinBody(i)
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1) % signinUsers
			if status, body := s.do("POST", "/demo/v1/auth/signin", "", bodies[i]); status != 200 {
				b.Errorf("signin: %d %s", status, body)
				return
			}
		}
	})
	reportRate(b, "signins/s")
}

// BenchmarkVerifyParallel is POST /verify as served: one RSA verification,
// the session lookup and both validations.
func BenchmarkVerifyParallel(b *testing.B) {
	s := newBenchServer(b)
	addSigninUsers(b, s.d, 1)
	tok := accessToken(b, s, 0)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			status, resp := s.do("POST", "/demo/v1/verify", tok, "{}")
			if status != 200 || !strings.Contains(resp, `"valid":true`) {
				b.Errorf("verify: %d %s", status, resp)
				return
			}
		}
	})
	reportRate(b, "verifies/s")
}

// BenchmarkPasswordHash is the password check every sign-in pays, on every
// core, to compare with BenchmarkSigninParallel's ns/op.
func BenchmarkPasswordHash(b *testing.B) {
	hash := hashPassword("password-0")
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if !checkPassword(hash, "password-0") {
				b.Error("password does not check")
				return
			}
		}
	})
}

// BenchmarkCreate100Apps creates 100 apps through POST /v1/apps. RSA key
// generation is the pool's job, done ahead of time (tens of milliseconds a
// key); here every app's key comes ready, as from a filled pool, so the
// figure is what creating an app costs the server. Reported as ms per 100.
func BenchmarkCreate100Apps(b *testing.B) {
	s := newBenchServer(b)
	ready := readyKeystores(b, 4)
	var n atomic.Int64
	s.d.newKeystore = func(time.Time) *keys.Keystore {
		ks, err := keys.ImportKeystore(ready[n.Add(1)%int64(len(ready))])
		if err != nil {
			panic(err)
		}
		return ks
	}
	b.ResetTimer()
	for round := 0; b.Loop(); round++ {
		for i := range 100 {
			body := fmt.Sprintf(`{"slug":"app-%d-%d","display_name":"App %d","workspace_id":"%s"}`, round, i, i, BootstrapWorkspaceID)
			if status, resp := s.do("POST", "/v1/apps", BootstrapAPIKey, body); status != 201 {
				b.Fatalf("create: %d %s", status, resp)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/100apps")
}

// readyKeystores exports n keystores whose keys are already generated.
func readyKeystores(b *testing.B, n int) []keys.Exported {
	b.Helper()
	out := make([]keys.Exported, n)
	for i := range out {
		out[i] = keys.NewKeystore(benchPool, time.Now()).Export()
	}
	return out
}
