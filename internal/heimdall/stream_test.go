package heimdall

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// The streamed snapshot is the document json.Marshal makes of the same
// state, field for field, omitted fields included.
func TestStreamedSnapshotEqualsMarshal(t *testing.T) {
	h := newHarness(t)
	for _, name := range []string{"ada", "grace", "linus"} {
		up := h.signup(name)
		h.must(200, "POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": up.str("refresh_token")})
	}
	h.d.mu.Lock()
	defer h.d.mu.Unlock()
	want, err := json.Marshal(snapshot{Version: snapshotVersion, state: h.d.st})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := writeSnapshot(&buf, h.d.st); err != nil {
		t.Fatal(err)
	}
	var got, exp any
	if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
		t.Fatalf("streamed snapshot is not JSON: %v\n%.300s", err, buf.Bytes())
	}
	if err := json.Unmarshal(want, &exp); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("streamed snapshot differs from json.Marshal's:\n got %.400s\nwant %.400s", buf.Bytes(), want)
	}
	if bytes.Count(buf.Bytes(), []byte("\n")) < 3 {
		t.Errorf("records are not one a line:\n%.400s", buf.Bytes())
	}
}
