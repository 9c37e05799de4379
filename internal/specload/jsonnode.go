package specload

import (
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	yaml "go.yaml.in/yaml/v4"
)

// loadPlainJSON is LoadData's fast path for JSON, without a YAML parser:
// one pass turns the text into the node tree kin-openapi's decoder reads
// and gives the version too (Probe would read the whole text again, a
// tenth of a multi-MB spec's load); kin-openapi's typed decode and
// reference resolution then run as for any document. Reading JSON through
// the YAML scanner took most of a start-up, and kin-openapi's own JSON
// path decodes every level twice (once for the fields, once for the
// extensions). The nodes carry no positions: any error sends the caller
// down the general path, which words it with line numbers.
func loadPlainJSON(data []byte) (*openapi3.T, string, error) {
	if !isJSON(data) {
		return nil, "", errNotPlainJSON
	}
	root, err := jsonNodes(data)
	if err != nil {
		return nil, "", err
	}
	var openapi *yaml.Node
	for i := 0; root.Kind == yaml.MappingNode && i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "swagger":
			return nil, "", errNotPlainJSON // Probe words the refusal
		case "openapi":
			openapi = root.Content[i+1]
		}
	}
	if openapi == nil || openapi.Kind != yaml.ScalarNode || openapi.Tag != "!!str" {
		return nil, "", errNotPlainJSON
	}
	version, err := checkVersion(versionProbe{OpenAPI: openapi.Value})
	if err != nil {
		return nil, "", err
	}
	doc, err := decodeNodes(root)
	if err != nil {
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
	root, err := jsonNodes(data)
	if err != nil {
		return nil, err
	}
	return decodeSplit(root)
}

// decodeNodes decodes a document from jsonNodes' tree and resolves its
// references.
func decodeNodes(root *yaml.Node) (*openapi3.T, error) {
	doc, err := decodeSplit(root)
	if err != nil {
		return nil, err
	}
	return resolve(doc)
}

// resolve resolves a freshly decoded document's local references.
func resolve(doc *openapi3.T) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false // a spec from the network must not read local files
	if err := loader.ResolveRefsIn(doc, nil); err != nil {
		return nil, err
	}
	return doc, nil
}

// decodeSplit decodes the paths and the components, nearly all of a
// document, on their own goroutines while the rest decodes: the typed
// decode is what a start waits for, and it parallelises cleanly since the
// three parts share nothing until references are resolved.
func decodeSplit(root *yaml.Node) (*openapi3.T, error) {
	if root.Kind != yaml.MappingNode {
		return nil, errNotPlainJSON
	}
	rest := *root
	rest.Content = nil
	var pathsNode, componentsNode *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		switch root.Content[i].Value {
		case "paths":
			pathsNode = root.Content[i+1]
		case "components":
			componentsNode = root.Content[i+1]
		default:
			rest.Content = append(rest.Content, root.Content[i], root.Content[i+1])
		}
	}
	if pathsNode == nil || componentsNode == nil || pathsNode.Kind != yaml.MappingNode || componentsNode.Kind != yaml.MappingNode {
		doc := &openapi3.T{}
		return doc, root.Decode(doc)
	}
	var (
		wg                 sync.WaitGroup
		paths              openapi3.Paths
		components         openapi3.Components
		pathsErr, compsErr error
	)
	wg.Add(2)
	go func() { defer wg.Done(); pathsErr = pathsNode.Decode(&paths) }()
	go func() { defer wg.Done(); compsErr = componentsNode.Decode(&components) }()
	doc := &openapi3.T{}
	err := rest.Decode(doc)
	wg.Wait()
	if err = errors.Join(err, pathsErr, compsErr); err != nil {
		return nil, err
	}
	doc.Paths, doc.Components = &paths, &components
	return doc, nil
}

var errNotPlainJSON = errors.New("not plain JSON")

// jsonNodes parses one JSON value into yaml nodes. It refuses, rather than
// guesses, whatever the YAML path treats specially (a duplicate key, a
// number beyond float64), so those still get that path's handling.
func jsonNodes(data []byte) (*yaml.Node, error) {
	p := jsonParser{data: data}
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
	slab []yaml.Node
}

// nodeSlab is how many nodes are allocated at once: a spec has tens of
// thousands, and one allocation each was a third of parsing it.
const nodeSlab = 256

// node places n in the current slab. The tree lives only until it is
// decoded, so a slab kept alive by one node costs nothing that matters.
func (p *jsonParser) node(n yaml.Node) *yaml.Node {
	if len(p.slab) == 0 {
		p.slab = make([]yaml.Node, nodeSlab)
	}
	out := &p.slab[0]
	*out = n
	p.slab = p.slab[1:]
	return out
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
		v, err := p.value(depth + 1)
		if err != nil {
			return nil, err
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
