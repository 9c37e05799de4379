package main

import (
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/specload"
)

// An unreadable spec reads the same from contract as from the mock, which
// loads it through specload: JSON errors at line:column, never the diff
// parser's YAML error for a JSON file or its "sorry".
func TestLoadErrorsReadLikeTheMocks(t *testing.T) {
	dir := t.TempDir()
	base := write(t, dir, "base.yaml", baseSpec)
	for name, content := range map[string]string{
		"broken.json":  `{"openapi": "3.0.0", "info": {"title": "x", "version": "1"}, "paths": {,}}`,
		"hello.json":   "hello",
		"swagger.json": `{"swagger": "2.0"}`,
		"list.yaml":    "- a\n- b\n",
		"empty.json":   "  \n",
		"v4.yaml":      "openapi: 4.0.0\n",
	} {
		t.Run(name, func(t *testing.T) {
			file := write(t, dir, name, content)
			_, mockErr := specload.LoadData([]byte(content), file)
			if mockErr == nil {
				t.Fatal("the mock accepts it")
			}
			code, _, errOut := runCLI("diff", base, file)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if !strings.Contains(errOut, mockErr.Error()) {
				t.Errorf("contract says %q, the mock %q", strings.TrimSpace(errOut), mockErr)
			}
			for _, bad := range []string{"sorry", "libopenapi", "go-yaml"} {
				if strings.Contains(errOut, bad) {
					t.Errorf("%q leaks the parser: %s", bad, errOut)
				}
			}
		})
	}
}
