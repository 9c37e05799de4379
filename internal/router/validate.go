package router

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/heimdall-mock/heimdall-mock/internal/apierr"
)

// formatOptions turns on the string formats kin-openapi leaves unchecked by
// default but NestJS's class-validator enforces (IsEmail, IsUUID). They are
// passed per validation, so no global state of the library is touched.
func formatOptions() []openapi3.SchemaValidationOption {
	return []openapi3.SchemaValidationOption{openapi3.WithStringFormatValidators(map[string]openapi3.StringFormatValidator{
		"email": openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForEmail),
		"uuid":  openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC9562),
	})}
}

// checkResponse validates an encoded response against the operation. When
// checkStatus is false (a status the client asked for, or a fault) an
// undocumented status is not a violation.
//
// An undocumented 4xx/5xx is not a violation either when it carries the
// NestJS error body: the real service answers 401 to a bad sign-in and 409
// to a duplicate sign-up although its spec documents only 200 for both, and
// NestJS specs leave most errors out. An undocumented 2xx/3xx, or an error
// in another shape, still is.
func (r *Router) checkResponse(rt *route, status int, contentType string, body []byte, checkStatus bool) []string {
	op := rt.op.Spec
	if !documented(op, status) {
		if !checkStatus {
			return nil
		}
		if status >= 400 {
			if problem := apierr.ShapeProblem(status, body); problem != "" {
				return []string{fmt.Sprintf("undocumented status %s: %s", statusText(status), problem)}
			}
			return nil
		}
		return []string{fmt.Sprintf("status %s is not documented for %s %s", statusText(status), rt.op.Method, rt.op.Path)}
	}
	// Validate as the operation's own method: a HEAD would be skipped.
	req := &http.Request{Method: rt.op.Method, URL: &url.URL{Path: rt.op.Path}, Header: http.Header{}}
	header := http.Header{}
	if contentType != "" {
		header.Set("Content-Type", contentType)
	}
	opts := r.respOpts
	if len(body) > 0 && contentType != "" && !isJSONType(strings.ToLower(contentType)) {
		opts = &openapi3filter.Options{MultiError: true, ExcludeResponseBody: true, SchemaValidationOptions: r.schemaOps}
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, Route: rt.kin, Options: opts},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                opts,
	}
	err := openapi3filter.ValidateResponse(context.Background(), input)
	if err == nil {
		return nil
	}
	return responseMessages(status, err)
}

func responseMessages(status int, err error) []string {
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

// requestMessages turns kin-openapi's request errors into class-validator
// style messages: "<in>.<field>: <rule>".
func requestMessages(err error) []string {
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
