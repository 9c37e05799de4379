package scenario

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/keys"
	"github.com/heimdall-mock/heimdall-mock/internal/server"
)

// signingStep reports whether a step makes the mock sign a JWT (RS256),
// the one expensive operation of a replay.
func signingStep(st *Step) bool {
	if st.Request.Method != "POST" {
		return false
	}
	for _, suffix := range []string{"/auth/signup", "/auth/signin", "/auth/refresh", "/oauth/token"} {
		if strings.HasSuffix(st.Request.Path, suffix) {
			return true
		}
	}
	return false
}

func signingShare(scs []*Scenario) float64 {
	var all, signing int
	for _, sc := range scs {
		for i := range sc.Steps {
			all++
			if signingStep(&sc.Steps[i]) {
				signing++
			}
		}
	}
	return float64(signing) / float64(all)
}

// createsApps reports whether a scenario creates apps: each new app costs
// an RSA key generation (tens of milliseconds), which would swamp the
// replay's own cost once the key reserve is used up.
func createsApps(sc *Scenario) bool {
	for _, st := range sc.Steps {
		if st.Request.Method == "POST" && st.Request.Path == "/v1/apps" {
			return true
		}
	}
	return false
}

// serverPool lends each scenario one of a few long-lived servers; the
// runner resets it before the scenario and Close gives it back.
type serverPool chan Target

type lentTarget struct {
	Target
	pool serverPool
}

func (l lentTarget) Close() error { l.pool <- l.Target; return nil }

func (p serverPool) next() (Target, error) { return lentTarget{<-p, p}, nil }

// BenchmarkReplay replays testdata/scenarios against the in-process mock
// on the embedded spec, strict, every response spec-validated, and reports
// steps/s:
//
//   - mix/reset-servers: every scenario that creates no app, on
//     GOMAXPROCS long-lived servers reset between scenarios. This is the
//     replay's throughput; signing-share is the fraction of its steps that
//     sign a JWT (sign-up, sign-in, refresh, client_credentials), which
//     dominate the cost.
//   - all/fresh-server: every scenario, each on a newly built server as the
//     tests run them. Building a server and its app's RSA key (generated
//     inline once the reserve is used up) is included, so this is the
//     slowest figure.
//   - read-only: /me and /verify with one token, no signing at all.
func BenchmarkReplay(b *testing.B) {
	spec := loadDefault(b)
	scs, err := LoadDir(scenarioDir)
	if err != nil {
		b.Fatal(err)
	}
	var mix []*Scenario
	for _, sc := range scs {
		if !createsApps(sc) {
			mix = append(mix, sc)
		}
	}
	newServer := func(pool *keys.Pool) Target {
		srv, err := server.New(server.Config{Spec: spec, Domain: true, Strict: true, ValidateRequests: true, Seed: 1, KeyPool: pool})
		if err != nil {
			b.Fatal(err)
		}
		return HandlerTarget(srv)
	}
	// No background key generation: on a small machine it would steal a
	// CPU from the measurement. Keys are generated inline when needed.
	inline := keys.NewPool(0)
	run := func(b *testing.B, r *Runner, scs []*Scenario) {
		b.Helper()
		steps := 0
		for b.Loop() {
			rep := r.Run(context.Background(), scs)
			if rep.Failed > 0 {
				b.Fatalf("replay failed: %v", rep.Failures())
			}
			steps += rep.Steps
		}
		b.ReportMetric(float64(steps)/b.Elapsed().Seconds(), "steps/s")
		b.ReportMetric(float64(steps)/float64(b.N), "steps/op")
		b.ReportMetric(signingShare(scs), "signing-share")
	}
	validator := NewSpecValidator(spec.Doc)
	b.Run("mix/reset-servers", func(b *testing.B) {
		workers := runtime.GOMAXPROCS(0)
		pool := make(serverPool, workers)
		for range workers {
			pool <- newServer(inline)
		}
		run(b, &Runner{Target: pool.next, Validator: validator, Parallel: workers, Env: map[string]string{}}, mix)
	})
	b.Run("all/fresh-server", func(b *testing.B) {
		r := &Runner{Target: func() (Target, error) { return newServer(inline), nil }, Validator: validator, Env: map[string]string{}}
		run(b, r, scs)
	})
	b.Run("read-only", func(b *testing.B) {
		var sb strings.Builder
		sb.WriteString(`name: read-only
steps:
  - request:
      method: POST
      path: /{{bootstrap.app_slug}}/v1/auth/signup
      bearer: "{{bootstrap.api_key}}"
      json: {email: "{{random_email}}", username: "{{random_username}}", password: correct horse battery}
    capture: {access_token: /access_token}
    expect: {status: 200}
`)
		for range 100 {
			sb.WriteString(`  - request: {method: GET, path: "/{{bootstrap.app_slug}}/v1/me", bearer: "{{access_token}}"}
    expect: {status: 200}
  - request:
      method: POST
      path: /{{bootstrap.app_slug}}/v1/verify
      bearer: "{{bootstrap.api_key}}"
      json: {token: "{{access_token}}"}
    expect: {status: 200, body: {valid: true}}
`)
		}
		sc, err := Parse([]byte(sb.String()), "read-only.yaml")
		if err != nil {
			b.Fatal(err)
		}
		tgt := newServer(inline)
		run(b, &Runner{Target: func() (Target, error) { return tgt, nil }, Validator: validator, Env: map[string]string{}}, []*Scenario{sc})
	})
}
