package heimdall

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
)

// streamObject writes v (a struct or a pointer to one) as a JSON object,
// field by field, the way json.Marshal would name and omit them, except
// that slices are written element by element and the structs named in deep
// (by JSON field name) are streamed the same way. A big state thus never
// exists as one []byte: the largest piece in memory is one record.
func streamObject(w *bufio.Writer, enc *recordEncoder, v reflect.Value, deep map[string]bool) error {
	w.WriteByte('{')
	if err := streamFields(w, enc, v, deep, true); err != nil {
		return err
	}
	w.WriteByte('}')
	return nil
}

// streamFields writes the fields of struct v without the braces; first says
// whether no field precedes them in the object.
func streamFields(w *bufio.Writer, enc *recordEncoder, v reflect.Value, deep map[string]bool, first bool) error {
	for v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		fv := v.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			return fmt.Errorf("heimdall: streaming an embedded field %s is not supported", f.Name)
		}
		if name == "" {
			name = f.Name
		}
		if strings.Contains(opts, "omitempty") && isEmptyValue(fv) {
			continue
		}
		if !first {
			w.WriteByte(',')
		}
		first = false
		// Field names are tag identifiers: nothing in them needs escaping.
		w.WriteString(`"` + name + `":`)
		if err := streamValue(w, enc, fv, deep[name], deep); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// streamValue writes one field's value: a slice one element per line, a
// struct named in deep field by field, anything else with enc.
func streamValue(w *bufio.Writer, enc *recordEncoder, v reflect.Value, deepStruct bool, deep map[string]bool) error {
	switch {
	case v.Kind() == reflect.Slice && !v.IsNil() && v.Type().Elem().Kind() != reflect.Uint8:
		w.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				w.WriteByte(',')
			}
			w.WriteByte('\n') // one record a line: a state file diffs well
			var err error
			if deepStruct {
				err = streamObject(w, enc, v.Index(i), deep)
			} else {
				err = enc.encode(v.Index(i).Interface())
			}
			if err != nil {
				return err
			}
		}
		w.WriteByte(']')
		return nil
	case deepStruct:
		return streamObject(w, enc, v, deep)
	default:
		return enc.encode(v.Interface())
	}
}

// recordEncoder writes one value at a time as json.Marshal would (no
// trailing newline), reusing its buffer across records.
type recordEncoder struct {
	w   *bufio.Writer
	buf bytes.Buffer
	enc *json.Encoder
}

func newRecordEncoder(w *bufio.Writer) *recordEncoder {
	e := &recordEncoder{w: w}
	e.enc = json.NewEncoder(&e.buf)
	return e
}

func (e *recordEncoder) encode(v any) error {
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return err
	}
	_, err := e.w.Write(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")))
	if e.buf.Cap() > 1<<20 {
		e.buf = bytes.Buffer{} // one huge record does not pin its buffer
	}
	return err
}

// isEmptyValue is encoding/json's omitempty test.
func isEmptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	case reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// writeSnapshot streams st to out as the snapshot json.Marshal would make
// ({"version":N, ...the state's fields}). Apps are streamed field by field,
// so an app with many users or audit rows is written one row at a time.
func writeSnapshot(out io.Writer, st *state) error {
	w := bufio.NewWriterSize(out, 64<<10)
	enc := newRecordEncoder(w)
	fmt.Fprintf(w, `{"version":%d`, snapshotVersion)
	if err := streamFields(w, enc, reflect.ValueOf(st), map[string]bool{"apps": true}, false); err != nil {
		return err
	}
	w.WriteByte('}')
	return w.Flush()
}
