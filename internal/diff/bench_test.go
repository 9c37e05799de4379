package diff

import (
	"os"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

// BenchmarkDiffNewestPair times the CI case: the live spec against the
// version before it, parse and resolve both, compare, classify.
func BenchmarkDiffNewestPair(b *testing.B) {
	versions := testspecs.AuthVersions(b)
	if len(versions) < 2 {
		b.Skip("need two versions")
	}
	oldData, err := os.ReadFile(versions[len(versions)-2])
	if err != nil {
		b.Fatal(err)
	}
	newData, err := os.ReadFile(versions[len(versions)-1])
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(oldData) + len(newData)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compare(oldData, newData, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
