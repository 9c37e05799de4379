package router

import (
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/routekey"
)

func TestTrieBacktracksFromLiteralToParameter(t *testing.T) {
	root := &node{}
	for _, tpl := range []string{"/a/b/c", "/a/{p}/d", "/a/{p}/{q}/e", "/", "/x/{id}"} {
		root.insert(tpl, &route{op: &Operation{Method: "GET", Path: tpl}})
	}
	root.finish()
	cases := []struct {
		path, template, params string
	}{
		{"/a/b/c", "/a/b/c", ""},
		{"/a/b/d", "/a/{p}/d", "b"}, // literal b is a dead end for d
		{"/a/b/c/e", "/a/{p}/{q}/e", "b|c"},
		{"/", "/", ""},
		{"", "/", ""},
		{"/x/%E2%82%AC%2F", "/x/{id}", "€/"},
		{"/x/", "", ""},    // an empty segment is no parameter value
		{"/x/%zz", "", ""}, // a malformed escape matches nothing
		{"/a/b", "", ""},
	}
	for _, c := range cases {
		n, params := root.lookup(c.path)
		got := ""
		if n != nil {
			got = n.template
		}
		if got != c.template || strings.Join(params, "|") != c.params {
			t.Errorf("lookup(%q) = %q %q, want %q %q", c.path, got, params, c.template, c.params)
		}
	}
}

func TestParamNames(t *testing.T) {
	got := strings.Join(routekey.Params("/{app_slug}/v1/x/{id}/y"), ",")
	if got != "app_slug,id" {
		t.Errorf("paramNames = %q", got)
	}
	if len(routekey.Params("/v1/{broken")) != 0 {
		t.Error("unterminated parameter named")
	}
}
