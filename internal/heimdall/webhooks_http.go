package heimdall

import (
	"bytes"
	"io"
	"net/http"
	"time"
)

// httpPoster delivers webhooks with net/http.
type httpPoster struct{ client *http.Client }

func newPoster(timeout time.Duration) poster {
	return httpPoster{&http.Client{Timeout: timeout}}
}

func (p httpPoster) post(url string, body []byte, header map[string]string) (int, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := p.client.Do(req)
	if err != nil {
		return 0, err
	}
	// Drain a little so the connection is reused; the answer's body is
	// not recorded.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 1<<10))
	res.Body.Close()
	return res.StatusCode, nil
}

func (p httpPoster) closeIdle() { p.client.CloseIdleConnections() }
