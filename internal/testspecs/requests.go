package testspecs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/heimdall-mock/heimdall-mock/internal/fakedata"
)

// ValidRequest builds a request the spec accepts for the operation at
// method and template: path, required query and header parameters and the
// body all generated from their schemas (the same seed gives the same
// request), with a bearer token in Authorization.
func ValidRequest(doc *openapi3.T, method, template string, seed uint64) (*http.Request, error) {
	item := doc.Paths.Value(template)
	if item == nil {
		return nil, fmt.Errorf("no path %s", template)
	}
	op := item.GetOperation(strings.ToUpper(method))
	if op == nil {
		return nil, fmt.Errorf("no operation %s %s", method, template)
	}
	params := map[string]*openapi3.Parameter{}
	for _, list := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, p := range list {
			if p != nil && p.Value != nil {
				params[p.Value.In+" "+p.Value.Name] = p.Value
			}
		}
	}
	path := template
	for _, m := range pathParam.FindAllStringSubmatch(template, -1) {
		name, value := m[1], "sample"
		if p := params["path "+name]; p != nil {
			value = scalar(fakedata.Generate(p.Schema, seed^hashName(name)))
		}
		path = strings.Replace(path, m[0], url.PathEscape(value), 1)
	}
	query := url.Values{}
	header := http.Header{"Authorization": {"Bearer sweep-token"}}
	for _, k := range slices.Sorted(maps.Keys(params)) {
		p := params[k]
		if !p.Required || p.In == "path" || p.Schema == nil {
			continue
		}
		v := fakedata.Generate(p.Schema, seed^hashName(p.Name))
		switch p.In {
		case "query":
			if list, ok := v.([]any); ok {
				for _, item := range list {
					query.Add(p.Name, scalar(item))
				}
			} else {
				query.Set(p.Name, scalar(v))
			}
		case "header":
			// A declared Authorization parameter is the bearer credential
			// the security scheme asks for, not free text.
			if !strings.EqualFold(p.Name, "Authorization") {
				header.Set(p.Name, scalar(v))
			}
		}
	}
	target := path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var body []byte
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		ct, b, err := requestBody(rb.Value, seed)
		if err != nil {
			return nil, err
		}
		body = b
		if ct != "" {
			header.Set("Content-Type", ct)
		}
	}
	req := httptest.NewRequest(strings.ToUpper(method), target, bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	return req, nil
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

func requestBody(rb *openapi3.RequestBody, seed uint64) (string, []byte, error) {
	if mt := rb.Content.Get("application/json"); mt != nil && mt.Schema != nil {
		b, err := json.Marshal(fakedata.Generate(mt.Schema, seed))
		return "application/json", b, err
	}
	if mt := rb.Content.Get("multipart/form-data"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		value, _ := fakedata.Generate(mt.Schema, seed).(map[string]any)
		for _, n := range slices.Sorted(maps.Keys(mt.Schema.Value.Properties)) {
			prop := mt.Schema.Value.Properties[n].Value
			if prop != nil && prop.Format == "binary" {
				fw, err := mw.CreateFormFile(n, n+".bin")
				if err != nil {
					return "", nil, err
				}
				_, _ = fw.Write([]byte("sweep"))
				continue
			}
			if v, ok := value[n]; ok {
				if err := mw.WriteField(n, scalar(v)); err != nil {
					return "", nil, err
				}
			}
		}
		if err := mw.Close(); err != nil {
			return "", nil, err
		}
		return mw.FormDataContentType(), buf.Bytes(), nil
	}
	if !rb.Required {
		return "", nil, nil
	}
	return "", nil, fmt.Errorf("no generator for request media types %v", slices.Sorted(maps.Keys(rb.Content)))
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return ""
	case map[string]any, []any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}

func hashName(s string) uint64 {
	h := uint64(1469598103934665603)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	return h
}
