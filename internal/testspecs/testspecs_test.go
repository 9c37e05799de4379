package testspecs

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestNewestIsTheLatestDatedAuthSpec(t *testing.T) {
	versions := AuthVersions(t)
	newest := filepath.Base(Newest(t))
	for _, v := range versions {
		if filepath.Base(v) > newest {
			t.Errorf("%s sorts after the newest %s", v, newest)
		}
	}
	if !strings.HasSuffix(newest, ".json") {
		t.Errorf("newest spec %q is not JSON", newest)
	}
}
