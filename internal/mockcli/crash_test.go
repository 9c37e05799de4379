package mockcli

import (
	"bufio"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// startBinary runs the built mock and returns its base URL.
func startBinary(t *testing.T, bin string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--port", "0"}, args...)...)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if addr, ok := strings.CutPrefix(sc.Text(), "heimdall-mock listening on "); ok {
			go func() {
				for sc.Scan() {
				}
			}()
			return cmd, addr
		}
	}
	t.Fatal("the mock printed no address")
	return nil, ""
}

func TestKillNineUnderLoadLosesAtMostTheLastSecond(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "mock")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/heimdall-mock").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	state := filepath.Join(dir, "state.json")
	cmd, base := startBinary(t, bin, "--state-file", state)
	key := "pcft_test_mock0000000000000000000000000000"
	signup := func(base string, n int64) int {
		body := fmt.Sprintf(`{"email":"u%d@example.com","password":"correct horse battery","username":"u%d"}`, n, n)
		req, _ := http.NewRequest("POST", base+"/demo/v1/auth/signup", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		res.Body.Close()
		return res.StatusCode
	}
	// Load from four clients; remember what was acknowledged and when.
	var next, acked atomic.Int64
	ackedAt := sync.Map{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				n := next.Add(1)
				if signup(base, n) == 200 {
					acked.Add(1)
					ackedAt.Store(n, time.Now())
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	killedAt := time.Now()
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	close(stop)
	wg.Wait()
	if acked.Load() == 0 {
		t.Fatal("no sign-up was acknowledged before the kill")
	}

	cmd2, base2 := startBinary(t, bin, "--state-file", state)
	defer func() { _ = cmd2.Process.Kill(); _ = cmd2.Wait() }()
	lost := 0
	ackedAt.Range(func(k, v any) bool {
		if killedAt.Sub(v.(time.Time)) < time.Second {
			return true // the last second may be lost
		}
		if signup(base2, k.(int64)) != 409 { // 409: still known after the restart
			lost++
		}
		return true
	})
	if lost > 0 {
		t.Errorf("%d sign-ups acknowledged over a second before kill -9 were lost (of %d acknowledged)", lost, acked.Load())
	}
}
