package specload

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	yaml "go.yaml.in/yaml/v4"
)

// loadPlainJSON is LoadData's fast path for JSON, without a YAML parser:
// the direct decoder (decodeDirect) reads the text straight into
// kin-openapi's types and gives the version too (Probe would read the
// whole text again, a tenth of a multi-MB spec's load); reference
// resolution then runs as for any document. Reading JSON through the
// YAML scanner took most of a start-up, and kin-openapi's own JSON path
// decodes every level twice (once for the fields, once for the
// extensions). Nothing here carries positions: any error sends the
// caller down the general path, which words it with line numbers.
func loadPlainJSON(data []byte) (*openapi3.T, string, error) {
	if !isJSON(data) {
		return nil, "", errNotPlainJSON
	}
	doc, res, err := decodeDirect(data)
	if err != nil {
		return nil, "", err
	}
	if res.swagger || !res.openapiString {
		return nil, "", errNotPlainJSON // Probe words the refusal
	}
	version, err := checkVersion(versionProbe{OpenAPI: doc.OpenAPI})
	if err != nil {
		return nil, "", err
	}
	if doc, err = resolve(doc); err != nil {
		return nil, "", err
	}
	return doc, version, nil
}

// DecodeUnresolved decodes a plain JSON document as LoadData's direct path
// does, without resolving its references: what internal/docgen writes the
// embedded default from, and what Options.Decoded returns.
func DecodeUnresolved(data []byte) (*openapi3.T, error) {
	if !isJSON(data) {
		return nil, errNotPlainJSON
	}
	doc, _, err := decodeDirect(data)
	return doc, err
}

// decodeSplit decodes the paths and the components, nearly all of a
// document, on their own goroutines while the rest decodes: the typed
// decode is what a start waits for, and it parallelises cleanly since the
// three parts share nothing until references are resolved.
//
// lazy, when set, has the objects the top-level parse left in the text,
// which root holds empty placeholders for: their members are parsed and
// decoded one at a time (see lazyObject.each).
func decodeSplit(root *yaml.Node, lazy *lazyObjects) (*openapi3.T, error) {
	if root.Kind != yaml.MappingNode {
		return nil, errNotPlainJSON
	}
	rest := *root
	rest.Content = nil
	var (
		wg                 sync.WaitGroup
		pathsOut           *openapi3.Paths
		components         *openapi3.Components
		pathsErr, compsErr error
	)
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch {
		case k.Value == "paths" && lazy != nil && lazy.paths != nil:
			wg.Go(func() { pathsOut, pathsErr = decodePaths(lazy.paths) })
		case k.Value == "paths" && v.Kind == yaml.MappingNode:
			wg.Go(func() { pathsOut = &openapi3.Paths{}; pathsErr = v.Decode(pathsOut) })
		case k.Value == "components" && v.Kind == yaml.MappingNode:
			wg.Go(func() {
				components = &openapi3.Components{}
				if compsErr = v.Decode(components); compsErr != nil || lazy == nil || lazy.schemas == nil {
					return
				}
				if components.Schemas == nil {
					compsErr = errNotPlainJSON
					return
				}
				compsErr = decodeSchemas(lazy.schemas, components.Schemas)
			})
		default:
			rest.Content = append(rest.Content, k, v)
		}
	}
	doc := &openapi3.T{}
	err := rest.Decode(doc)
	wg.Wait()
	if err = errors.Join(err, pathsErr, compsErr); err != nil {
		return nil, err
	}
	if pathsOut != nil {
		doc.Paths = pathsOut
	}
	if components != nil {
		doc.Components = components
	}
	return doc, nil
}

// lazyObject is an object left in the text by the top-level parse: from is
// where it starts, to just past its end.
type lazyObject struct {
	data     []byte
	from, to int
}

// each parses the object's members one at a time and hands each to f. The
// nodes of a member are made again in the same memory for the next one
// unless keep says the member's must stay: the node tree of a whole
// document is megabytes of memory touched once, and fresh memory is much
// of what a start waits for. A duplicate key is refused, as jsonNodes
// refuses it.
func (l *lazyObject) each(keep func(key string) bool, f func(key string, v *yaml.Node) error) error {
	p := jsonParser{data: l.data, pos: l.from}
	if p.pos >= len(p.data) || p.data[p.pos] != '{' {
		return errNotPlainJSON
	}
	p.pos++
	seen := map[string]struct{}{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
	} else {
		for done := false; !done; {
			p.skipSpace()
			if p.pos >= len(p.data) || p.data[p.pos] != '"' {
				return errNotPlainJSON
			}
			key, err := p.str()
			if err != nil {
				return err
			}
			if _, dup := seen[key]; dup {
				return errNotPlainJSON
			}
			seen[key] = struct{}{}
			p.skipSpace()
			if p.pos >= len(p.data) || p.data[p.pos] != ':' {
				return errNotPlainJSON
			}
			p.pos++
			mark := p.mark()
			v, err := p.value(1)
			if err != nil {
				return err
			}
			if err := f(key, v); err != nil {
				return err
			}
			if keep == nil || !keep(key) {
				p.release(mark) // nothing decoded points into the nodes
			}
			if done, err = p.separator('}'); err != nil {
				return err
			}
		}
	}
	if p.pos != l.to {
		return errNotPlainJSON
	}
	return nil
}

// decodePaths decodes a paths object left in the text. What kin-openapi's
// Paths decoder does per entry is done here per entry; the extensions go
// through it.
func decodePaths(l *lazyObject) (*openapi3.Paths, error) {
	ext := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	items := map[string]*openapi3.PathItem{}
	isExt := func(key string) bool { return strings.HasPrefix(key, "x-") }
	err := l.each(isExt, func(key string, v *yaml.Node) error {
		if isExt(key) {
			ext.Content = append(ext.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Style: yaml.DoubleQuotedStyle}, v)
			return nil
		}
		item := &openapi3.PathItem{}
		if err := v.Decode(item); err != nil {
			return err
		}
		items[key] = item
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &openapi3.Paths{}
	if err := ext.Decode(out); err != nil {
		return nil, err
	}
	for k, v := range items {
		out.Set(k, v)
	}
	return out, nil
}

// decodeSchemas adds the component schemas left in the text to schemas,
// each decoded as the decoder of the components object decodes it.
func decodeSchemas(l *lazyObject, schemas openapi3.Schemas) error {
	return l.each(nil, func(key string, v *yaml.Node) error {
		if v.Kind != yaml.MappingNode {
			return errNotPlainJSON // a null or a boolean schema: the decoder's own business
		}
		ref := &openapi3.SchemaRef{}
		if err := v.Decode(ref); err != nil {
			return err
		}
		schemas[key] = ref
		return nil
	})
}

var errNotPlainJSON = errors.New("not plain JSON")

// lazyObjects are the objects jsonDocNodes leaves in the text: the paths
// and the component schemas, most of a document; nil when absent.
type lazyObjects struct {
	paths, schemas *lazyObject
}

// jsonDocNodes is jsonNodes for a whole document, leaving the paths and
// the component schemas in the text for decodeSplit.
func jsonDocNodes(data []byte) (*yaml.Node, *lazyObjects, error) {
	p := jsonParser{data: data, lazy: &lazyObjects{}}
	n, err := p.parse()
	if err != nil {
		return nil, nil, err
	}
	return n, p.lazy, nil
}

// jsonNodes parses one JSON value into yaml nodes. It refuses, rather than
// guesses, whatever the YAML path treats specially (a duplicate key, a
// number beyond float64), so those still get that path's handling.
func jsonNodes(data []byte) (*yaml.Node, error) {
	p := jsonParser{data: data}
	return p.parse()
}

func (p *jsonParser) parse() (*yaml.Node, error) {
	p.skipSpace()
	if p.pos+3 <= len(p.data) && string(p.data[p.pos:p.pos+3]) == "\ufeff" {
		p.pos += 3
	}
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return nil, errNotPlainJSON
	}
	return n, nil
}

type jsonParser struct {
	data []byte
	pos  int
	// slabs hold the nodes, nodeSlab at a time; the next one goes to
	// slabs[slab][used].
	slabs      [][]yaml.Node
	slab, used int
	// lazy, when set, has the paths and the component schemas skipped
	// and records where they are; inComponents: the top-level components
	// object is being parsed.
	lazy         *lazyObjects
	inComponents bool
}

// nodeSlab is how many nodes are allocated at once: a spec has tens of
// thousands, and one allocation each was a third of parsing it.
const nodeSlab = 256

// node places n in the current slab. The tree lives only until it is
// decoded, so a slab kept alive by one node costs nothing that matters.
func (p *jsonParser) node(n yaml.Node) *yaml.Node {
	if p.slab == len(p.slabs) {
		p.slabs = append(p.slabs, make([]yaml.Node, nodeSlab))
	}
	out := &p.slabs[p.slab][p.used]
	*out = n
	if p.used++; p.used == nodeSlab {
		p.slab, p.used = p.slab+1, 0
	}
	return out
}

// mark and release let the nodes made after mark be made again in the
// same memory, once nothing refers to them.
func (p *jsonParser) mark() [2]int { return [2]int{p.slab, p.used} }

func (p *jsonParser) release(m [2]int) { p.slab, p.used = m[0], m[1] }

// leave says where to record the object that follows key at depth when
// it is one the parse leaves in the text; nil to parse it.
func (p *jsonParser) leave(depth int, key string) **lazyObject {
	p.skipSpace()
	if p.lazy == nil || p.pos >= len(p.data) || p.data[p.pos] != '{' {
		return nil
	}
	switch {
	case depth == 0 && key == "paths":
		return &p.lazy.paths
	case depth == 1 && key == "schemas" && p.inComponents:
		return &p.lazy.schemas
	}
	return nil
}

// skipObject moves past the object at p.pos without making nodes; the
// parse that reads it later checks it in full.
func (p *jsonParser) skipObject() error {
	depth := 0
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case '"':
			p.pos++
			for p.pos < len(p.data) && p.data[p.pos] != '"' {
				if p.data[p.pos] == '\\' {
					p.pos++
				}
				p.pos++
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				p.pos++
				return nil
			}
		}
		p.pos++
	}
	return errNotPlainJSON
}

// maxNodeDepth matches what a decoder can recurse into safely.
const maxNodeDepth = 10000

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\r', '\n':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (*yaml.Node, error) {
	if depth > maxNodeDepth {
		return nil, errNotPlainJSON
	}
	p.skipSpace()
	if p.pos >= len(p.data) {
		return nil, errNotPlainJSON
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return p.node(yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Style: yaml.DoubleQuotedStyle}), nil
	case c == 't':
		return p.literal("true", "!!bool")
	case c == 'f':
		return p.literal("false", "!!bool")
	case c == 'n':
		return p.literal("null", "!!null")
	default:
		return p.number()
	}
}

func (p *jsonParser) object(depth int) (*yaml.Node, error) {
	p.pos++ // {
	n := p.node(yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"})
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return n, nil
	}
	var seen map[string]struct{}
	for {
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, errNotPlainJSON
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		// A duplicate key is an error to YAML and last-wins to JSON;
		// kin-openapi's loader decides, on the slow path.
		if len(n.Content) >= 16 {
			if seen == nil {
				seen = make(map[string]struct{}, len(n.Content))
				for i := 0; i < len(n.Content); i += 2 {
					seen[n.Content[i].Value] = struct{}{}
				}
			}
			if _, dup := seen[key]; dup {
				return nil, errNotPlainJSON
			}
			seen[key] = struct{}{}
		} else {
			for i := 0; i < len(n.Content); i += 2 {
				if n.Content[i].Value == key {
					return nil, errNotPlainJSON
				}
			}
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, errNotPlainJSON
		}
		p.pos++
		var v *yaml.Node
		if lazy := p.leave(depth, key); lazy != nil {
			*lazy = &lazyObject{data: p.data, from: p.pos}
			if err := p.skipObject(); err != nil {
				return nil, err
			}
			(*lazy).to = p.pos
			v = p.node(yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}) // a placeholder
		} else {
			p.inComponents = p.lazy != nil && depth == 0 && key == "components"
			v, err = p.value(depth + 1)
			p.inComponents = false
			if err != nil {
				return nil, err
			}
		}
		n.Content = append(n.Content, p.node(yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Style: yaml.DoubleQuotedStyle}), v)
		if done, err := p.separator('}'); done || err != nil {
			return n, err
		}
	}
}

func (p *jsonParser) array(depth int) (*yaml.Node, error) {
	p.pos++ // [
	n := p.node(yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"})
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return n, nil
	}
	for {
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.Content = append(n.Content, v)
		if done, err := p.separator(']'); done || err != nil {
			return n, err
		}
	}
}

// separator reads what follows a member or an element: a comma (more
// follow) or the closing bracket (done).
func (p *jsonParser) separator(closing byte) (done bool, err error) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return false, errNotPlainJSON
	}
	switch p.data[p.pos] {
	case ',':
		p.pos++
		return false, nil
	case closing:
		p.pos++
		return true, nil
	}
	return false, errNotPlainJSON
}

// str reads a string; only one holding an escape goes through
// encoding/json, which knows JSON's escapes and surrogate pairs.
func (p *jsonParser) str() (string, error) {
	start := p.pos
	p.pos++ // "
	escaped := false
	for p.pos < len(p.data) {
		switch c := p.data[p.pos]; {
		case c == '\\':
			escaped = true
			p.pos += 2
			continue
		case c == '"':
			p.pos++
			if !escaped {
				return string(p.data[start+1 : p.pos-1]), nil
			}
			var s string
			if err := json.Unmarshal(p.data[start:p.pos], &s); err != nil {
				return "", errNotPlainJSON
			}
			return s, nil
		case c < 0x20:
			return "", errNotPlainJSON
		}
		p.pos++
	}
	return "", errNotPlainJSON
}

func (p *jsonParser) literal(word, tag string) (*yaml.Node, error) {
	if p.pos+len(word) > len(p.data) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return nil, errNotPlainJSON
	}
	p.pos += len(word)
	return p.node(yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: word}), nil
}

func (p *jsonParser) number() (*yaml.Node, error) {
	start := p.pos
	integer := true
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		if c >= '0' && c <= '9' || c == '-' {
			p.pos++
			continue
		}
		if c == '.' || c == 'e' || c == 'E' || c == '+' {
			integer = false
			p.pos++
			continue
		}
		break
	}
	text := string(p.data[start:p.pos])
	if text == "" || !json.Valid(p.data[start:p.pos]) {
		return nil, errNotPlainJSON
	}
	if integer {
		if _, err := strconv.ParseInt(text, 10, 64); err == nil {
			return p.node(yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: text}), nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, errNotPlainJSON
	}
	return p.node(yaml.Node{Kind: yaml.ScalarNode, Tag: "!!float", Value: text}), nil
}
