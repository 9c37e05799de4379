package heimdall

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
)

// upload posts data as the multipart "file" part of POST /me/avatar.
func (h *harness) upload(token string, data []byte, filename string) (int, string) {
	h.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		h.t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", h.srv.URL+"/demo/v1/me/avatar", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

var pngBytes = append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{1}, 64)...)

func TestAvatarUploadRedirectAndRemove(t *testing.T) {
	h := newHarness(t)
	alice := h.signup("alice")
	tok := alice.str("access_token")
	me := h.must(200, "GET", "/demo/v1/me", tok, nil)
	id := me.str("id")
	h.must(404, "GET", "/demo/v1/avatars/"+id, "", nil)

	if st, body := h.upload(tok, []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), "x.png"); st != 415 {
		t.Fatalf("svg upload → %d %s", st, body)
	}
	if st, body := h.upload(tok, pngBytes, "a.png"); st != 201 || !strings.Contains(body, "/demo/v1/avatars/"+id) {
		t.Fatalf("png upload → %d %s", st, body)
	}

	if got := h.must(200, "GET", "/demo/v1/me", tok, nil).str("avatar_url"); !strings.HasSuffix(got, "/demo/v1/avatars/"+id) {
		t.Fatalf("/me avatar_url %q", got)
	}
	client := *h.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := client.Get(h.srv.URL + "/demo/v1/avatars/" + id)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc := res.Header.Get("Location")
	if res.StatusCode != 302 || loc == "" {
		t.Fatalf("avatar redirect → %d %q", res.StatusCode, loc)
	}
	img, err := h.srv.Client().Get(loc)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(img.Body)
	img.Body.Close()
	if img.Header.Get("Content-Type") != "image/png" || !bytes.Equal(got, pngBytes) {
		t.Fatalf("served avatar: %s %q", img.Header.Get("Content-Type"), got)
	}

	h.must(204, "DELETE", "/demo/v1/me/avatar", tok, nil)
	h.must(404, "GET", "/demo/v1/avatars/"+id, "", nil)
	if got := h.must(200, "GET", "/demo/v1/me", tok, nil).body["avatar_url"]; got != nil {
		t.Fatalf("/me avatar_url after removal: %v", got)
	}
	h.must(401, "DELETE", "/demo/v1/me/avatar", "", nil)
}

func TestAvatarSizeLimit(t *testing.T) {
	h := newHarness(t)
	tok := h.signup("alice").str("access_token")
	// Over the router's body limit or the 2 MB file limit: 413 either way.
	big := append(append([]byte{}, pngBytes...), make([]byte, maxAvatarBytes)...)
	if st, body := h.upload(tok, big, "big.png"); st != http.StatusRequestEntityTooLarge {
		t.Fatalf("big upload → %d %s", st, body)
	}
	// The handler's own limit, without the router in front.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "big.png")
	_, _ = fw.Write(big)
	_ = mw.Close()
	data := buf.Bytes()
	req := &Call{Params: []string{"demo"}, Body: data, Headers: textproto.MIMEHeader{"Content-Type": {mw.FormDataContentType()}}}
	h.d.mu.Lock()
	a := h.d.st.appBySlug["demo"]
	resp := h.d.setAvatar(req, a, &principal{user: a.Users[len(a.Users)-1], app: a})
	h.d.mu.Unlock()
	if resp.Err == nil || resp.Err.Status != http.StatusRequestEntityTooLarge {
		t.Fatalf("handler limit → %+v", resp)
	}
}

func TestAvatarFallsBackToProviderPicture(t *testing.T) {
	h := newHarness(t)
	tok := h.signup("alice").str("access_token")
	id := h.must(200, "GET", "/demo/v1/me", tok, nil).str("id")
	h.d.mu.Lock()
	h.d.setProviderPicture(h.d.st.appBySlug["demo"].userByID[id], "https://pictures.example.com/alice.png")
	h.d.mu.Unlock()

	client := *h.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	location := func() string {
		t.Helper()
		res, err := client.Get(h.srv.URL + "/demo/v1/avatars/" + id)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 302 {
			t.Fatalf("avatar → %d", res.StatusCode)
		}
		return res.Header.Get("Location")
	}
	if loc := location(); loc != "https://pictures.example.com/alice.png" {
		t.Fatalf("provider picture redirect to %q", loc)
	}
	// An upload takes precedence over the provider picture.
	if st, body := h.upload(tok, pngBytes, "a.png"); st != 201 {
		t.Fatalf("upload → %d %s", st, body)
	}
	if loc := location(); !strings.Contains(loc, "/__mock/avatars/demo/"+id) {
		t.Fatalf("uploaded avatar redirect to %q", loc)
	}
}
