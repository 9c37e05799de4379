package diff

import (
	"os"
	"runtime"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

// A loaded Spec must not pin the parser's model: the CLI collects garbage
// between the two parses to keep peak memory at one document's worth, which
// only works if nothing from the first parse stays reachable. A single
// stray pointer into libopenapi's structs once kept ~10 MB alive.
func TestLoadedSpecDoesNotRetainParser(t *testing.T) {
	data, err := os.ReadFile(testspecs.Newest(t))
	if err != nil {
		t.Fatal(err)
	}
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	before := m.HeapAlloc
	s, err := Load(data)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&m)
	runtime.KeepAlive(s)
	var retained uint64
	if m.HeapAlloc > before {
		retained = m.HeapAlloc - before
	}
	const limit = 3 << 20
	if retained > limit {
		t.Errorf("a loaded Spec keeps %d KB reachable, want under %d KB: something points into the parser's model", retained>>10, limit>>10)
	}
}
