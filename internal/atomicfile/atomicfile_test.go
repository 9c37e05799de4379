package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesAndLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "state.json")
	for _, content := range []string{`{"v":1}`, `{"v":2}`} {
		if err := Write(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != content {
			t.Fatalf("read %q, %v; want %q", got, err, content)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries, want only the file: %v", len(entries), entries)
	}
}

func TestWriteFailsWithoutTouchingTheTarget(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The folder of the target is a file: nothing can be created there.
	if err := Write(filepath.Join(blocker, "state.json"), []byte("{}"), 0o644); err == nil {
		t.Error("writing below a file succeeded")
	}
	if got, _ := os.ReadFile(blocker); string(got) != "x" {
		t.Errorf("the file in the way became %q", got)
	}
}

func TestWriteFuncThatFailsLeavesTheOldContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := Write(path, []byte(`{"v":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := WriteFunc(path, 0o600, func(w io.Writer) error {
		io.WriteString(w, `{"v":`)
		return errors.New("encoder broke")
	})
	if err == nil {
		t.Fatal("WriteFunc reported no error")
	}
	if got, _ := os.ReadFile(path); string(got) != `{"v":1}` {
		t.Errorf("file holds %q after a failed write, want the old content", got)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("a temporary file was left behind: %v", entries)
	}
}
