package httpapi

import (
	"bytes"
	"io"
	"net/http"
	"time"
)

// Poster delivers the domain's webhooks with net/http (heimdall.Poster).
type Poster struct{ client *http.Client }

// deliveryTimeout is how long a receiver may take to answer a delivery.
const deliveryTimeout = 10 * time.Second

// NewPoster is a Poster for a domain.
func NewPoster() Poster {
	return Poster{&http.Client{Timeout: deliveryTimeout}}
}

// Post sends one delivery and reports the receiver's status.
func (p Poster) Post(url string, body []byte, header map[string]string) (int, error) {
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

// CloseIdle drops kept-alive connections, when the domain closes.
func (p Poster) CloseIdle() { p.client.CloseIdleConnections() }
