// Command soak drives a running mock with mixed traffic for a fixed time
// (sign-up from a bounded pool of users, sign-in, refresh, /me, verify,
// the journal and a full state export now and then) and samples the mock
// process's resident memory every interval. It prints one line per sample
// and the ceiling at the end. Loopback only: it refuses other addresses.
//
//	go run ./bench/soak --url http://127.0.0.1:4290 --pid 1234 --duration 10m
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:4290", "mock base URL (loopback only)")
	pid := flag.Int("pid", 0, "mock process id, for RSS samples")
	duration := flag.Duration("duration", 10*time.Minute, "how long to run")
	every := flag.Duration("every", 10*time.Second, "RSS sampling interval")
	workers := flag.Int("workers", 8, "concurrent clients")
	users := flag.Int("users", 2000, "size of the user pool sign-ups draw from")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil || (u.Hostname() != "127.0.0.1" && u.Hostname() != "localhost" && u.Hostname() != "::1") {
		fmt.Fprintln(os.Stderr, "soak: --url must be a loopback address")
		os.Exit(2)
	}
	var health struct {
		Bootstrap struct {
			APIKey string `json:"api_key"`
		} `json:"bootstrap"`
	}
	if err := getJSON(*base+"/__mock/health", &health); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	key := health.Bootstrap.APIKey
	stop := time.Now().Add(*duration)
	var ops, errs atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; time.Now().Before(stop); i++ {
				n := (w*7919 + i) % *users
				name := "soak" + strconv.Itoa(n)
				body := `{"email":"` + name + `@example.com","password":"correct horse battery","username":"` + name + `"}`
				post(*base+"/demo/v1/auth/signup", key, body) // 409 once the pool is signed up
				var tok struct {
					AccessToken  string `json:"access_token"`
					RefreshToken string `json:"refresh_token"`
				}
				st, raw := post(*base+"/demo/v1/auth/signin", key, `{"identifier":"`+name+`","password":"correct horse battery"}`)
				ops.Add(2)
				if st != 200 || json.Unmarshal(raw, &tok) != nil {
					errs.Add(1)
					continue
				}
				get(*base+"/demo/v1/me", tok.AccessToken)
				post(*base+"/demo/v1/verify", tok.AccessToken, `{}`)
				post(*base+"/demo/v1/auth/refresh", key, `{"refresh_token":"`+tok.RefreshToken+`"}`)
				ops.Add(3)
				if i%200 == 0 {
					get(*base+"/__mock/requests?limit=1000", "")
					ops.Add(1)
				}
				if w == 0 && i%2000 == 0 {
					get(*base+"/__mock/state", "") // a full export, streamed
					ops.Add(1)
				}
			}
		}(w)
	}
	start := time.Now()
	ceiling := 0
	sample := func() {
		rss := rssKB(*pid)
		ceiling = max(ceiling, rss)
		fmt.Printf("t=%4.0fs rss=%6.1f MB ops=%d errors=%d\n", time.Since(start).Seconds(), float64(rss)/1024, ops.Load(), errs.Load())
	}
	sample()
	t := time.NewTicker(*every)
	for time.Now().Before(stop) {
		<-t.C
		sample()
	}
	wg.Wait()
	sample()
	fmt.Printf("ceiling: %.1f MB RSS over %s, %d requests (%.0f/s), %d failed sign-ins\n",
		float64(ceiling)/1024, *duration, ops.Load(), float64(ops.Load())/time.Since(start).Seconds(), errs.Load())
}

var client = &http.Client{Timeout: 30 * time.Second}

func post(u, bearer, body string) (int, []byte) {
	return do("POST", u, bearer, body)
}

func get(u, bearer string) (int, []byte) { return do("GET", u, bearer, "") }

func do(method, u, bearer, body string) (int, []byte) {
	req, _ := http.NewRequest(method, u, bytes.NewReader([]byte(body)))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, nil
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, raw
}

func getJSON(u string, v any) error {
	st, raw := get(u, "")
	if st != 200 {
		return fmt.Errorf("GET %s: status %d", u, st)
	}
	return json.Unmarshal(raw, v)
}

// rssKB reads VmRSS of pid from /proc (Linux).
func rssKB(pid int) int {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}
