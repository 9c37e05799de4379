// Package testspecs finds the real production specs that the real-spec tests
// and benchmarks run on. They are not part of this repository: they live in a
// folder named by HEIMDALL_SPECS_DIR (default: ../shared/specs from the module
// root), with the Heimdall versions under auth/ and sibling APIs under
// surfaces/. A fresh clone without them still passes its own tests: these
// helpers skip, unless HEIMDALL_REQUIRE_SPECS=1 (as .ci/run sets) turns the
// missing folder into a failure.
package testspecs

import (
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// EnvDir names the folder of real specs; EnvRequire makes its absence fatal.
const (
	EnvDir     = "HEIMDALL_SPECS_DIR"
	EnvRequire = "HEIMDALL_REQUIRE_SPECS"
)

// Dir returns the specs folder, or skips (fails when required) the test.
func Dir(tb testing.TB) string {
	tb.Helper()
	dir, ok := Lookup()
	if !ok {
		if os.Getenv(EnvRequire) == "1" {
			tb.Fatalf("real specs folder %q is missing (set %s)", dir, EnvDir)
		}
		tb.Skipf("real specs folder %q not found; set %s to run this test", dir, EnvDir)
	}
	return dir
}

// Lookup returns the specs folder and whether it exists.
func Lookup() (string, bool) {
	dir := os.Getenv(EnvDir)
	if dir == "" {
		dir = filepath.Join(moduleRoot(), "..", "shared", "specs")
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	st, err := os.Stat(filepath.Join(dir, "auth"))
	return dir, err == nil && st.IsDir()
}

// AuthVersions lists the Heimdall spec files, oldest first (their names
// start with the date).
func AuthVersions(tb testing.TB) []string {
	tb.Helper()
	files := glob(tb, filepath.Join(Dir(tb), "auth", "*.json"))
	if len(files) == 0 {
		tb.Fatalf("no auth specs in %s", Dir(tb))
	}
	return files
}

// Newest returns the live (newest) Heimdall spec file.
func Newest(tb testing.TB) string {
	tb.Helper()
	v := AuthVersions(tb)
	return v[len(v)-1]
}

// Surfaces lists the sibling APIs' spec files.
func Surfaces(tb testing.TB) []string {
	tb.Helper()
	return glob(tb, filepath.Join(Dir(tb), "surfaces", "*.json"))
}

// All lists every real spec: the auth versions, then the surfaces.
func All(tb testing.TB) []string {
	tb.Helper()
	return append(AuthVersions(tb), Surfaces(tb)...)
}

func glob(tb testing.TB, pattern string) []string {
	tb.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		tb.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// moduleRoot walks up from the working directory (a package folder under
// go test) to the folder holding go.mod.
func moduleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}
