package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFormatNamesVersionRevisionAndToolchain(t *testing.T) {
	info := &debug.BuildInfo{
		GoVersion: "go1.24.1",
		Main:      debug.Module{Path: "github.com/heimdall-mock/heimdall-mock", Version: "v1.2.0"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0a1b2c3d4e5f67890a1b2c3d4e5f67890a1b2c3d"},
			{Key: "vcs.time", Value: "2026-08-22T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"},
		},
	}
	got := format("heimdall-mock", info)
	want := "heimdall-mock v1.2.0 (rev 0a1b2c3d4e5f, 2026-08-22T10:00:00Z, modified) go1.24.1"
	if got != want {
		t.Fatalf("format = %q\nwant     %q", got, want)
	}
}

func TestFormatWithoutVCSSaysDevel(t *testing.T) {
	got := format("heimdall-contract", &debug.BuildInfo{GoVersion: "go1.24.1"})
	if got != "heimdall-contract (devel) go1.24.1" {
		t.Fatalf("format = %q", got)
	}
}

func TestStringInATestBinary(t *testing.T) {
	if got := String("x"); !strings.HasPrefix(got, "x ") {
		t.Fatalf("String = %q", got)
	}
}
