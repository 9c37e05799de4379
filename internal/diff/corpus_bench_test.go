package diff

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// BenchmarkCorpusPairs times load, resolve and compare on the first pair of
// each corpus set (bench/diff/corpus.sh), the work `contract diff` does
// after reading the files; bench/diff/run.sh times the whole command
// against oasdiff.
func BenchmarkCorpusPairs(b *testing.B) {
	sets := corpusSets(b)
	if sets == nil {
		b.Skip("HEIMDALL_DIFF_CORPUS not set; build it with bench/diff/corpus.sh")
	}
	for _, name := range slices.Sorted(maps.Keys(sets)) {
		files := sets[name]
		if len(files) < 2 {
			continue
		}
		oldData, err := os.ReadFile(files[0])
		if err != nil {
			b.Fatal(err)
		}
		newData, err := os.ReadFile(files[1])
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name+"/"+filepath.Base(files[0]), func(b *testing.B) {
			b.SetBytes(int64(len(oldData) + len(newData)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Compare(oldData, newData, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
