package specload

import (
	"os"
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

// TestWarnsWhereProseAllowsEmptyObject: the newest spec's mint and send
// calls say they answer {} on no match while their schemas require fields;
// each is listed as a warning. The project's own spec keeps the newest
// spec's shapes (the newest spec wins), so it carries the same four.
func TestWarnsWhereProseAllowsEmptyObject(t *testing.T) {
	path := testspecs.Newest(t)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadData(data, path)
	if err != nil {
		t.Fatal(err)
	}
	if found := emptyObjectWarnings(s.AllWarnings()); len(found) != 4 {
		t.Errorf("warned about %v, want all four mint and send calls", found)
	}
	raw, err := os.ReadFile("../../specs/heimdall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	own, err := LoadData(raw, "heimdall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if found := emptyObjectWarnings(own.AllWarnings()); len(found) != 4 {
		t.Errorf("own spec warned about %v, want the same four calls", found)
	}
}

func emptyObjectWarnings(ws []Warning) map[string]bool {
	found := map[string]bool{}
	for _, w := range ws {
		if strings.Contains(w.Message, "empty object {}") {
			for _, op := range []string{"request-password-reset", "request-verification", "send-password-reset-email", "send-verification-email"} {
				if strings.Contains(w.Pointer, "~1"+op+"/post/responses/201") {
					found[op] = true
				}
			}
		}
	}
	return found
}
