package signin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/idp"
	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

func TestCallbackTargetOnlyReturnsTheMocksOwnCallback(t *testing.T) {
	for _, c := range []struct {
		provider, uri, want string
	}{
		{idp.Google, "http://localhost:4010/demo/v1/auth/oauth/google/callback", "/demo/v1/auth/oauth/google/callback"},
		// The host is dropped: the browser goes back to the mock's origin.
		{idp.GitHub, "https://evil.example.com/demo/v1/auth/oauth/github/callback", "/demo/v1/auth/oauth/github/callback"},
		{idp.Google, "/demo/v1/auth/oauth/apple/callback", ""},
		{idp.Google, "/demo/v1/auth/oauth/google/callback?next=https://evil.example.com", ""},
		{idp.Google, "/demo/v1/auth/oauth/google/callback#x", ""},
		{idp.Google, "/demo/v1/auth/oauth/google/callback/../../../admin", ""},
		{idp.Google, "https://evil.example.com/", ""},
		{idp.Google, "", ""},
	} {
		got, ok := callbackTarget(c.provider, c.uri)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("callbackTarget(%s, %q) = %q %v, want %q", c.provider, c.uri, got, ok, c.want)
		}
	}
}

// pagesServer serves Pages over a fresh Set, with every address with an @
// counted as valid, as a domain might decide.
// testPool holds the providers' keys; two are enough for these pages.
var (
	testPool = keys.NewPool(2)
	now      = time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
)

func pagesServer(t *testing.T) (*idp.Set, http.Handler) {
	t.Helper()
	set := idp.NewSet(testPool, now)
	mux := http.NewServeMux()
	Pages{
		Set:        func() *idp.Set { return set },
		Now:        func() time.Time { return now },
		ValidEmail: func(s string) bool { return strings.Contains(s, "@") },
	}.Routes(mux)
	return set, mux
}

func serve(h http.Handler, method, target string, form url.Values) *httptest.ResponseRecorder {
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req := httptest.NewRequest(method, target, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func errorCode(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var out map[string]string
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out["detail"] == "" {
		t.Fatalf("error body %q is not the control plane's {error, detail}", rec.Body)
	}
	return out["error"]
}

func TestSignInPageRendersTheFormAndRefusesBadRequests(t *testing.T) {
	_, h := pagesServer(t)
	cb := "/demo/v1/auth/oauth/google/callback"
	q := url.Values{"client_id": {`<script>x</script>`}, "redirect_uri": {cb}, "state": {"st"}, "nonce": {"n"}}
	rec := serve(h, "GET", "/__mock/idp/google/authorize?"+q.Encode(), nil)
	page := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("page: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	for _, want := range []string{"Sign in with Google", `action="/__mock/idp/google/authorize"`, `name="state" value="st"`, `value="` + cb + `"`, "&lt;script&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>") {
		t.Error("the client id reached the page unescaped")
	}

	for target, want := range map[string]string{
		"/__mock/idp/myspace/authorize?" + q.Encode():                                  "unknown_provider",
		"/__mock/idp/google/authorize?redirect_uri=https://evil.example.com/&state=st": "bad_redirect_uri",
		"/__mock/idp/google/authorize?redirect_uri=" + url.QueryEscape(cb):             "bad_state",
	} {
		rec := serve(h, "GET", target, nil)
		if got := errorCode(t, rec); rec.Code/100 != 4 || got != want {
			t.Errorf("GET %s: %d %s, want %s", target, rec.Code, got, want)
		}
	}
}

func TestSignInSubmitIssuesACodeForTheCallback(t *testing.T) {
	set, h := pagesServer(t)
	form := url.Values{
		"client_id": {"web-client"}, "redirect_uri": {"/demo/v1/auth/oauth/apple/callback"}, "state": {"st"}, "nonce": {"n1"},
		"email": {" pia@" + idp.PrivateRelayDomain + " "}, "name": {" Pia "}, "email_verified": {"on"},
	}
	rec := serve(h, "POST", "/__mock/idp/apple/authorize", form)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", rec.Code, rec.Body)
	}
	loc, _ := url.Parse(rec.Header().Get("Location"))
	if loc.Path != "/demo/v1/auth/oauth/apple/callback" || loc.Query().Get("state") != "st" || loc.Host != "" {
		t.Fatalf("redirect = %q", loc)
	}
	g, err := set.Redeem(idp.Apple, loc.Query().Get("code"), now)
	if err != nil {
		t.Fatalf("the code does not redeem: %v", err)
	}
	email := "pia@" + idp.PrivateRelayDomain
	want := idp.Identity{Sub: idp.SubFor(idp.Apple, email), Email: email, EmailVerified: true, IsPrivateEmail: true, Name: "Pia"}
	if g.ClientID != "web-client" || g.Nonce != "n1" || g.Identity != want {
		t.Fatalf("grant = %+v", g)
	}

	form.Set("action", "cancel")
	rec = serve(h, "POST", "/__mock/idp/apple/authorize", form)
	loc, _ = url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusSeeOther || loc.Query().Get("error") != "access_denied" || loc.Query().Has("code") {
		t.Fatalf("cancel: %d %q", rec.Code, loc)
	}

	form.Del("action")
	for field, bad := range map[string]string{"email": "nobody", "redirect_uri": "/demo/v1/auth/oauth/google/callback", "state": ""} {
		f := url.Values{}
		for k, v := range form {
			f[k] = v
		}
		f.Set(field, bad)
		rec := serve(h, "POST", "/__mock/idp/apple/authorize", f)
		if got := errorCode(t, rec); rec.Code != 400 || got != "bad_"+field {
			t.Errorf("bad %s: %d %s", field, rec.Code, got)
		}
	}
}
