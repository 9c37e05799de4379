package diff

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The corpus is large public OpenAPI documents, several versions each,
// extracted by bench/diff/corpus.sh into $HEIMDALL_DIFF_CORPUS (one folder
// per set, files in version order). It needs network access to build, so
// these tests skip where it is absent.
func corpusDir(t testing.TB) (string, bool) {
	dir := os.Getenv("HEIMDALL_DIFF_CORPUS")
	if dir == "" {
		return "", false
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("HEIMDALL_DIFF_CORPUS=%s: %v", dir, err)
	}
	return dir, true
}

// corpusSets maps set name to its versions, oldest first.
func corpusSets(t testing.TB) map[string][]string {
	dir, ok := corpusDir(t)
	if !ok {
		return nil
	}
	sets := map[string][]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		files, _ := filepath.Glob(filepath.Join(dir, e.Name(), "*"))
		sort.Strings(files)
		if len(files) > 0 {
			sets[e.Name()] = files
		}
	}
	return sets
}

func corpusFiles(t testing.TB) []string {
	var all []string
	for _, files := range corpusSets(t) {
		all = append(all, files...)
	}
	sort.Strings(all)
	return all
}

// verdicts reads testdata/corpus-verdicts.txt: each line a disagreement
// with oasdiff, "set old→new | oasdiff|ours | operation | location-or-id |
// verdict".
func verdicts(t *testing.T) []string {
	f, err := os.Open(filepath.Join("testdata", "corpus-verdicts.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

// Every consecutive pair of every corpus set completes, and the comparison
// is deterministic.
func TestCorpusPairsComplete(t *testing.T) {
	sets := corpusSets(t)
	if sets == nil {
		t.Skip("HEIMDALL_DIFF_CORPUS not set; build it with bench/diff/corpus.sh")
	}
	if len(verdicts(t)) == 0 {
		t.Error("testdata/corpus-verdicts.txt lists no verdicts")
	}
	for name, files := range sets {
		for i := 0; i+1 < len(files); i++ {
			oldFile, newFile := files[i], files[i+1]
			t.Run(name+"/"+filepath.Base(oldFile)+"→"+filepath.Base(newFile), func(t *testing.T) {
				r := comparePair(t, oldFile, newFile)
				again := comparePair(t, oldFile, newFile)
				if len(r.Findings) != len(again.Findings) {
					t.Errorf("two runs differ: %d and %d findings", len(r.Findings), len(again.Findings))
				}
				t.Logf("%d findings: %d breaking, %d warnings", len(r.Findings), r.Count(Error), r.Count(Warning))
			})
		}
	}
}
