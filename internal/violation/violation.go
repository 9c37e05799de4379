// Package violation words kin-openapi's validation errors as one line per
// broken rule, naming the field and the rule the way NestJS's
// class-validator does ("body.email: must be a valid email"). The mock
// answers its 400s and journals its response checks with these lines, and
// the scenario runner and the recorder report with the same ones, so a
// violation reads alike wherever it is found.
package violation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// FormatOptions turns on the string formats kin-openapi leaves unchecked by
// default but NestJS's class-validator enforces (IsEmail, IsUUID). They are
// passed per validation, so no global state of the library is touched.
func FormatOptions() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
		"email": openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail),
		"uuid":  openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562),
	})}
}

// CheckResponse validates a response to req on route (pathParams may be
// nil) and words what is wrong with it; nil when it conforms.
func CheckResponse(req *http.Request, route *routers.Route, pathParams map[string]string, status int, header http.Header, body []byte, opts *openapi3filter.Options) []string {
	// An empty object where the response's prose allows one and its schema
	// does not: the prose wins (the defect is a spec warning).
	if IsEmptyObject(body) && route != nil && route.Operation != nil && route.Operation.Responses != nil {
		if ref := route.Operation.Responses.Status(status); ref != nil {
			if _, ok := ProseAllowsEmptyObject(ref.Value); ok {
				return nil
			}
		}
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route, Options: opts},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
		return Response(status, err)
	}
	return nil
}

// Response turns kin-openapi's response errors into one line per
// violation: "response <status> body.<field>: <rule>".
func Response(status int, err error) []string {
	prefix := fmt.Sprintf("response %d", status)
	var out []string
	for _, e := range leaves(err) {
		var re *openapi3filter.ResponseError
		if errors.As(e, &re) && re.Err != nil {
			schemaErrs := schemaErrors(re.Err)
			if len(schemaErrs) > 0 {
				for _, se := range schemaErrs {
					out = append(out, prefix+" "+fieldOf("body", se)+": "+rule(se))
				}
				continue
			}
			out = append(out, prefix+": "+re.Reason+": "+re.Err.Error())
			continue
		}
		if errors.As(e, &re) {
			out = append(out, prefix+": "+re.Reason)
			continue
		}
		out = append(out, prefix+": "+e.Error())
	}
	return dedupe(out)
}

// Request turns kin-openapi's request errors into class-validator style
// messages, one per violation: "<in>.<field>: <rule>".
func Request(err error) []string {
	var out []string
	for _, e := range leaves(err) {
		var re *openapi3filter.RequestError
		if !errors.As(e, &re) {
			out = append(out, e.Error())
			continue
		}
		field := "body"
		var schema *openapi3.Schema
		if p := re.Parameter; p != nil {
			field = p.In + "." + p.Name
			if p.Schema != nil {
				schema = p.Schema.Value
			}
		}
		switch {
		case errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
			out = append(out, field+": is required")
			continue
		case errors.Is(re.Err, openapi3filter.ErrInvalidEmptyValue):
			out = append(out, field+": must not be empty")
			continue
		}
		if schemaErrs := schemaErrors(re.Err); len(schemaErrs) > 0 {
			for _, se := range schemaErrs {
				out = append(out, fieldOf(field, se)+": "+rule(se))
			}
			continue
		}
		var pe *openapi3filter.ParseError
		if errors.As(re.Err, &pe) && schema != nil && schema.Type != nil && len(*schema.Type) == 1 {
			out = append(out, field+": must be "+article((*schema.Type)[0]))
			continue
		}
		msg := re.Reason
		if re.Err != nil {
			msg = re.Err.Error()
		}
		out = append(out, field+": "+msg)
	}
	return dedupe(out)
}

// leaves flattens a top-level MultiError (nested ones too) without looking
// inside the request/response errors it holds, which carry the field.
func leaves(err error) []error {
	if me, ok := err.(openapi3.MultiError); ok {
		var out []error
		for _, e := range me {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}

// schemaErrors collects the SchemaErrors under err, through wrappers and
// MultiErrors at any depth.
func schemaErrors(err error) []*openapi3.SchemaError {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		var out []*openapi3.SchemaError
		for _, e := range me {
			out = append(out, schemaErrors(e)...)
		}
		return out
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		return []*openapi3.SchemaError{se}
	}
	return nil
}

func fieldOf(base string, se *openapi3.SchemaError) string {
	ptr := se.JSONPointer()
	if len(ptr) == 0 {
		return base
	}
	return base + "." + strings.Join(ptr, ".")
}

// rule words a schema violation the way class-validator would.
func rule(se *openapi3.SchemaError) string {
	s := se.Schema
	switch se.SchemaField {
	case "required":
		return "is required"
	case "format":
		if s != nil {
			return fmt.Sprintf("must be a valid %s (format %q)", s.Format, s.Format)
		}
	case "enum":
		if s != nil {
			vals := make([]string, len(s.Enum))
			for i, v := range s.Enum {
				vals[i] = fmt.Sprint(v)
			}
			return "must be one of: " + strings.Join(vals, ", ")
		}
	case "minLength":
		if s != nil {
			return fmt.Sprintf("must be at least %d characters", s.MinLength)
		}
	case "maxLength":
		if s != nil && s.MaxLength != nil {
			return fmt.Sprintf("must be at most %d characters", *s.MaxLength)
		}
	case "pattern":
		if s != nil {
			return fmt.Sprintf("must match pattern %q", s.Pattern)
		}
	case "properties":
		return strings.Replace(se.Reason, "is unsupported", "is not allowed", 1)
	case "type":
		// kin-openapi reads numbers as json.Number and fails on one beyond
		// float64 (1e400) before it looks at the type the schema wants.
		if strings.HasPrefix(se.Reason, "cannot convert json.Number") {
			if s != nil && s.Type != nil && len(*s.Type) == 1 && !s.Type.Includes("number") && !s.Type.Includes("integer") {
				return "must be " + article((*s.Type)[0])
			}
			return "is too large a number"
		}
	}
	// kin-openapi words most rules as "value must ..." / "number must ...".
	reason := strings.TrimPrefix(se.Reason, "value ")
	return strings.TrimPrefix(reason, "number ")
}

func article(typ string) string {
	switch typ {
	case "integer", "array", "object":
		return "an " + typ
	}
	return "a " + typ
}

func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
