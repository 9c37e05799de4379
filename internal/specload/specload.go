// Package specload turns "a spec from somewhere" (the embedded default, a
// file, a URL, or the live service with a cache behind it) into a resolved
// kin-openapi document. Real specs carry defects, so loading is lenient:
// structural problems and examples that break their own schema become
// Warnings, and only input that is not an OpenAPI 3 document at all fails.
package specload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"gopkg.in/yaml.v3"

	"github.com/heimdall-mock/heimdall-mock/internal/atomicfile"
	"github.com/heimdall-mock/heimdall-mock/internal/lazyre"
	"github.com/heimdall-mock/heimdall-mock/internal/violation"
)

// DefaultLiveURL is where the running service publishes its spec.
const DefaultLiveURL = "https://api.auth.productcraft.co/docs-json"

// maxSpecBytes bounds what is read from a file or URL: real specs are a few
// hundred KiB, so 32 MiB only stops a runaway source.
const maxSpecBytes = 32 << 20

const cacheFile = "live-spec.json"

// Options says where the fallbacks are.
type Options struct {
	Embedded     []byte // the default spec: used for src == "" and as the last fallback of "live"
	EmbeddedName string
	// Decoded, when set, is Embedded already decoded: it returns a new
	// DecodeUnresolved(Embedded) at every call, so a start skips parsing
	// the embedded spec, most of what it waits for.
	Decoded    func() *openapi3.T
	LiveURL    string       // default DefaultLiveURL
	CacheDir   string       // default os.UserCacheDir()/heimdall-mock
	HTTPClient *http.Client // default: 10 s timeout
}

// Spec is a loaded document and what is known about it.
type Spec struct {
	Doc     *openapi3.T
	Source  string // what was used: a path, a URL, "embedded:<name>", "live (cached ...)"
	Version string // the document's openapi field
	// Warnings are notes from loading (a fallback taken, a cache not
	// written); AllWarnings adds the document's own defects.
	Warnings []Warning
	Raw      []byte

	// check finds the document's defects once, on first demand: validating
	// a multi-MB document takes longer than everything else a start does,
	// so the mock looks for them after its listener is up. A copy of the Spec
	// shares it; nil (a Spec not made by this package) checks nothing.
	check *docCheck

	// derived holds what Derived built, keyed by document and key; a copy
	// of the Spec shares it. Nil (a Spec not made by this package) caches
	// nothing.
	derived *sync.Map
}

type derivedKey struct {
	doc *openapi3.T
	key any
}

type derivedOnce struct {
	once sync.Once
	v    any
	err  error
}

// Derived returns build's result for key, calling build once per document
// and key. The document does not change once loaded, so what is compiled
// from it (a router's routes, validators) is shared by every server that
// serves this Spec instead of being built again for each.
func (s *Spec) Derived(key any, build func(*openapi3.T) (any, error)) (any, error) {
	if s.derived == nil {
		return build(s.Doc)
	}
	v, _ := s.derived.LoadOrStore(derivedKey{s.Doc, key}, &derivedOnce{})
	d := v.(*derivedOnce)
	d.once.Do(func() { d.v, d.err = build(s.Doc) })
	return d.v, d.err
}

type docCheck struct {
	once     sync.Once
	done     chan struct{}
	warnings []Warning
}

func (c *docCheck) run(doc *openapi3.T) {
	c.once.Do(func() {
		c.warnings = Check(doc)
		close(c.done)
	})
}

// AllWarnings is Warnings followed by the document's defects (Check),
// looked for at the first call; a concurrent call waits for that one.
func (s *Spec) AllWarnings() []Warning {
	if s.check == nil {
		return s.Warnings
	}
	s.check.run(s.Doc)
	return append(slices.Clip(s.Warnings), s.check.warnings...)
}

// Checked reports whether AllWarnings would return without waiting.
func (s *Spec) Checked() bool {
	if s.check == nil {
		return true
	}
	select {
	case <-s.check.done:
		return true
	default:
		return false
	}
}

// Warning is a defect found in a spec that loading tolerated.
type Warning struct {
	Pointer string `json:"pointer"` // JSON pointer to the element, "" when unknown
	Message string `json:"message"`
}

func (w Warning) String() string {
	if w.Pointer == "" {
		return w.Message
	}
	return w.Pointer + ": " + w.Message
}

// Load reads the spec named by src: "" for the embedded one, "live" for the
// service (falling back to the cache, then to the embedded spec), an http(s)
// URL, or a file path.
func Load(ctx context.Context, src string, opts Options) (*Spec, error) {
	switch {
	case src == "":
		return loadEmbedded(opts)
	case src == "live":
		return loadLive(ctx, opts)
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		data, err := fetch(ctx, opts.client(), src)
		if err != nil {
			return nil, err
		}
		return LoadData(data, src)
	default:
		data, err := readFile(src)
		if err != nil {
			return nil, err
		}
		return LoadData(data, src)
	}
}

func loadEmbedded(opts Options) (*Spec, error) {
	if len(opts.Embedded) == 0 {
		return nil, errors.New("no spec given and no embedded default spec")
	}
	name := opts.EmbeddedName
	if name == "" {
		name = "default"
	}
	var s *Spec
	var err error
	if opts.Decoded != nil {
		s, err = loadDecoded(opts.Decoded(), opts.Embedded, "embedded:"+name)
	} else {
		s, err = LoadData(opts.Embedded, "embedded:"+name)
	}
	if err != nil {
		return nil, fmt.Errorf("embedded spec: %w", err)
	}
	return s, nil
}

// loadLive prefers a fresh copy, then the last good copy, then the embedded
// spec, so the mock starts offline too; Source and Warnings say which won.
func loadLive(ctx context.Context, opts Options) (*Spec, error) {
	liveURL := opts.LiveURL
	if liveURL == "" {
		liveURL = DefaultLiveURL
	}
	data, err := fetch(ctx, opts.client(), liveURL)
	if err == nil {
		s, perr := LoadData(data, "live "+liveURL)
		if perr == nil {
			if cerr := writeCache(opts, data); cerr != nil {
				s.Warnings = append(s.Warnings, Warning{Message: "spec not cached: " + cerr.Error()})
			}
			return s, nil
		}
		err = perr
	}
	why := []Warning{{Message: "live spec unavailable: " + err.Error()}}

	if dir, derr := opts.cacheDir(); derr == nil {
		path := filepath.Join(dir, cacheFile)
		if st, serr := os.Stat(path); serr == nil {
			s, cerr := loadCache(path, st.ModTime())
			if cerr == nil {
				s.Warnings = append(why, s.Warnings...)
				return s, nil
			}
			why = append(why, Warning{Message: "cached copy " + path + " is unusable: " + cerr.Error()})
		}
	}
	s, eerr := loadEmbedded(opts)
	if eerr != nil {
		return nil, fmt.Errorf("live spec: %w; no usable cache; %w", err, eerr)
	}
	s.Source += " (live unavailable)"
	s.Warnings = append(why, s.Warnings...)
	return s, nil
}

func loadCache(path string, modified time.Time) (*Spec, error) {
	cached, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return LoadData(cached, "live (cached "+modified.UTC().Format(time.RFC3339)+")")
}

func (o Options) client() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return &http.Client{Timeout: 10 * time.Second}
}

func (o Options) cacheDir() (string, error) {
	if o.CacheDir != "" {
		return o.CacheDir, nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "heimdall-mock"), nil
}

// writeCache replaces the cached copy atomically, so a crash mid-write never
// leaves a truncated spec for the next offline start.
func writeCache(opts Options, data []byte) error {
	dir, err := opts.cacheDir()
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, cacheFile), data, 0o644)
}

func fetch(ctx context.Context, client *http.Client, rawURL string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("spec URL %q: %w", rawURL, err)
	}
	req.Header.Set("Accept", "application/json, application/yaml;q=0.9, */*;q=0.1")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", rawURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching %s: HTTP %s", rawURL, resp.Status)
	}
	return readLimited(resp.Body, rawURL)
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading spec: %w", err)
	}
	defer f.Close()
	var size int64
	if st, err := f.Stat(); err == nil {
		size = st.Size()
	}
	return readSized(f, path, size)
}

func readLimited(r io.Reader, name string) ([]byte, error) { return readSized(r, name, 0) }

// readSized is readLimited for a source of known size (0: unknown): the
// buffer is allocated once instead of doubled a dozen times, page faults
// included, which a start waits for.
func readSized(r io.Reader, name string, size int64) ([]byte, error) {
	var buf bytes.Buffer
	if size > 0 && size <= maxSpecBytes {
		buf.Grow(int(size) + bytes.MinRead) // ReadFrom wants MinRead spare to not grow
	}
	_, err := buf.ReadFrom(io.LimitReader(r, maxSpecBytes+1))
	data := buf.Bytes()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > maxSpecBytes {
		return nil, fmt.Errorf("%s: spec is larger than %d MiB", name, maxSpecBytes>>20)
	}
	return data, nil
}

// versionProbe reads only the fields that decide whether this is a document
// we can serve.
type versionProbe struct {
	OpenAPI any `json:"openapi" yaml:"openapi"`
	Swagger any `json:"swagger" yaml:"swagger"`
}

// LoadData parses data (JSON or YAML, told apart by content) named name in
// messages, resolves its local references and collects its defects. The
// Spec keeps data (its Raw, and the document's strings, are parts of it):
// data must not change afterwards.
func LoadData(data []byte, name string) (*Spec, error) {
	doc, version, err := loadPlainJSON(data)
	if err != nil {
		// Not plain JSON, or not a document the direct path can decode:
		// Probe and kin-openapi's loader give the errors every command
		// shows, with line numbers.
		if version, err = Probe(data); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if doc, err = parseDoc(data); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	return newSpec(doc, name, version, data), nil
}

// loadDecoded is LoadData for a document decoded ahead of time from data.
func loadDecoded(doc *openapi3.T, data []byte, name string) (*Spec, error) {
	version, err := checkVersion(versionProbe{OpenAPI: doc.OpenAPI})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if doc, err = resolve(doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return newSpec(doc, name, version, data), nil
}

func newSpec(doc *openapi3.T, name, version string, data []byte) *Spec {
	if doc.Paths == nil {
		doc.Paths = openapi3.NewPaths()
	}
	return &Spec{Doc: doc, Source: name, Version: version, Raw: data, derived: &sync.Map{}, check: &docCheck{done: make(chan struct{})}}
}

// Probe checks that data is a JSON or YAML document (told apart by
// content) of a supported OpenAPI version and returns the version. Its
// errors are the ones every command shows for an unreadable spec: JSON
// errors at line:column, never a YAML error for a JSON file.
func Probe(data []byte) (string, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return "", errors.New("empty spec")
	}
	var probe versionProbe
	if isJSON(data) {
		if err := json.Unmarshal(data, &probe); err != nil {
			return "", describeJSONError(data, err)
		}
	} else if err := yaml.Unmarshal(data, &probe); err != nil {
		var typeErr *yaml.TypeError
		if errors.As(err, &typeErr) {
			// Valid YAML, but a bare string or list: not a document at all.
			return "", errors.New("not an OpenAPI document: want a JSON object or a YAML mapping with an openapi field")
		}
		return "", fmt.Errorf("invalid YAML: %w", err)
	}
	return checkVersion(probe)
}

// parseDoc decodes and resolves what the direct JSON path (loadPlainJSON)
// did not take: YAML, and JSON it refuses or cannot decode. kin-openapi's
// loader reads JSON through its YAML parser and so names the line and
// JSON pointer of a wrongly typed element, e.g. "line 2: cannot unmarshal
// !!int into string field "type" in /paths/~1a/get/...".
func parseDoc(data []byte) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false // a spec from the network must not read local files
	return loader.LoadFromData(data)
}

func isJSON(data []byte) bool {
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	return len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
}

func checkVersion(p versionProbe) (string, error) {
	if p.Swagger != nil {
		return "", fmt.Errorf("swagger %v is not supported: convert it to OpenAPI 3 first", p.Swagger)
	}
	if p.OpenAPI == nil {
		return "", errors.New("not an OpenAPI document: no openapi field")
	}
	v, ok := p.OpenAPI.(string)
	if !ok {
		return "", fmt.Errorf("the openapi field must be a string like \"3.0.3\", got %v", p.OpenAPI)
	}
	if !strings.HasPrefix(v, "3.0") && !strings.HasPrefix(v, "3.1") {
		return "", fmt.Errorf("OpenAPI %s is not supported (3.0.x and 3.1.x are)", v)
	}
	return v, nil
}

// describeJSONError turns encoding/json's byte offsets into line:column,
// which is what an editor can jump to.
func describeJSONError(data []byte, err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		// Offset counts the offending byte itself; point at it, not past it.
		line, col := lineCol(data, max(syn.Offset-1, 0))
		return fmt.Errorf("invalid JSON at line %d:%d: %v", line, col, syn)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		line, col := lineCol(data, typ.Offset)
		if typ.Field == "" {
			return fmt.Errorf("invalid JSON at line %d:%d: the document must be an object, not %s", line, col, withArticle(typ.Value))
		}
		return fmt.Errorf("invalid JSON at line %d:%d: /%s must not be %s", line, col, strings.ReplaceAll(typ.Field, ".", "/"), withArticle(typ.Value))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		line, col := lineCol(data, int64(len(data)))
		return fmt.Errorf("invalid JSON at line %d:%d: unexpected end of input", line, col)
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

func withArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

func lineCol(data []byte, offset int64) (line, col int) {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	prefix := data[:offset]
	line = bytes.Count(prefix, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(prefix, '\n')
	return line, col
}

// Check lists the defects of a loaded document: what kin-openapi's validator
// reports (all of it, not just the first), plus every example that does not
// match its schema.
func Check(doc *openapi3.T) []Warning {
	// The two checks only read the document; a start waits for both.
	examples := make(chan []Warning, 1)
	go func() { examples <- checkExamples(doc) }()
	var out []Warning
	err := doc.Validate(context.Background(),
		openapi3.EnableMultiError(),
		openapi3.DisableExamplesValidation(), // checked below, with pointers
		openapi3.DisableSchemaDefaultsValidation(),
		openapi3.AllowExtraSiblingFields("description"),
	)
	if err != nil {
		var me openapi3.MultiError
		if errors.As(err, &me) {
			for _, e := range me {
				out = append(out, validationWarning(e))
			}
		} else {
			out = append(out, validationWarning(err))
		}
	}
	out = append(out, <-examples...)
	return append(out, checkEmptyAnswers(doc)...)
}

// checkEmptyAnswers lists responses whose description allows {} while their
// schema requires fields (see violation.ProseAllowsEmptyObject).
func checkEmptyAnswers(doc *openapi3.T) []Warning {
	var out []Warning
	if doc.Paths == nil {
		return nil
	}
	paths := doc.Paths.Keys()
	sort.Strings(paths)
	for _, path := range paths {
		item := doc.Paths.Value(path)
		ops := item.Operations()
		methods := make([]string, 0, len(ops))
		for m := range ops {
			methods = append(methods, m)
		}
		sort.Strings(methods)
		for _, m := range methods {
			op := ops[m]
			if op.Responses == nil {
				continue
			}
			codes := make([]string, 0, op.Responses.Len())
			for code := range op.Responses.Map() {
				codes = append(codes, code)
			}
			sort.Strings(codes)
			for _, code := range codes {
				req, ok := violation.ProseAllowsEmptyObject(op.Responses.Value(code).Value)
				if !ok {
					continue
				}
				ptr := "/paths/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(path) + "/" + strings.ToLower(m) + "/responses/" + code
				out = append(out, Warning{Pointer: ptr, Message: "the description allows an empty object {}, but the schema requires " +
					strings.Join(req, ", ") + "; the mock follows the description and answers {}"})
			}
		}
	}
	return out
}

var (
	pathPrefix = lazyre.New(`^invalid paths: invalid path (\S+): (?:invalid operation (\S+): )?`)
	opPrefix   = lazyre.New(`^invalid paths: operation ([A-Z]+) (/\S*) `)
	compPrefix = lazyre.New(`^invalid components: (schema|parameter|response|requestBody|header|securityScheme|example) "([^"]+)": `)
)

// validationWarning recovers a pointer from the error's wording where
// kin-openapi's messages name the path or component.
func validationWarning(err error) Warning {
	msg := err.Error()
	if m := pathPrefix().FindStringSubmatch(msg); m != nil {
		p := "/paths/" + escapePointer(m[1])
		if m[2] != "" {
			p += "/" + strings.ToLower(m[2])
		}
		return Warning{Pointer: p, Message: msg[len(m[0]):]}
	}
	if m := opPrefix().FindStringSubmatch(msg); m != nil {
		return Warning{Pointer: "/paths/" + escapePointer(m[2]) + "/" + strings.ToLower(m[1]), Message: strings.TrimPrefix(msg, "invalid paths: ")}
	}
	if m := compPrefix().FindStringSubmatch(msg); m != nil {
		section := map[string]string{
			"schema": "schemas", "parameter": "parameters", "response": "responses", "requestBody": "requestBodies",
			"header": "headers", "securityScheme": "securitySchemes", "example": "examples",
		}[m[1]]
		return Warning{Pointer: "/components/" + section + "/" + escapePointer(m[2]), Message: msg[len(m[0]):]}
	}
	return Warning{Message: msg}
}

func escapePointer(token string) string {
	return strings.ReplaceAll(strings.ReplaceAll(token, "~", "~0"), "/", "~1")
}
