// Package atomicfile replaces files so that a reader, or the next start
// after a crash, sees the old content or the new one, never half of one.
// The mock's state file, the live-spec cache and refreshed spec copies are
// all written this way.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write replaces path with data, creating its folder when missing: a
// temporary file in the same folder (so the rename cannot cross file
// systems), synced to disk, given perm, then renamed over path.
func Write(path string, data []byte, perm os.FileMode) error {
	return WriteFunc(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteFunc is Write with the content streamed by write, so a big file
// never needs to be whole in memory; when write fails, path is untouched.
func WriteFunc(path string, perm os.FileMode, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), perm); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
