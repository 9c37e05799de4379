package heimdall

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/httpapi"
)

// Stateful read speed, on the path the server serves them (strict router,
// both validations, journal; the socket left out, bench/mock/run.sh adds
// it): the routes a test suite calls most between its writes. Compare
// with BenchmarkSigninParallel and the router's generated GET of one run.
//
// go test -run '^$' -bench 'Reads' ./internal/heimdall/

func BenchmarkReadsListAppsPlatformToken(b *testing.B) {
	s := newBenchServer(b)
	req := httptest.NewRequest("POST", "/", nil)
	minted, err := s.d.mintPlatform(httpapi.OriginOf(req), MintRequest{})
	if err != nil {
		b.Fatal(err)
	}
	benchRead(b, s, "/v1/apps", minted["access_token"].(string), `"slug":"demo"`)
}

func BenchmarkReadsMe(b *testing.B) {
	s := newBenchServer(b)
	addSigninUsers(b, s.d, 1)
	benchRead(b, s, "/demo/v1/me", accessToken(b, s, 0), `"username":"user0"`)
}

func BenchmarkReadsJWKS(b *testing.B) {
	s := newBenchServer(b)
	benchRead(b, s, "/demo/v1/.well-known/jwks.json", "", `"kty":"RSA"`)
}

func benchRead(b *testing.B, s *benchServer, path, bearer, want string) {
	b.Helper()
	if status, body := s.do("GET", path, bearer, ""); status != 200 || !strings.Contains(body, want) {
		b.Fatalf("GET %s: %d %s", path, status, body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if status, body := s.do("GET", path, bearer, ""); status != 200 {
				b.Errorf("GET %s: %d %s", path, status, body)
				return
			}
		}
	})
	reportRate(b, "reads/s")
}
