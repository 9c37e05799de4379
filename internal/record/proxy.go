// Package record is a reverse proxy that passes traffic through to a
// Heimdall (the real service, a staging copy or a mock) and writes what it
// saw as scenario files that replay against another target.
//
// # Sessions
//
// Exchanges are grouped into sessions and each session becomes one
// scenario file. A session ends, and its file is written, when it holds
// Options.MaxExchanges exchanges, when no exchange has completed for
// Options.Idle, or when the proxy is closed (the contract command closes
// it on SIGINT and SIGTERM). Within a session the steps are in the order
// the requests arrived. Values are only carried between steps of one
// session, so a flow belongs in one session: pause longer than Idle
// between flows, not within one.
//
// # What a recording keeps
//
// Each step keeps the method, path, query, a JSON (or form, or text) body,
// the headers that shape the answer (Prefer, Content-Type of non-JSON
// bodies, ...), and expects the recorded status; replays check the rest
// against the spec. Response bodies are not written.
//
// Secrets and volatile values are rewritten so the file is safe to commit
// and replays elsewhere:
//
//   - A value the service returned (a token, an id, a code: a string of 6
//     or more characters holding a digit and no space) that a later request
//     sends back becomes a capture of the step that returned it, named
//     after its field and step: access_token_1, id_4. Values come from
//     JSON bodies and from Location headers (the whole path, and each query
//     parameter: a redirect's state or one-time code); they are replaced in
//     bearer tokens, paths, query values, header values, JSON and form
//     fields.
//   - The bootstrap values of the target (API key, app slug, app id,
//     workspace id, issuer: from the mock's /__mock/health, or from
//     $HEIMDALL_API_KEY, $HEIMDALL_APP_SLUG, ... for a real service)
//     become {{bootstrap.*}}.
//   - Passwords (JSON fields whose name holds "password") are replaced by a
//     random value made once per recording and used for the same original
//     everywhere, so a sign-up then sign-in still works.
//   - The email and username of a sign-up become {{random_username.rN}}
//     (the email keeping its domain: {{random_username.r1}}@example.com),
//     so a replay signs up a new user each run.
//   - Whatever else looks secret and is not one of the above is replaced by
//     "[redacted]": Authorization values (a bearer JWT from outside the
//     session, Basic credentials), JSON and form fields named like tokens,
//     secrets or keys. Cookies are dropped. A step that needs such a value
//     fails on replay rather than leak it.
//
// # Validation
//
// Every exchange (control-plane calls aside) is checked against the spec
// given as Options.Validator while it passes: the response, and the request
// too when the validator is a scenario.RequestValidator. Violations are
// logged and kept in Violations.
package record

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/scenario"
)

// Options configure a Proxy.
type Options struct {
	// Upstream is the service's base URL; it may carry a path prefix.
	Upstream string
	// Out is the folder scenario files are written to; it is created.
	Out string
	// Validator checks every exchange; nil checks nothing.
	Validator scenario.Validator
	// MaxExchanges ends a session; 0 means 50.
	MaxExchanges int
	// Idle ends a session after that long without an exchange; 0 means
	// 30 seconds.
	Idle time.Duration
	// Bootstrap maps bootstrap keys (api_key, app_slug, ...) to the
	// target's values; nil means: ask the upstream's /__mock/health, and
	// when it is no mock take $HEIMDALL_API_KEY, $HEIMDALL_APP_SLUG, ...
	Bootstrap map[string]string
	// Client sends the upstream requests; nil means a client with a
	// one-minute timeout. Redirects are passed back, never followed.
	Client *http.Client
	// Logf receives violations and written files; nil discards them.
	Logf func(format string, args ...any)
	// Name prefixes file and scenario names; "" means "recorded".
	Name string
}

// Violation is a recorded exchange that breaks the spec. A request
// violation may be the point of the flow (an error case sends a bad body on
// purpose); a response violation is the service's.
type Violation struct {
	Method, Path string
	Status       int
	Request      []string `json:"request,omitempty"`
	Response     []string `json:"response,omitempty"`
}

// Exchange is one request and its response as they passed.
type Exchange struct {
	seq        uint64
	Method     string
	Path       string // unescaped, without the upstream prefix
	RawQuery   string
	ReqHeader  http.Header
	ReqBody    []byte
	Status     int
	RespHeader http.Header
	RespBody   []byte
}

// Proxy is the recording reverse proxy, an http.Handler.
type Proxy struct {
	opts      Options
	upstream  *url.URL
	client    *http.Client
	bootstrap map[string]string
	passwords *Passwords

	mu         sync.Mutex
	seq        uint64
	session    []Exchange
	sessionNo  int
	idle       *time.Timer
	files      []string
	violations []Violation
	closed     bool
	flushErr   error
}

// maxBody bounds what is buffered of one request or response.
const maxBody = 32 << 20

// New checks the options, finds the bootstrap values and creates Out.
func New(ctx context.Context, opts Options) (*Proxy, error) {
	u, err := url.Parse(strings.TrimRight(opts.Upstream, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("upstream %q: want an http(s) URL with a host", opts.Upstream)
	}
	if opts.Out == "" {
		return nil, errors.New("no output folder")
	}
	if err := os.MkdirAll(opts.Out, 0o755); err != nil {
		return nil, err
	}
	if opts.MaxExchanges <= 0 {
		opts.MaxExchanges = 50
	}
	if opts.Idle <= 0 {
		opts.Idle = 30 * time.Second
	}
	if opts.Name == "" {
		opts.Name = "recorded"
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{Timeout: time.Minute}
	}
	// A redirect is part of the conversation: the client follows it, and
	// the recording shows both requests.
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	p := &Proxy{opts: opts, upstream: u, client: &c, passwords: NewPasswords()}
	p.bootstrap = opts.Bootstrap
	if p.bootstrap == nil {
		p.bootstrap = p.findBootstrap(ctx)
	}
	return p, nil
}

// bootstrapKeys are the values a scenario reads as {{bootstrap.*}}.
var bootstrapKeys = []string{"api_key", "app_slug", "app_id", "workspace_id", "issuer"}

func (p *Proxy) findBootstrap(ctx context.Context) map[string]string {
	out := map[string]string{}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.upstream.String()+"/__mock/health", nil)
	if err == nil {
		if res, err := p.client.Do(req); err == nil {
			var health struct {
				Status    string         `json:"status"`
				Bootstrap map[string]any `json:"bootstrap"`
			}
			ok := res.StatusCode == http.StatusOK && json.NewDecoder(io.LimitReader(res.Body, 1<<20)).Decode(&health) == nil && health.Status != ""
			res.Body.Close()
			if ok {
				for _, k := range bootstrapKeys {
					if s, isString := health.Bootstrap[k].(string); isString && s != "" {
						out[k] = s
					}
				}
				return out
			}
		}
	}
	for _, k := range bootstrapKeys {
		if v := os.Getenv("HEIMDALL_" + strings.ToUpper(k)); v != "" {
			out[k] = v
		}
	}
	return out
}

// hopHeaders are connection-level headers a proxy must not forward.
var hopHeaders = []string{"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.seq++
	seq := p.seq
	p.mu.Unlock()
	reqBody, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(reqBody) > maxBody {
		http.Error(w, "record: request body unreadable or larger than 32 MiB", http.StatusBadGateway)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, p.upstreamURL(r.URL), bytes.NewReader(reqBody))
	if err != nil {
		http.Error(w, "record: "+err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	for _, h := range hopHeaders {
		out.Header.Del(h)
	}
	// Let the transport negotiate compression and decompress, so the
	// recording sees plain bodies.
	out.Header.Del("Accept-Encoding")
	res, err := p.client.Do(out)
	if err != nil {
		p.opts.Logf("record: %s %s: %v", r.Method, r.URL.Path, err)
		http.Error(w, "record: upstream: "+err.Error(), http.StatusBadGateway)
		return
	}
	respBody, err := io.ReadAll(io.LimitReader(res.Body, maxBody+1))
	res.Body.Close()
	if err != nil || len(respBody) > maxBody {
		http.Error(w, "record: upstream response unreadable or larger than 32 MiB", http.StatusBadGateway)
		return
	}
	for k, vs := range res.Header {
		w.Header()[k] = vs
	}
	for _, h := range hopHeaders {
		w.Header().Del(h)
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(respBody)

	ex := Exchange{
		seq: seq, Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		ReqHeader: r.Header.Clone(), ReqBody: reqBody,
		Status: res.StatusCode, RespHeader: res.Header.Clone(), RespBody: respBody,
	}
	p.validate(r, ex)
	p.add(ex)
}

func (p *Proxy) upstreamURL(in *url.URL) string {
	u := *p.upstream
	u.Path = p.upstream.Path + in.Path
	u.RawPath = ""
	u.RawQuery = in.RawQuery
	return u.String()
}

func (p *Proxy) validate(r *http.Request, ex Exchange) {
	if p.opts.Validator == nil || isControl(ex.Path) {
		return
	}
	v := Violation{Method: ex.Method, Path: ex.Path, Status: ex.Status}
	if rv, ok := p.opts.Validator.(scenario.RequestValidator); ok {
		v.Request = rv.ValidateRequest(r, ex.ReqBody)
	}
	v.Response = p.opts.Validator.ValidateResponse(r, ex.Status, ex.RespHeader, ex.RespBody)
	if len(v.Request)+len(v.Response) == 0 {
		return
	}
	p.mu.Lock()
	p.violations = append(p.violations, v)
	p.mu.Unlock()
	for _, msg := range v.Request {
		p.opts.Logf("record: spec violation by the client: %s %s: %s", ex.Method, ex.Path, msg)
	}
	for _, msg := range v.Response {
		p.opts.Logf("record: spec violation by the service: %s %s → %d: %s", ex.Method, ex.Path, ex.Status, msg)
	}
}

func isControl(path string) bool { return path == "/__mock" || strings.HasPrefix(path, "/__mock/") }

// add appends to the session and writes it once full; the idle timer
// writes it after a pause.
func (p *Proxy) add(ex Exchange) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return
	}
	p.session = append(p.session, ex)
	if len(p.session) >= p.opts.MaxExchanges {
		p.flushLocked()
		return
	}
	if p.idle == nil {
		p.idle = time.AfterFunc(p.opts.Idle, func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.flushLocked()
		})
	} else {
		p.idle.Reset(p.opts.Idle)
	}
}

// Flush ends the current session and writes its file, if it has any
// exchange. It returns the first write error of the recording.
func (p *Proxy) Flush() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flushLocked()
	return p.flushErr
}

// Close writes the last session; exchanges completing afterwards are
// passed through but not recorded.
func (p *Proxy) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.flushLocked()
	p.closed = true
	if p.idle != nil {
		p.idle.Stop()
	}
	return p.flushErr
}

// Files lists the scenario files written so far.
func (p *Proxy) Files() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.files...)
}

// Violations lists the spec violations seen so far.
func (p *Proxy) Violations() []Violation {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Violation(nil), p.violations...)
}

func (p *Proxy) flushLocked() {
	if len(p.session) == 0 {
		return
	}
	exs := p.session
	p.session = nil
	sort.Slice(exs, func(i, j int) bool { return exs[i].seq < exs[j].seq })
	p.sessionNo++
	stamp := time.Now().UTC().Format("20060102-150405")
	name := fmt.Sprintf("%s-%s-%03d", p.opts.Name, stamp, p.sessionNo)
	data, err := Render(name, fmt.Sprintf("Recorded through %s on %s: %d exchanges.", redactedURL(p.upstream), time.Now().UTC().Format(time.RFC3339), len(exs)),
		exs, p.bootstrap, p.passwords)
	if err == nil {
		path := filepath.Join(p.opts.Out, name+".yaml")
		if err = os.WriteFile(path, data, 0o644); err == nil {
			p.files = append(p.files, path)
			p.opts.Logf("record: wrote %s (%d steps)", path, len(exs))
		}
	}
	if err != nil {
		p.opts.Logf("record: session %s: %v", name, err)
		if p.flushErr == nil {
			p.flushErr = err
		}
	}
}

func redactedURL(u *url.URL) string { return u.Redacted() }
