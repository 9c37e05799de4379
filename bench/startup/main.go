// Command startup measures how long a server takes from exec to its first
// answered request: it starts the command, polls the URL until it answers
// 2xx, kills the server and repeats, then prints the median and the spread.
//
//	startup -n 15 -url http://127.0.0.1:4011/__mock/health -- ./mock --port 4011
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 11, "runs")
	url := flag.String("url", "", "URL polled until it answers 2xx")
	timeout := flag.Duration("timeout", 30*time.Second, "give up on one run after this long")
	flag.Parse()
	if *url == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: startup -url URL [-n N] -- command [args]")
		os.Exit(2)
	}
	client := &http.Client{Timeout: time.Second}
	var runs []time.Duration
	for i := 0; i < *n; i++ {
		d, err := once(client, *url, *timeout, flag.Args())
		if err != nil {
			fmt.Fprintln(os.Stderr, "startup:", err)
			os.Exit(1)
		}
		runs = append(runs, d)
	}
	sort.Slice(runs, func(i, j int) bool { return runs[i] < runs[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	fmt.Printf("median_ms=%.1f min_ms=%.1f max_ms=%.1f runs=%d\n", ms(runs[len(runs)/2]), ms(runs[0]), ms(runs[len(runs)-1]), len(runs))
}

func once(client *http.Client, url string, timeout time.Duration, argv []string) (time.Duration, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	}()
	for time.Since(start) < timeout {
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 300 {
				return time.Since(start), nil
			}
		}
		time.Sleep(time.Millisecond)
	}
	return 0, fmt.Errorf("%v: no 2xx from %s within %v", argv, url, timeout)
}
