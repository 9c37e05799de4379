package mockcli

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestStalledBodyIsDroppedWhileOthersAreServed(t *testing.T) {
	base, stop, _ := start(t, "--read-timeout", "1s", "--read-header-timeout", "1s")
	defer stop()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Promise 100 bytes, send 2, then stall.
	_, _ = io.WriteString(conn, "POST /demo/v1/auth/signin HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"")
	// Others are served meanwhile.
	res, err := http.Get(base + "/demo/v1/.well-known/jwks.json")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("a concurrent request was not served: %v %v", res, err)
	}
	res.Body.Close()
	// The stalled connection is closed by the server, not by us.
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err = io.ReadAll(conn)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatal("the mock still holds the stalled connection after its read timeout")
	}
}
