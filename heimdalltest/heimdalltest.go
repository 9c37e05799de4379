// Package heimdalltest runs the fake Heimdall inside a Go test, the way
// net/http/httptest runs a handler:
//
//	srv := heimdalltest.NewServer(t)
//	tokens := srv.SignUp(t, "alice@example.com", "correct horse battery")
//	srv.Advance(2 * time.Hour) // the access token is now expired
//
// The server is closed by t.Cleanup. It serves the embedded default spec in
// strict mode (a response that breaks the spec is a 500), with the Heimdall
// domain and the control plane, exactly as the mock command does. Helpers
// talk to the server over HTTP, like the test under test would.
package heimdalltest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/keys"
	"github.com/heimdall-mock/heimdall-mock/internal/server"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/specs"
)

// Bootstrap holds the fixed values the mock starts with.
type Bootstrap struct {
	WorkspaceID    string `json:"workspace_id"`
	APIKey         string `json:"api_key"`
	AppID          string `json:"app_id"`
	AppSlug        string `json:"app_slug"`
	BaseURL        string `json:"base_url"`
	Issuer         string `json:"issuer"`
	AppleClientID  string `json:"apple_client_id"`
	GoogleClientID string `json:"google_client_id"`
}

// Server is a running mock.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:53211.
	URL string
	// Bootstrap is the workspace, API key and app the mock starts with.
	Bootstrap Bootstrap

	mock *server.Server
	ts   *httptest.Server
}

type config struct {
	spec     []byte
	specName string
	fixtures []byte
	seed     int64
	lenient  bool
	noDomain bool
}

// Option configures NewServer.
type Option func(*config) error

// WithSpecFile serves the spec in path instead of the embedded default.
func WithSpecFile(path string) Option {
	return func(c *config) error {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		c.spec, c.specName = data, path
		return nil
	}
}

// WithSpec serves the given spec document (JSON or YAML).
func WithSpec(data []byte) Option {
	return func(c *config) error { c.spec, c.specName = data, "inline spec"; return nil }
}

// WithFixtures loads a fixture document (JSON or YAML) at start; Reset
// returns to it.
func WithFixtures(data []byte) Option {
	return func(c *config) error { c.fixtures = data; return nil }
}

// WithSeed sets the seed of generated data.
func WithSeed(seed int64) Option {
	return func(c *config) error { c.seed = seed; return nil }
}

// WithLenientResponses logs spec violations in responses instead of turning
// them into 500s.
func WithLenientResponses() Option {
	return func(c *config) error { c.lenient = true; return nil }
}

// WithoutDomain serves the spec with generated responses only, for APIs
// other than Heimdall.
func WithoutDomain() Option {
	return func(c *config) error { c.noDomain = true; return nil }
}

// NewServer starts a mock and registers its Close with t.Cleanup.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	cfg := config{spec: specs.DefaultJSON, specName: "embedded:" + specs.DefaultName, seed: 1}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			t.Fatalf("heimdalltest: %v", err)
		}
	}
	spec, err := loadSpec(cfg.spec, cfg.specName)
	if err != nil {
		t.Fatalf("heimdalltest: %v", err)
	}
	mock, err := server.New(server.Config{
		Spec:             spec,
		Domain:           !cfg.noDomain,
		Seed:             cfg.seed,
		Strict:           !cfg.lenient,
		ValidateRequests: true,
		Fixtures:         cfg.fixtures,
		KeyPool:          testKeys,
	})
	if err != nil {
		t.Fatalf("heimdalltest: %v", err)
	}
	ts := httptest.NewServer(mock)
	s := &Server{URL: ts.URL, mock: mock, ts: ts}
	t.Cleanup(s.Close)
	if !cfg.noDomain {
		if err := s.do(http.MethodGet, "/__mock/health", nil, http.StatusOK, &struct {
			Bootstrap *Bootstrap `json:"bootstrap"`
		}{&s.Bootstrap}); err != nil {
			t.Fatalf("heimdalltest: %v", err)
		}
	}
	return s
}

// testKeys gives every server its RSA keys without generating any, so the
// hundredth server of a suite starts as fast as the first.
var testKeys = keys.RecyclingPool()

// loadedSpecs keeps every spec this process has served, by content and
// name, with what was compiled from it: a suite that starts a fresh server
// per test parses and compiles each spec once. A test process serves a
// handful of specs, so they are kept until it exits.
var loadedSpecs sync.Map // specKey -> *loadedSpec

type specKey struct {
	sum  [sha256.Size]byte
	name string
}

type loadedSpec struct {
	once sync.Once
	spec *specload.Spec
	err  error
}

func loadSpec(data []byte, name string) (*specload.Spec, error) {
	if name == "embedded:"+specs.DefaultName && bytes.Equal(data, specs.DefaultJSON) {
		// The default ships pre-decoded: no parse even for the first server.
		return server.EmbeddedSpec()
	}
	v, _ := loadedSpecs.LoadOrStore(specKey{sha256.Sum256(data), name}, &loadedSpec{})
	l := v.(*loadedSpec)
	// The spec outlives the test that gave data, and keeps it.
	l.once.Do(func() { l.spec, l.err = specload.LoadData(bytes.Clone(data), name) })
	return l.spec, l.err
}

// Close shuts the server down. It is safe to call twice.
func (s *Server) Close() {
	s.ts.Close()
	s.mock.Close()
}

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Handler is the mock as an http.Handler, for tests that skip the network.
func (s *Server) Handler() http.Handler { return s.mock }

// Now is the mock clock's time.
func (s *Server) Now() time.Time { return s.mock.Clock.Now() }

// Advance moves the mock clock forward by d and returns the new time. Token
// expiry, sessions, codes and invites all follow it.
func (s *Server) Advance(d time.Duration) time.Time { return s.mock.Clock.Advance(d) }

// SetTime puts the mock clock at t.
func (s *Server) SetTime(t time.Time) time.Time { return s.mock.Clock.Set(t) }

// Freeze stops the mock clock (or starts it again with false).
func (s *Server) Freeze(on bool) time.Time { return s.mock.Clock.Freeze(on) }

// Reset returns the mock to its start: fixtures or bootstrap, clock, faults,
// outbox and journal.
func (s *Server) Reset(t testing.TB) {
	t.Helper()
	if err := s.do(http.MethodPost, "/__mock/reset", nil, http.StatusNoContent, nil); err != nil {
		t.Fatal(err)
	}
}

// Fault is an error injected into the API (see POST /__mock/faults).
type Fault struct {
	OperationID    string          `json:"operation_id,omitempty"`
	Method         string          `json:"method,omitempty"`
	Path           string          `json:"path,omitempty"`
	Status         int             `json:"status,omitempty"`
	Body           json.RawMessage `json:"body,omitempty"`
	DelayMS        int             `json:"delay_ms,omitempty"`
	Times          int             `json:"times,omitempty"`
	DropConnection bool            `json:"drop_connection,omitempty"`
}

// AddFault injects a fault and returns its id.
func (s *Server) AddFault(t testing.TB, f Fault) string {
	t.Helper()
	var out struct {
		ID string `json:"id"`
	}
	if err := s.do(http.MethodPost, "/__mock/faults", f, http.StatusCreated, &out); err != nil {
		t.Fatal(err)
	}
	return out.ID
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults(t testing.TB) {
	t.Helper()
	if err := s.do(http.MethodDelete, "/__mock/faults", nil, http.StatusNoContent, nil); err != nil {
		t.Fatal(err)
	}
}

// Message is what Heimdall would have emailed or texted.
type Message struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	To        string    `json:"to"`
	Token     string    `json:"token"`
	Code      string    `json:"code"`
	Link      string    `json:"link"`
	CreatedAt time.Time `json:"created_at"`
}

// Outbox lists messages, newest first; to and kind filter when not empty.
func (s *Server) Outbox(t testing.TB, to, kind string) []Message {
	t.Helper()
	q := url.Values{}
	if to != "" {
		q.Set("to", to)
	}
	if kind != "" {
		q.Set("kind", kind)
	}
	var out []Message
	if err := s.do(http.MethodGet, "/__mock/outbox?"+q.Encode(), nil, http.StatusOK, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Request is one entry of the mock's request journal.
type Request struct {
	At             time.Time `json:"at"`
	Method         string    `json:"method"`
	Path           string    `json:"path"`
	OperationID    string    `json:"operation_id"`
	Status         int       `json:"status"`
	RequestErrors  []string  `json:"request_errors"`
	ResponseErrors []string  `json:"response_errors"`
	// Adaptations says how the answer was translated to the served spec's
	// dialect when it differs from the embedded contract.
	Adaptations []string `json:"adaptations"`
	// AnsweredBy is "fault" when an injected fault answered (FaultID is
	// the id AddFault returned) and "prefer" when a Prefer header chose
	// the answer; "" for the operation's normal answer.
	AnsweredBy string `json:"answered_by"`
	FaultID    string `json:"fault_id"`
}

// Requests lists the last limit requests the mock answered, newest first.
func (s *Server) Requests(t testing.TB, limit int) []Request {
	t.Helper()
	var out []Request
	if err := s.do(http.MethodGet, fmt.Sprintf("/__mock/requests?limit=%d", limit), nil, http.StatusOK, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// Tokens is a sign-in result.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
}

// SignUp registers an end user on the bootstrap app (username taken from the
// address) and returns the tokens sign-up issues.
func (s *Server) SignUp(t testing.TB, email, password string) Tokens {
	t.Helper()
	username := email
	if i := bytes.IndexByte([]byte(email), '@'); i > 0 {
		username = email[:i]
	}
	var out Tokens
	body := map[string]any{"email": email, "password": password, "username": username}
	if err := s.do(http.MethodPost, "/"+s.Bootstrap.AppSlug+"/v1/auth/signup", body, http.StatusOK, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// SignIn signs an end user of the bootstrap app in.
func (s *Server) SignIn(t testing.TB, identifier, password string) Tokens {
	t.Helper()
	var out Tokens
	body := map[string]any{"identifier": identifier, "password": password}
	if err := s.do(http.MethodPost, "/"+s.Bootstrap.AppSlug+"/v1/auth/signin", body, http.StatusOK, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// MintToken asks the control plane for an access token with chosen claims
// (see POST /__mock/tokens); a negative ttl gives an expired token.
func (s *Server) MintToken(t testing.TB, req map[string]any) string {
	t.Helper()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := s.do(http.MethodPost, "/__mock/tokens", req, http.StatusOK, &out); err != nil {
		t.Fatal(err)
	}
	return out.AccessToken
}

// do sends a JSON request to the mock and decodes the answer into out,
// failing unless the status is want.
func (s *Server) do(method, path string, in any, want int, out any) error {
	var body io.Reader
	if in != nil {
		data, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, s.URL+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	// Consumer routes take the app's API key too (the SDK always sends it);
	// the control plane ignores it.
	if s.Bootstrap.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+s.Bootstrap.APIKey)
	}
	resp, err := s.ts.Client().Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, data)
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}
