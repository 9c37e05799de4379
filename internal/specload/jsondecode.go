package specload

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/getkin/kin-openapi/openapi3"
	yaml "go.yaml.in/yaml/v4"
)

// The direct decoder reads a JSON document straight into kin-openapi's
// types. Building a yaml node tree and handing it to kin-openapi's
// UnmarshalYAML methods (decodeViaNodes in the tests, which this replaces) spent a
// third of a start in reflection: every object is decoded field by field
// through reflect, its keys walked again for the extensions and again for
// the checks on declared fields, its any-typed fields walked again to
// widen numbers, and its node slice copied by the merge-key logic.
//
// It must give exactly what that path gives, so it decodes only what it
// fully understands and leaves the rest to it: anything odd (a value of
// an unexpected type, a boolean schema, a $ref with siblings, a number
// the YAML resolver reads otherwise than JSON does, ...) makes the
// nearest enclosing kin-openapi object be decoded from nodes, as before
// (fromNodes). What the node parse refuses (a duplicate key, a number
// beyond float64, bad syntax) is refused here with errNotPlainJSON too,
// so the general path still handles those documents.
//
// The rules mirrored here, from kin-openapi's UnmarshalYAML methods and
// the yaml decoder they call:
//
//   - an object with declared fields (decodeMapping) puts every key it
//     does not declare, x- or not, in Extensions, nil when there is none;
//   - a map-like object (Paths, Responses, Callback) puts its x- keys in
//     Extensions, a map even when empty, and every other key in its
//     entries; a null entry is an empty value, not nil;
//   - a reference wrapper is a reference when its $ref is a non-empty
//     string; its siblings then go to unexported fields, which only
//     kin-openapi can set, so a reference with siblings other than the
//     summary and description it declares is left to it;
//   - a value in an any-typed field or an extension is the JSON value
//     with every number a float64;
//   - null leaves a field at its zero value, and is a nil entry in a map
//     or a list of references;
//   - a JSON array or object always gives a non-nil slice or map, even
//     when empty.

// errFallback says a value is one the direct decoder leaves to the node
// decode. It never leaves this file: the nearest fromNodes boundary takes
// it.
var errFallback = errors.New("specload: decode this value from nodes")

// directResult is what decodeDirect learns about the document besides
// the document itself.
type directResult struct {
	// openapiString: the openapi field is present and a string, and
	// swagger: there is a top-level swagger field, which loadPlainJSON
	// needs to know without a node tree.
	openapiString, swagger bool
	// fallbacks counts the values decoded from nodes.
	fallbacks int
}

// decodeDirect decodes a JSON document, references unresolved.
func decodeDirect(data []byte) (*openapi3.T, directResult, error) {
	d := newDecoder(data)
	d.skipSpace()
	if d.pos+3 <= len(d.data) && d.src[d.pos:d.pos+3] == "\ufeff" {
		d.pos += 3
	}
	d.skipSpace()
	if d.peek() != '{' {
		// Not an object (or not JSON): nothing to decode directly; the
		// node parse says which.
		return nil, directResult{}, errNotPlainJSON
	}
	doc, err := decodeT(d)
	if errors.Is(err, errFallback) {
		// The document object itself is odd: all of it the old way, its
		// top-level fields read from the same parse.
		res := directResult{fallbacks: 1}
		root, lazy, err := jsonDocNodes(data)
		if err != nil {
			return nil, res, err
		}
		for i := 0; root.Kind == yaml.MappingNode && i+1 < len(root.Content); i += 2 {
			switch root.Content[i].Value {
			case "swagger":
				res.swagger = true
			case "openapi":
				res.openapiString = root.Content[i+1].Tag == "!!str"
			}
		}
		if doc, err = decodeSplit(root, lazy); err != nil {
			return nil, res, err
		}
		return doc, res, nil
	}
	if err != nil {
		return nil, d.res, err
	}
	d.skipSpace()
	if d.pos != len(d.data) {
		return nil, d.res, errNotPlainJSON
	}
	return doc, d.res, nil
}

// decoder reads JSON tokens from data.
type decoder struct {
	data []byte
	// src is data as a string: every string decoded is a slice of it
	// rather than an allocation of its own. The document holds most of
	// the text anyway, and a spec's strings were a large part of the
	// allocations a start waits for.
	src string
	pos int
	// depth counts the containers around the value at pos; the node
	// parse refuses a value deeper than maxNodeDepth, and so does this.
	depth int
	// keys holds the keys read so far of the objects being read,
	// outermost first, to refuse a duplicate as the node parse does.
	keys []string
	// nodes parses what is decoded from nodes, its memory reused from
	// one fallback to the next.
	nodes jsonParser
	res   directResult
	// err is how a part decoded on a goroutine of its own ended.
	err error
}

func newDecoder(data []byte) *decoder {
	// src shares data's memory instead of copying it: a copy was a spec's
	// size in fresh pages at every start. The loaders own data (read from
	// a file or the network) and never change it; LoadData's callers are
	// told not to.
	src := unsafe.String(unsafe.SliceData(data), len(data))
	return &decoder{data: data, src: src, keys: make([]string, 0, 64), nodes: jsonParser{data: data}}
}

// at returns a decoder for the same text positioned at pos, for decoding
// a part of the document on another goroutine.
func (d *decoder) at(pos, depth int) *decoder {
	return &decoder{data: d.data, src: d.src, pos: pos, depth: depth, keys: make([]string, 0, 64), nodes: jsonParser{data: d.data}}
}

func (d *decoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\r', '\n':
			d.pos++
		default:
			return
		}
	}
}

// peek returns the byte at pos, 0 at the end.
func (d *decoder) peek() byte {
	if d.pos < len(d.data) {
		return d.data[d.pos]
	}
	return 0
}

// parts decodes the paths and the components, nearly all of a document,
// on goroutines of their own while the rest decodes: the decode is much
// of what a start waits for, and the parts share nothing until
// references are resolved.
type parts struct {
	wg   sync.WaitGroup
	subs []*decoder
}

// decode skips the object at pos and has f decode it on a goroutine,
// with a decoder of its own starting there.
func (ps *parts) decode(d *decoder, f func(*decoder) error) error {
	p := jsonParser{data: d.data, pos: d.pos}
	if err := p.skipObject(); err != nil {
		return err
	}
	sub := d.at(d.pos, d.depth)
	end := p.pos
	d.pos = end
	ps.subs = append(ps.subs, sub)
	ps.wg.Go(func() {
		sub.err = f(sub)
		if sub.err == nil && sub.pos != end {
			sub.err = errNotPlainJSON // the skip and the decode disagree on where it ends
		}
	})
	return nil
}

// wait waits for the parts, always (they write into the document), and
// returns the first error.
func (ps *parts) wait(d *decoder) error {
	ps.wg.Wait()
	var err error
	for _, sub := range ps.subs {
		d.res.fallbacks += sub.res.fallbacks
		if err == nil {
			err = sub.err
		}
	}
	return err
}

// fromNodes decodes the value at start the way decodeViaNodes decodes
// it: parsed into nodes, decoded into out by kin-openapi. out is where
// the node decode would put the value: a pointer field, a map entry or a
// list element, which differ in what null and a failed decode leave.
func fromNodes[T any](d *decoder, start int, out *T) error {
	d.res.fallbacks++
	d.pos = start
	p := &d.nodes
	p.pos = start
	mark := p.mark()
	n, err := p.value(d.depth)
	if err != nil {
		return err
	}
	d.pos = p.pos
	err = n.Decode(out)
	p.release(mark) // the decoded values keep no node
	return err
}

// boundary runs dec for the value at pos, and decodes that value from
// nodes into out instead if dec leaves it (errFallback). Whatever dec
// set is dropped then: out is set only by the winner.
func boundary[T any](d *decoder, out *T, dec func(*decoder) (T, error)) error {
	start, keys, depth := d.pos, len(d.keys), d.depth
	v, err := dec(d)
	if err == nil {
		*out = v
		return nil
	}
	if !errors.Is(err, errFallback) {
		return err
	}
	d.keys, d.depth = d.keys[:keys], depth
	return fromNodes(d, start, out)
}

// object decodes the value at a pointer slot (a field, a map entry, a
// list element) of a type with an UnmarshalYAML of its own: null leaves
// it nil, an object goes to dec, anything else is the node decode's.
func object[T any](d *decoder, dst **T, dec func(*decoder) (*T, error)) error {
	switch d.peek() {
	case 'n':
		return d.literal("null")
	case '{':
		return boundary(d, dst, dec)
	}
	return fromNodes(d, d.pos, dst)
}

// entry decodes an entry of a map-like object (Paths, Responses,
// Callback): kin-openapi decodes each into a value, not a pointer, so
// null is an empty value there.
func entry[T any](d *decoder, dec func(*decoder) (*T, error)) (*T, error) {
	if d.peek() == '{' {
		var out *T
		err := boundary(d, &out, dec)
		return out, err
	}
	var v T
	err := fromNodes(d, d.pos, &v)
	return &v, err
}

// opening reads a container field's null (null is true: the field stays
// as it is, as in the node decode) or checks that its value opens with
// open; any other value is the enclosing object's to fall back on.
func (d *decoder) opening(open byte) (null bool, err error) {
	switch d.peek() {
	case 'n':
		return true, d.literal("null")
	case open:
		return false, nil
	}
	return false, errFallback
}

// objectMap decodes a map of objects: null leaves it nil, anything but
// an object is the enclosing object's to fall back on.
func objectMap[M ~map[string]*T, T any](d *decoder, dst *M, dec func(*decoder) (*T, error)) error {
	if null, err := d.opening('{'); null || err != nil {
		return err
	}
	m := M{}
	*dst = m
	return d.members(func(k string) error {
		var v *T
		err := object(d, &v, dec)
		m[k] = v
		return err
	})
}

// objectList decodes a list of objects as objectMap a map.
func objectList[S ~[]*T, T any](d *decoder, dst *S, dec func(*decoder) (*T, error)) error {
	if null, err := d.opening('['); null || err != nil {
		return err
	}
	s := S{}
	err := d.elements(func() error {
		var v *T
		err := object(d, &v, dec)
		s = append(s, v)
		return err
	})
	*dst = s
	return err
}

// members reads the object at pos, calling f with each key and pos at
// its value, which f must read. A duplicate key is refused, as the node
// parse refuses it.
func (d *decoder) members(f func(key string) error) error {
	d.pos++ // {
	d.depth++
	base := len(d.keys)
	err := d.eachMember(base, f)
	d.keys = d.keys[:base]
	d.depth--
	return err
}

func (d *decoder) eachMember(base int, f func(key string) error) error {
	d.skipSpace()
	if d.peek() == '}' {
		d.pos++
		return nil
	}
	var seen map[string]struct{}
	for {
		d.skipSpace()
		if d.peek() != '"' {
			return errNotPlainJSON
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		switch n := len(d.keys) - base; {
		case seen != nil:
			if _, dup := seen[key]; dup {
				return errNotPlainJSON
			}
			seen[key] = struct{}{}
		case n >= 16:
			// Linear search grows quadratic in the paths or the
			// component schemas.
			seen = make(map[string]struct{}, 2*n)
			for _, k := range d.keys[base:] {
				seen[k] = struct{}{}
			}
			if _, dup := seen[key]; dup {
				return errNotPlainJSON
			}
			seen[key] = struct{}{}
		default:
			for _, k := range d.keys[base:] {
				if k == key {
					return errNotPlainJSON
				}
			}
			d.keys = append(d.keys, key)
		}
		d.skipSpace()
		if d.peek() != ':' {
			return errNotPlainJSON
		}
		d.pos++
		d.skipSpace()
		if d.depth > maxNodeDepth {
			return errNotPlainJSON
		}
		if err := f(key); err != nil {
			return err
		}
		if done, err := d.separator('}'); done || err != nil {
			return err
		}
	}
}

// elements reads the array at pos, calling f with pos at each element.
func (d *decoder) elements(f func() error) error {
	d.pos++ // [
	d.depth++
	err := d.eachElement(f)
	d.depth--
	return err
}

func (d *decoder) eachElement(f func() error) error {
	d.skipSpace()
	if d.peek() == ']' {
		d.pos++
		return nil
	}
	for {
		d.skipSpace()
		if d.depth > maxNodeDepth {
			return errNotPlainJSON
		}
		if err := f(); err != nil {
			return err
		}
		if done, err := d.separator(']'); done || err != nil {
			return err
		}
	}
}

func (d *decoder) separator(closing byte) (done bool, err error) {
	d.skipSpace()
	switch d.peek() {
	case ',':
		d.pos++
		return false, nil
	case closing:
		d.pos++
		return true, nil
	}
	return false, errNotPlainJSON
}

// str reads a string. One holding an escape is read by the node parser's
// reader, which leaves it to encoding/json.
func (d *decoder) str() (string, error) {
	start := d.pos
	for i := start + 1; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			return d.src[start+1 : i], nil
		case c == '\\':
			p := jsonParser{data: d.data, pos: start}
			s, err := p.str()
			d.pos = p.pos
			return s, err
		case c < 0x20:
			return "", errNotPlainJSON
		}
	}
	return "", errNotPlainJSON
}

func (d *decoder) literal(word string) error {
	if d.pos+len(word) > len(d.data) || d.src[d.pos:d.pos+len(word)] != word {
		return errNotPlainJSON
	}
	d.pos += len(word)
	return nil
}

// number is a JSON number as the node parse reads it.
type number struct {
	text  string
	isInt bool // an integer within int64: the node parse's !!int
	i     int64
	f     float64
}

// number reads a number, refusing what the node parse refuses: text that
// is not a JSON number, or one beyond float64.
func (d *decoder) number() (number, error) {
	start := d.pos
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		if c >= '0' && c <= '9' || c == '-' || c == '.' || c == 'e' || c == 'E' || c == '+' {
			d.pos++
			continue
		}
		break
	}
	text := d.src[start:d.pos]
	integer, ok := jsonNumber(text)
	if !ok {
		return number{}, errNotPlainJSON
	}
	if integer {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return number{text: text, isInt: true, i: i, f: float64(i)}, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return number{}, errNotPlainJSON // beyond float64
	}
	return number{text: text, f: f}, nil
}

// jsonNumber reports whether text is a JSON number and whether it is
// written as an integer (no fraction, no exponent).
func jsonNumber(s string) (integer, ok bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false, false
	}
	integer = true
	if i < len(s) && s[i] == '.' {
		integer = false
		i++
		if i == len(s) || s[i] < '0' || s[i] > '9' {
			return false, false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		integer = false
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) || s[i] < '0' || s[i] > '9' {
			return false, false
		}
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	}
	return integer, i == len(s)
}

// float reads a number as the node decode reads it into a float64 or an
// any. -0 is what the YAML resolver refuses as an integer, and an integer
// beyond int64 is one it reads by rules of its own: both are left to it.
func (d *decoder) float() (float64, error) {
	n, err := d.number()
	if err != nil {
		return 0, err
	}
	if n.isInt && n.text == "-0" || !n.isInt && !strings.ContainsAny(n.text, ".eE") {
		return 0, errFallback
	}
	return n.f, nil
}

// anyValue reads any JSON value as kin-openapi's decodeAny gives it: the
// number a float64, an object a map[string]any, an array a []any.
func (d *decoder) anyValue() (any, error) {
	switch d.peek() {
	case '{':
		m := map[string]any{}
		err := d.members(func(k string) error {
			v, err := d.anyValue()
			m[k] = v
			return err
		})
		return m, err
	case '[':
		a := []any{}
		err := d.elements(func() error {
			v, err := d.anyValue()
			a = append(a, v)
			return err
		})
		return a, err
	case '"':
		return d.str()
	case 't':
		return true, d.literal("true")
	case 'f':
		return false, d.literal("false")
	case 'n':
		return nil, d.literal("null")
	}
	return d.float()
}

// ext adds the member at pos, named k, to the extensions.
func (d *decoder) ext(m *map[string]any, k string) error {
	v, err := d.anyValue()
	if err != nil {
		return err
	}
	if *m == nil {
		*m = map[string]any{}
	}
	(*m)[k] = v
	return nil
}

// The field readers: null leaves the field at its zero value; a value of
// another JSON type than the field's is the node decode's (errFallback).

func (d *decoder) strField(dst *string) error {
	switch d.peek() {
	case '"':
		s, err := d.str()
		*dst = s
		return err
	case 'n':
		return d.literal("null")
	}
	return errFallback
}

func (d *decoder) strPtr(dst **string) error {
	switch d.peek() {
	case '"':
		s, err := d.str()
		*dst = &s
		return err
	case 'n':
		return d.literal("null")
	}
	return errFallback
}

func (d *decoder) boolField(dst *bool) error {
	switch d.peek() {
	case 't':
		*dst = true
		return d.literal("true")
	case 'f':
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	return errFallback
}

func (d *decoder) boolPtr(dst **bool) error {
	var b bool
	switch d.peek() {
	case 't':
		b = true
		*dst = &b
		return d.literal("true")
	case 'f':
		*dst = &b
		return d.literal("false")
	case 'n':
		return d.literal("null")
	}
	return errFallback
}

func isNumberStart(c byte) bool { return c == '-' || c >= '0' && c <= '9' }

func (d *decoder) floatPtr(dst **float64) error {
	if d.peek() == 'n' {
		return d.literal("null")
	}
	if !isNumberStart(d.peek()) {
		return errFallback
	}
	f, err := d.float()
	*dst = &f
	return err
}

// uint reads a count (minLength, ...). Only a plain non-negative integer
// is read here: the decoder takes 1.0 or 1e2 too, by rules of its own.
func (d *decoder) uint() (uint64, error) {
	if !isNumberStart(d.peek()) {
		return 0, errFallback
	}
	n, err := d.number()
	if err != nil {
		return 0, err
	}
	if !n.isInt || n.i < 0 || n.text == "-0" {
		return 0, errFallback
	}
	return uint64(n.i), nil
}

func (d *decoder) uintField(dst *uint64) error {
	if d.peek() == 'n' {
		return d.literal("null")
	}
	u, err := d.uint()
	*dst = u
	return err
}

func (d *decoder) uintPtr(dst **uint64) error {
	if d.peek() == 'n' {
		return d.literal("null")
	}
	u, err := d.uint()
	*dst = &u
	return err
}

func (d *decoder) anyField(dst *any) error {
	v, err := d.anyValue()
	*dst = v
	return err
}

func (d *decoder) anyList(dst *[]any) error {
	if null, err := d.opening('['); null || err != nil {
		return err
	}
	v, err := d.anyValue()
	*dst, _ = v.([]any)
	return err
}

// strings reads a list of strings. The node decode keeps a null's place
// as "" by a rule of its own, so a list with one is left to it.
func (d *decoder) strings(dst *[]string) error {
	if null, err := d.opening('['); null || err != nil {
		return err
	}
	list := []string{}
	err := d.elements(func() error {
		if d.peek() != '"' {
			return errFallback
		}
		s, err := d.str()
		list = append(list, s)
		return err
	})
	*dst = list
	return err
}

// stringMap reads an object of strings (OAuth scopes, a discriminator's
// mapping) through set.
func (d *decoder) stringMap(set func(k, v string)) error {
	return d.members(func(k string) error {
		if d.peek() != '"' {
			return errFallback
		}
		s, err := d.str()
		set(k, s)
		return err
	})
}

// ref reads the reference object at pos, if it is one: an object whose
// first key is a $ref. A reference with anything else than a non-empty
// string $ref and, where the wrapper declares them (withSummary), a
// string summary and description is the node decode's.
func (d *decoder) ref(withSummary bool) (r refObject, ok bool, err error) {
	if !d.firstKeyIsRef() {
		return r, false, nil
	}
	err = d.members(func(k string) error {
		if d.peek() != '"' {
			return errFallback
		}
		switch {
		case k == "$ref":
			s, err := d.str()
			if s == "" {
				return errFallback // not a reference: a value with a $ref extension
			}
			r.ref = s
			return err
		case k == "summary" && withSummary:
			s, err := d.str()
			r.summary = &s
			return err
		case k == "description" && withSummary:
			s, err := d.str()
			r.description = &s
			return err
		}
		return errFallback
	})
	return r, true, err
}

type refObject struct {
	ref                  string
	summary, description *string
}

// firstKeyIsRef reports whether the object at pos starts with a $ref key,
// without moving.
func (d *decoder) firstKeyIsRef() bool {
	i := d.pos + 1
	for i < len(d.data) && (d.data[i] == ' ' || d.data[i] == '\t' || d.data[i] == '\r' || d.data[i] == '\n') {
		i++
	}
	return strings.HasPrefix(d.src[i:], `"$ref"`)
}
