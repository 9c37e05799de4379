package scenario

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Target is what scenarios run against.
type Target interface {
	// Do sends a request whose URL holds only the path and query; the
	// target supplies scheme and host.
	Do(ctx context.Context, req *http.Request) (*http.Response, error)
	// Reset returns a mock to its start state; on anything else it does
	// nothing.
	Reset(ctx context.Context) error
	Name() string
}

// controlPrefix is where a heimdall-mock serves its control plane.
const controlPrefix = "/__mock"

// HTTPTarget runs scenarios against a service over HTTP: a mock started
// elsewhere, a staging or the real service. baseURL may carry a path
// prefix. client nil means http.DefaultClient.
func HTTPTarget(baseURL string, client *http.Client) Target {
	if client == nil {
		client = &http.Client{}
	}
	// A scenario asserts on redirects themselves (302 from authorize, 303
	// from a callback), so they are never followed; the in-process target
	// behaves the same way.
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	client = &c
	base, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err == nil && (base.Scheme != "http" && base.Scheme != "https" || base.Host == "") {
		err = fmt.Errorf("want an http(s) URL with a host")
	}
	t := &httpTarget{base: base, client: client, name: baseURL}
	if err == nil {
		t.name = base.Redacted() // a password in the URL stays out of reports
	}
	if err != nil {
		t.err = fmt.Errorf("target %q: %v", baseURL, err)
	}
	return t
}

type httpTarget struct {
	base   *url.URL
	client *http.Client
	name   string
	err    error // a bad base URL, reported on first use
	mock   mockProbe
}

func (t *httpTarget) Name() string { return t.name }

func (t *httpTarget) Do(ctx context.Context, req *http.Request) (*http.Response, error) {
	if t.err != nil {
		return nil, t.err
	}
	out := req.Clone(ctx)
	u := *t.base
	u.Path = t.base.Path + req.URL.Path
	u.RawPath = ""
	u.RawQuery = req.URL.RawQuery
	out.URL = &u
	out.Host = ""
	out.RequestURI = ""
	return t.client.Do(out)
}

func (t *httpTarget) Reset(ctx context.Context) error { return t.mock.reset(ctx, t) }

// HandlerTarget runs scenarios in process: each request goes straight to
// h.ServeHTTP with an in-memory response writer, no sockets involved.
// Requests carry Host "mock.localhost" (a loopback name, which the control
// plane accepts), so a mock issues tokens for
// http://mock.localhost/<slug>.
func HandlerTarget(h http.Handler) Target { return &handlerTarget{h: h} }

type handlerTarget struct {
	h    http.Handler
	mock mockProbe
}

// handlerHost is the Host of in-process requests.
const handlerHost = "mock.localhost"

// goClientAgent is the User-Agent net/http's client sends by default.
const goClientAgent = "Go-http-client/1.1"

func (t *handlerTarget) Name() string { return "in-process" }

func (t *handlerTarget) Reset(ctx context.Context) error { return t.mock.reset(ctx, t) }

func (t *handlerTarget) Do(ctx context.Context, req *http.Request) (res *http.Response, err error) {
	in := req.Clone(ctx)
	u := *req.URL
	u.Scheme, u.Host = "http", handlerHost
	in.URL = &u
	in.Host = handlerHost
	in.RequestURI = u.RequestURI()
	in.RemoteAddr = "127.0.0.1:1"
	if in.Body == nil {
		in.Body = http.NoBody
	}
	if _, set := in.Header["User-Agent"]; !set {
		// What net/http sends, so a session the mock stores looks the
		// same in-process and over HTTP, and drift compares services.
		in.Header.Set("User-Agent", goClientAgent)
	}
	rec := &recorder{header: http.Header{}}
	defer func() {
		// A handler aborts with http.ErrAbortHandler to drop the
		// connection (an injected fault): to the client that is an error.
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				res, err = nil, fmt.Errorf("%s %s: connection dropped by the server", req.Method, req.URL.Path)
				return
			}
			res, err = nil, fmt.Errorf("%s %s: handler panicked: %v", req.Method, req.URL.Path, p)
		}
	}()
	t.h.ServeHTTP(rec, in)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return rec.response(in), nil
}

// recorder is a minimal in-memory http.ResponseWriter.
type recorder struct {
	header      http.Header
	status      int
	body        bytes.Buffer
	wroteHeader bool
	snapshot    http.Header // header as of WriteHeader, as a real server sends it
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.wroteHeader {
		return
	}
	r.wroteHeader, r.status = true, status
	r.snapshot = r.header.Clone()
}

func (r *recorder) Write(p []byte) (int, error) {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	return r.body.Write(p)
}

func (r *recorder) Flush() {}

func (r *recorder) response(req *http.Request) *http.Response {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	return &http.Response{
		Status:        fmt.Sprintf("%d %s", r.status, http.StatusText(r.status)),
		StatusCode:    r.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        r.snapshot,
		Body:          io.NopCloser(bytes.NewReader(r.body.Bytes())),
		ContentLength: int64(r.body.Len()),
		Request:       req,
	}
}

// mockProbe finds out whether a target is a heimdall-mock (its
// /__mock/health answers) and remembers the bootstrap values it lists. A
// probe that fails to get an answer is retried on the next call rather than
// remembered, so one network hiccup does not fail every later scenario.
type mockProbe struct {
	mu        sync.Mutex
	done      bool
	isMock    bool
	bootstrap map[string]any
}

func (p *mockProbe) probe(ctx context.Context, t Target) (isMock bool, bootstrap map[string]any, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return p.isMock, p.bootstrap, nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, controlPrefix+"/health", nil)
	if err != nil {
		return false, nil, err
	}
	res, err := t.Do(ctx, req)
	if err != nil {
		return false, nil, fmt.Errorf("probe %s: %w", t.Name(), err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	p.done = true
	if res.StatusCode != http.StatusOK {
		return false, nil, nil // not a mock: a real service has no control plane
	}
	var health struct {
		Status    string         `json:"status"`
		Bootstrap map[string]any `json:"bootstrap"`
	}
	if json.Unmarshal(raw, &health) != nil || health.Status == "" {
		return false, nil, nil
	}
	p.isMock, p.bootstrap = true, health.Bootstrap
	return p.isMock, p.bootstrap, nil
}

func (p *mockProbe) reset(ctx context.Context, t Target) error {
	isMock, _, err := p.probe(ctx, t)
	if err != nil || !isMock {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, controlPrefix+"/reset", nil)
	if err != nil {
		return err
	}
	res, err := t.Do(ctx, req)
	if err != nil {
		return fmt.Errorf("reset %s: %w", t.Name(), err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode >= 300 {
		return fmt.Errorf("reset %s: status %d", t.Name(), res.StatusCode)
	}
	return nil
}

// probeTarget says whether t is a heimdall-mock and returns its bootstrap
// values, probing it once per target of this package's making.
func probeTarget(ctx context.Context, t Target) (isMock bool, bootstrap map[string]any, err error) {
	var p *mockProbe
	switch x := t.(type) {
	case *pooledTarget:
		return probeTarget(ctx, x.Target)
	case *httpTarget:
		p = &x.mock
	case *handlerTarget:
		p = &x.mock
	default:
		// A Target of someone else's making: probe it afresh each run.
		p = &mockProbe{}
	}
	return p.probe(ctx, t)
}
