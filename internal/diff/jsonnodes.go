package diff

import (
	"encoding/json"
	"fmt"

	yaml "go.yaml.in/yaml/v4"
)

// jsonNodes reads a JSON document into the node tree a YAML parser would
// give, with lines and columns. JSON is YAML, but the YAML scanner handles
// a large single-line or deeply nested flow document slowly (every token
// is queued and shifted while it looks for simple keys); this direct pass
// is several times faster. Columns count bytes, which differs from the
// YAML parser's characters only after non-ASCII text on the same line.
func jsonNodes(data []byte) (*yaml.Node, error) {
	p := &jsonParser{data: data, line: 1}
	p.space()
	node, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.data) {
		return nil, p.errorf("unexpected %q after the document", p.data[p.i])
	}
	return node, nil
}

type jsonParser struct {
	data      []byte
	i         int
	line      int
	lineStart int
}

const maxJSONDepth = 10000

func (p *jsonParser) errorf(format string, args ...any) error {
	return fmt.Errorf("line %d, column %d: %s", p.line, p.i-p.lineStart+1, fmt.Sprintf(format, args...))
}

func (p *jsonParser) space() {
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case '\n':
			p.line++
			p.lineStart = p.i + 1
		case ' ', '\t', '\r':
		default:
			if p.i == 0 && len(p.data) >= 3 && string(p.data[:3]) == "\ufeff" {
				p.i = 3
				continue
			}
			return
		}
		p.i++
	}
}

func (p *jsonParser) node(kind yaml.Kind) *yaml.Node {
	return &yaml.Node{Kind: kind, Line: p.line, Column: p.i - p.lineStart + 1}
}

func (p *jsonParser) value(depth int) (*yaml.Node, error) {
	if depth > maxJSONDepth {
		return nil, p.errorf("nested too deeply")
	}
	if p.i >= len(p.data) {
		return nil, p.errorf("unexpected end of the document")
	}
	switch c := p.data[p.i]; c {
	case '{':
		n := p.node(yaml.MappingNode)
		p.i++
		return n, p.elements('}', "an object", func() error {
			if p.i >= len(p.data) || p.data[p.i] != '"' {
				return p.errorf("want a quoted key")
			}
			k, err := p.str()
			if err != nil {
				return err
			}
			p.space()
			if p.i >= len(p.data) || p.data[p.i] != ':' {
				return p.errorf("want ':' after a key")
			}
			p.i++
			p.space()
			v, err := p.value(depth + 1)
			if err == nil {
				n.Content = append(n.Content, k, v)
			}
			return err
		})
	case '[':
		n := p.node(yaml.SequenceNode)
		p.i++
		return n, p.elements(']', "an array", func() error {
			v, err := p.value(depth + 1)
			if err == nil {
				n.Content = append(n.Content, v)
			}
			return err
		})
	case '"':
		return p.str()
	default:
		n := p.node(yaml.ScalarNode)
		start := p.i
		for p.i < len(p.data) {
			b := p.data[p.i]
			if b == ',' || b == '}' || b == ']' || b == ' ' || b == '\t' || b == '\r' || b == '\n' {
				break
			}
			p.i++
		}
		n.Value = string(p.data[start:p.i])
		if !json.Valid(p.data[start:p.i]) {
			return nil, p.errorf("invalid value %q", n.Value)
		}
		return n, nil
	}
}

// elements reads the comma-separated elements of an object or array up
// to its closing bracket (the opening one is read), each by one call of
// element, which starts at the element's first byte.
func (p *jsonParser) elements(closing byte, what string, element func() error) error {
	p.space()
	if p.i < len(p.data) && p.data[p.i] == closing {
		p.i++
		return nil
	}
	for {
		p.space()
		if err := element(); err != nil {
			return err
		}
		p.space()
		if p.i < len(p.data) && p.data[p.i] == ',' {
			p.i++
			continue
		}
		if p.i < len(p.data) && p.data[p.i] == closing {
			p.i++
			return nil
		}
		return p.errorf("want ',' or '%c' in %s", closing, what)
	}
}

// str reads a quoted string; only strings with escapes go through the
// standard decoder.
func (p *jsonParser) str() (*yaml.Node, error) {
	n := p.node(yaml.ScalarNode)
	n.Style = yaml.DoubleQuotedStyle
	start := p.i
	p.i++
	escaped := false
	for p.i < len(p.data) {
		switch p.data[p.i] {
		case '\\':
			escaped = true
			p.i += 2
			continue
		case '"':
			p.i++
			if !escaped {
				n.Value = string(p.data[start+1 : p.i-1])
				return n, nil
			}
			if err := json.Unmarshal(p.data[start:p.i], &n.Value); err != nil {
				return nil, p.errorf("invalid string: %v", err)
			}
			return n, nil
		case '\n':
			return nil, p.errorf("line break inside a string")
		}
		p.i++
	}
	return nil, p.errorf("unterminated string")
}
