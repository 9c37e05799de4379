// Package server assembles the mock: the router built from the spec, the
// stateful Heimdall domain plugged into it, and the control plane on the
// same port. cmd/heimdall-mock and the public heimdalltest package both build their
// servers here, so a Go test gets exactly what the CLI serves.
package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/heimdall-mock/heimdall-mock/internal/clock"
	"github.com/heimdall-mock/heimdall-mock/internal/control"
	"github.com/heimdall-mock/heimdall-mock/internal/fakedata"
	"github.com/heimdall-mock/heimdall-mock/internal/faults"
	"github.com/heimdall-mock/heimdall-mock/internal/fixtures"
	"github.com/heimdall-mock/heimdall-mock/internal/guard"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/httpapi"
	"github.com/heimdall-mock/heimdall-mock/internal/idp/signin"
	"github.com/heimdall-mock/heimdall-mock/internal/inspector"
	"github.com/heimdall-mock/heimdall-mock/internal/journal"
	"github.com/heimdall-mock/heimdall-mock/internal/keys"
	"github.com/heimdall-mock/heimdall-mock/internal/linkpage"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
	"github.com/heimdall-mock/heimdall-mock/internal/shape"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
	"github.com/heimdall-mock/heimdall-mock/specs"
)

// Config says what to serve and how.
type Config struct {
	Spec *specload.Spec
	// LoadSpec, when Spec is nil, loads the spec while New builds the
	// domain, which depends on nothing the spec says: the two are the
	// longest steps of a start, and a command that would load the spec
	// just before calling New gets them side by side this way.
	LoadSpec func() (*specload.Spec, error)
	// Domain switches the stateful Heimdall domain on. Off, the mock is a
	// plain spec mock (what the sibling APIs get).
	Domain           bool
	Seed             int64
	Strict           bool
	ValidateRequests bool
	PublicURL        string          // "" : http://<Host> of each request
	MaxBodyBytes     int64           // 0: the router's default (1 MiB)
	JournalSize      int             // 0: 1000
	Limits           heimdall.Limits // retention caps of the domain (zero: defaults)
	Logger           *slog.Logger
	Clock            *clock.Clock // nil: a new wall clock
	KeyPool          *keys.Pool   // nil: the shared pool
	// Fixtures (JSON or YAML) are loaded at start and are what reset returns to.
	Fixtures []byte
	// DomainSpec is the spec the domain's handlers are written for; the
	// shaper translates their bodies to the served spec where the two
	// differ. Nil: the embedded contract.
	DomainSpec *specload.Spec
	// Control gates /__mock (Host names, origins, content types, token);
	// the zero value accepts loopback names and IP literals only.
	Control guard.Control
	// CORS, when set, grants cross-origin access to the API routes.
	CORS *guard.CORS
}

// Server is the assembled mock. It is an http.Handler.
type Server struct {
	cfg     Config
	Clock   *clock.Clock
	Journal *journal.Journal
	Faults  *faults.Registry
	Domain  *heimdall.Domain // nil when Config.Domain is off

	registry *router.Registry
	mu       sync.Mutex // serialises Reload
	router   atomic.Pointer[router.Router]
	spec     atomic.Pointer[specload.Spec]
	shaper   atomic.Pointer[shaperPlan]
	// answered is closed once a request was answered: start-up is over,
	// and what waited for it (the shaper's plan, the spec check, the
	// collector's usual setting) may run.
	answered     chan struct{}
	answeredOnce sync.Once
	control      http.Handler
	api          http.Handler // the current router, behind CORS when on
}

// New builds the server. It fails on a spec the router cannot mount or on
// fixtures that do not parse.
func New(cfg Config) (*Server, error) {
	if cfg.Spec == nil && cfg.LoadSpec == nil {
		return nil, fmt.Errorf("server: no spec")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.New()
	}
	if cfg.JournalSize <= 0 {
		cfg.JournalSize = 1000
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:      cfg,
		Clock:    cfg.Clock,
		Journal:  journal.New(cfg.JournalSize),
		Faults:   faults.NewRegistry(),
		registry: router.NewRegistry(),
		answered: make(chan struct{}),
	}
	if !cfg.Domain && len(cfg.Fixtures) > 0 {
		return nil, fmt.Errorf("fixtures: they need the Heimdall domain, which is off")
	}
	// The domain and the control API do not depend on the spec: they are
	// built while the spec loads and compiles, the larger steps a start
	// waits for. A spec that does not load is the first error, then the
	// domain's.
	built := make(chan error, 1)
	go func(cfg Config) { // a copy: the spec is set below meanwhile
		dom, err := s.buildDomain(cfg)
		if err == nil {
			s.control = s.buildControl(cfg, dom)
		}
		built <- err
	}(cfg)
	if cfg.Spec == nil {
		spec, err := cfg.LoadSpec()
		if err != nil {
			<-built
			return nil, err
		}
		cfg.Spec, s.cfg.Spec = spec, spec
	}
	compiled, compileErr := compile(cfg.Spec)
	if err := <-built; err != nil {
		return nil, err
	}
	if compileErr != nil {
		return nil, compileErr
	}
	s.mu.Lock()
	s.install(cfg.Spec, compiled)
	s.mu.Unlock()
	var api http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.router.Load().ServeHTTP(w, r) })
	if cfg.CORS != nil {
		api = cfg.CORS.Wrap(api)
	}
	s.api = api
	return s, nil
}

// buildDomain builds the Heimdall domain when the config asks for it, with
// its fixtures, and binds its routes; dom is its part of the control API.
func (s *Server) buildDomain(cfg Config) (dom control.Domain, err error) {
	if !cfg.Domain {
		return nil, nil
	}
	s.Domain = heimdall.New(heimdall.Options{Clock: cfg.Clock, Pool: cfg.KeyPool, PublicURL: cfg.PublicURL, Names: cfg.Control.AllowHosts, Limits: cfg.Limits, Webhooks: httpapi.NewPoster()})
	if len(cfg.Fixtures) > 0 {
		doc, err := fixtures.Parse(cfg.Fixtures)
		if err != nil {
			return nil, err // already says "fixtures: ..."
		}
		if err := s.Domain.SetBaseline(doc); err != nil {
			return nil, fmt.Errorf("fixtures: %w", err)
		}
	}
	httpapi.Bind(s.registry, s.Domain.Routes(), s.Domain.Guard)
	return httpapi.ControlModule(s.Domain), nil
}

// buildControl is the /__mock API behind its gate. What it shows of the
// spec and the router it reads when asked, so it can be built before
// either exists.
func (s *Server) buildControl(cfg Config, dom control.Domain) http.Handler {
	gate := cfg.Control
	gate.FormPaths = append(gate.FormPaths, signin.FormPaths...)
	return gate.Wrap(control.Handler(control.Deps{
		Clock:      s.Clock,
		Journal:    s.Journal,
		Faults:     s.Faults,
		Domain:     dom,
		Spec:       s.specInfo,
		Coverage:   func() router.Coverage { return s.router.Load().Coverage() },
		CheckFault: func(f faults.Fault) error { return s.router.Load().CheckFault(f) },
		BaseURL:    s.BaseURL,
		Modules: []control.Module{control.RoutesOnly(func(mux *http.ServeMux) {
			deps := inspector.Deps{Journal: s.Journal}
			if s.Domain != nil { // a nil *Domain would be a non-nil interface
				deps.Domain = s.Domain
			}
			inspector.Mount(mux, deps)
		}), control.RoutesOnly(func(mux *http.ServeMux) {
			if s.Domain != nil { // the mailed links exist only with the domain
				linkpage.Mount(mux)
			}
		})},
	}))
}

// Reload swaps in a router built from another spec, keeping all state: what
// --watch does when the spec file changes. In-flight requests finish on the
// router they started on.
func (s *Server) Reload(spec *specload.Spec) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	compiled, err := compile(spec)
	if err != nil {
		return err
	}
	s.install(spec, compiled)
	return nil
}

// compile is spec's route tree, compiled once per spec.
func compile(spec *specload.Spec) (*router.Compiled, error) {
	compiled, err := spec.Derived(compiledKey{}, func(doc *openapi3.T) (any, error) { return router.Compile(doc) })
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	return compiled.(*router.Compiled), nil
}

// install serves spec through compiled from now on; s.mu is held.
func (s *Server) install(spec *specload.Spec, compiled *router.Compiled) {
	shaper := s.planShaper(spec)
	rt := compiled.Router(router.Options{
		Registry:         s.registry,
		Generate:         fakedata.Generate,
		Seed:             s.cfg.Seed,
		ValidateRequests: s.cfg.ValidateRequests,
		Strict:           s.cfg.Strict,
		MaxBodyBytes:     s.cfg.MaxBodyBytes,
		Journal:          s.Journal,
		Faults:           s.Faults,
		Logger:           s.cfg.Logger,
		Now:              s.Clock.Now,
		Adapters: func(method, template string) router.Adapter {
			// A nil plan must reach the router as a nil interface.
			if op := shaper.wait().For(method, template); op != nil {
				return op
			}
			return nil
		},
	})
	s.router.Store(rt)
	s.spec.Store(spec)
	s.shaper.Store(shaper)
	select {
	case <-s.answered: // a reload: nothing is left to wait for
		shaper.begin()
	default:
	}
}

// compiledKey names the spec's compiled router among its derived values:
// every server on one loaded spec (a fresh mock per test, a replay's pool)
// shares it.
type compiledKey struct{}

// EmbeddedSpec is the embedded default spec, loaded from its pre-decoded
// form once per process and shared: the shaper and every server on the
// default only read it.
func EmbeddedSpec() (*specload.Spec, error) { return embeddedDomainSpec() }

var embeddedDomainSpec = sync.OnceValues(func() (*specload.Spec, error) {
	return specload.Load(context.Background(), "", specload.Options{Embedded: specs.DefaultJSON, EmbeddedName: specs.DefaultName, Decoded: specs.DefaultDoc})
})

// shaperPlan is a shaper being planned: comparing the domain's spec with
// a real one reads both through the diff engine, and nothing but stateful
// answers needs the result. Planning begins once the server has answered
// a request, or when a stateful request needs the plan, whichever comes
// first: begun beside the rest of the start, it took a core from building
// the server and delayed the first answer on a real spec by 3-4 ms on a
// two-core machine. The first stateful request waits for it.
type shaperPlan struct {
	start sync.Once
	run   func()
	done  chan struct{}
	sh    *shape.Shaper
}

// begin starts planning unless it has started.
func (p *shaperPlan) begin() { p.start.Do(func() { go p.run() }) }

func (p *shaperPlan) wait() *shape.Shaper {
	p.begin()
	<-p.done
	return p.sh
}

// ready is the plan when it is done, without waiting.
func (p *shaperPlan) ready() (*shape.Shaper, bool) {
	select {
	case <-p.done:
		return p.sh, true
	default:
		return nil, false
	}
}

// shaperKey names a planned shaper among a spec's derived values: every
// server on one loaded spec with the same domain spec and seed shares it.
type shaperKey struct {
	domain *specload.Spec
	seed   int64
}

// planShaper prepares planning spec's shaper in the background; begin
// starts it.
func (s *Server) planShaper(spec *specload.Spec) *shaperPlan {
	p := &shaperPlan{done: make(chan struct{})}
	p.run = func() {
		defer close(p.done)
		v, err := spec.Derived(shaperKey{s.cfg.DomainSpec, s.cfg.Seed}, func(*openapi3.T) (any, error) { return s.shaperFor(spec) })
		if err != nil {
			// Only a broken embedded spec gets here; say so where the
			// spec's other defects are listed, and translate nothing.
			s.cfg.Logger.Error("planning answer translations", "error", err)
			v = &shape.Shaper{Warning: "answers are not translated to this spec: " + err.Error()}
		}
		p.sh, _ = v.(*shape.Shaper)
	}
	return p
}

// shaperFor plans the translation between the domain's spec and spec; nil
// without the domain (every answer is generated from spec itself).
func (s *Server) shaperFor(spec *specload.Spec) (*shape.Shaper, error) {
	if !s.cfg.Domain {
		return nil, nil
	}
	domain := s.cfg.DomainSpec
	if domain == nil {
		if bytes.Equal(spec.Raw, specs.DefaultJSON) || bytes.Equal(spec.Raw, specs.Default) {
			return shape.New(shape.Spec{}, shape.Spec{}, shape.Options{}), nil
		}
		var err error
		if domain, err = embeddedDomainSpec(); err != nil {
			return nil, fmt.Errorf("domain spec: %w", err)
		}
	}
	return shape.New(shape.Spec{Doc: domain.Doc, Raw: domain.Raw}, shape.Spec{Doc: spec.Doc, Raw: spec.Raw},
		shape.Options{Generate: fakedata.Generate, Seed: s.cfg.Seed}), nil
}

// Answered is closed once the server has answered its first request.
func (s *Server) Answered() <-chan struct{} { return s.answered }

// ServeHTTP sends /__mock/... to the control plane and everything else to
// the spec router.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.Path; p == control.Prefix || strings.HasPrefix(p, control.Prefix+"/") {
		s.control.ServeHTTP(w, r)
	} else {
		s.api.ServeHTTP(w, r)
	}
	s.answeredOnce.Do(func() {
		close(s.answered)
		s.shaper.Load().begin()
	})
}

// Close stops the domain's background work (webhook deliveries). The
// server answers nothing useful afterwards.
func (s *Server) Close() {
	if s.Domain != nil {
		s.Domain.Close()
	}
}

// Router is the router currently serving.
func (s *Server) Router() *router.Router { return s.router.Load() }

// Spec is the spec currently served.
func (s *Server) Spec() *specload.Spec { return s.spec.Load() }

// BaseURL is the public base URL for r: --public-url, else http://<Host>.
func (s *Server) BaseURL(r *http.Request) string {
	if s.cfg.PublicURL != "" {
		return strings.TrimRight(s.cfg.PublicURL, "/")
	}
	return "http://" + r.Host
}

// Bootstrap is the fixed bootstrap values for a given base URL (empty
// without the domain).
func (s *Server) Bootstrap(baseURL string) map[string]any {
	if s.Domain == nil {
		return map[string]any{}
	}
	return s.Domain.BootstrapInfo(baseURL)
}

// WriteState streams the snapshot GET /__mock/state serves to w;
// ImportState loads one.
func (s *Server) WriteState(w io.Writer) error { return control.WriteState(s.deps(), w) }

// ImportState replaces the state with a snapshot from WriteState.
func (s *Server) ImportState(data []byte) error { return control.ImportState(s.deps(), data) }

func (s *Server) deps() control.Deps {
	d := control.Deps{Clock: s.Clock, Journal: s.Journal, Faults: s.Faults}
	if s.Domain != nil {
		d.Domain = httpapi.ControlModule(s.Domain)
	}
	return d
}

func (s *Server) specInfo() control.SpecInfo {
	spec := s.spec.Load()
	info := control.SpecInfo{
		Operations: len(s.router.Load().Operations()),
		Source:     spec.Source,
		OpenAPI:    spec.Version,
		Warnings:   []string{},
	}
	if spec.Doc.Info != nil {
		info.Title, info.Version = spec.Doc.Info.Title, spec.Doc.Info.Version
	}
	warnings := spec.Warnings
	if spec.Checked() {
		warnings = spec.AllWarnings()
	} else {
		info.Pending = append(info.Pending, "warnings")
	}
	for _, w := range warnings {
		info.Warnings = append(info.Warnings, w.String())
	}
	sh, ok := s.shaper.Load().ready()
	if !ok {
		info.Pending = append(info.Pending, "adaptations")
	}
	info.Adaptations = sh.Adaptations()
	if sh != nil && sh.Warning != "" {
		info.Warnings = append(info.Warnings, sh.Warning)
	}
	return info
}
