// Package specsrc reads an API spec from where CI keeps it: a file, an
// http(s) URL, or a path as it was at a git revision ("git:REV:PATH").
package specsrc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"
)

// MaxSize bounds what a URL may return; specs are kilobytes, a runaway
// response should not exhaust memory.
const MaxSize = 64 << 20

// Timeout bounds a URL fetch.
const Timeout = 30 * time.Second

// Load reads the spec named by src.
func Load(ctx context.Context, src string) ([]byte, error) {
	switch {
	case src == "":
		return nil, errors.New("empty spec source")
	case strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://"):
		return fetch(ctx, src)
	case strings.HasPrefix(src, "git:"):
		rev, path, ok := strings.Cut(strings.TrimPrefix(src, "git:"), ":")
		if !ok || rev == "" || path == "" {
			return nil, fmt.Errorf("%q: want git:REV:PATH", src)
		}
		return gitShow(ctx, rev, path)
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return nil, err
	}
	return data, nil
}

func fetch(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json, application/yaml;q=0.9, */*;q=0.5")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("GET %s: larger than %d bytes", url, MaxSize)
	}
	return data, nil
}

// gitShow runs `git show REV:PATH` in the current directory. The revision
// may not start with "-", so it cannot be read as an option.
func gitShow(ctx context.Context, rev, path string) ([]byte, error) {
	if strings.HasPrefix(rev, "-") {
		return nil, fmt.Errorf("git revision %q may not start with '-'", rev)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "git", "show", rev+":"+path)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git show %s:%s: %s", rev, path, msg)
	}
	return stdout.Bytes(), nil
}
