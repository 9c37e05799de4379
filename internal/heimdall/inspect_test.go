package heimdall

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/httpapi"
	"github.com/heimdall-mock/heimdall-mock/internal/keys"
	"github.com/heimdall-mock/heimdall-mock/internal/redact"
)

// inspectReq is a request as the inspector page would send it: same host
// as the API calls, so the per-app issuer matches.
func (h *harness) inspectReq() *http.Request {
	return httptest.NewRequest("POST", h.srv.URL+"/__mock/inspect/token", nil)
}

// origin is where inspectReq reaches the mock.
func (h *harness) origin() Origin {
	host := strings.TrimPrefix(h.srv.URL, "http://")
	_, port, _ := net.SplitHostPort(host)
	return Origin{Host: host, Port: port}
}

func TestInspectTokenGivesTheReasonVerifyWould(t *testing.T) {
	h := newHarness(t)
	up := h.signup("tess")
	access := up.str("access_token")
	r, at := h.inspectReq(), h.origin()

	rep := h.d.InspectToken(access, at)
	if rep.Reason != "" || rep.App == nil || rep.App.Slug != "demo" || rep.App.ID != BootstrapAppID {
		t.Fatalf("fresh token: %+v", rep)
	}
	if rep.Session == nil || rep.Session.ID != rep.Claims["sid"] || rep.Session.Role != "member" {
		t.Errorf("session of a fresh token: %+v", rep.Session)
	}
	if rep.Header["kid"] == nil || rep.Claims["sub"] == nil || !rep.Now.Equal(h.clk.Now()) {
		t.Errorf("decoded parts missing: %+v", rep)
	}

	// A token minted with another audience, and one whose session is gone.
	wrongAud, err := h.d.Mint(httpapi.OriginOf(r), MintRequest{Sub: "tess", Claims: map[string]any{"aud": "elsewhere"}})
	if err != nil {
		t.Fatal(err)
	}
	noSession, err := h.d.Mint(httpapi.OriginOf(r), MintRequest{Sub: "tess", Session: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	// A token signed by a key the app never had.
	stranger := keys.NewKeystore(testPool(), h.clk.Now())
	foreign, err := stranger.Sign(map[string]any{"aid": BootstrapAppID, "aud": "demo", "sub": "x", "exp": h.clk.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := stranger.Sign(map[string]any{"aud": "nowhere", "sub": "x"})
	if err != nil {
		t.Fatal(err)
	}
	// The keystore's refusals carry its words; the domain's carry the
	// facts the inspector words them from.
	cases := []struct {
		name, token, reason string
		byKeys, app         bool
	}{
		{"empty", "", reasonMissing, false, false},
		{"not a JWT", "abc.def", keys.ReasonMalformed, true, false},
		{"wrong audience", wrongAud["access_token"].(string), keys.ReasonAudience, false, true},
		{"no session", noSession["access_token"].(string), reasonSessionRevoked, false, true},
		{"unknown kid", foreign, keys.ReasonUnknownKey, true, true},
		{"no app at all", orphan, ReasonUnknownApp, false, false},
	}
	for _, c := range cases {
		rep := h.d.InspectToken(c.token, at)
		if rep.Reason != c.reason || rep.ByKeys != c.byKeys || (rep.KeyDetail != "") != c.byKeys || (rep.App != nil) != c.app {
			t.Errorf("%s: reason=%q by_keys=%v key_detail=%q app=%+v, want reason %q", c.name, rep.Reason, rep.ByKeys, rep.KeyDetail, rep.App, c.reason)
		}
	}

	// The mock clock decides expiry.
	h.clk.Advance(2 * time.Hour)
	rep = h.d.InspectToken(access, at)
	if rep.Reason != keys.ReasonExpired || !rep.ByKeys || !rep.Now.Equal(h.clk.Now()) {
		t.Errorf("after 2h: %+v", rep)
	}
	if rep.Session == nil {
		t.Error("an expired token of a live session should still show the session")
	}

	// Logout ends the session: a fresh token of it is refused for that.
	again := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "tess", "password": "password-tess"})
	h.must(204, "POST", "/demo/v1/auth/logout", "", map[string]any{"refresh_token": again.str("refresh_token")})
	rep = h.d.InspectToken(again.str("access_token"), at)
	if rep.Reason != reasonSessionRevoked || rep.Session != nil {
		t.Errorf("after logout: %+v", rep)
	}
	// The verdict matches what /verify answers for the same token.
	v := h.must(200, "POST", "/demo/v1/verify", again.str("access_token"), map[string]any{})
	if v.body["valid"] != false {
		t.Errorf("/verify accepted what the inspector refused: %s", v.raw)
	}
}

func TestInspectUsersSearchesAndShowsOneUser(t *testing.T) {
	h := newHarness(t)
	h.signup("ursula")
	h.signup("umberto")
	h.signup("vera")

	all, err := h.d.InspectUsers("demo", "", 0)
	if err != nil || all.Total != 3 || len(all.Users) != 3 {
		t.Fatalf("all users: %+v %v", all, err)
	}
	some, _ := h.d.InspectUsers("demo", "U", 0)
	if some.Total != 2 || some.Users[0].Username != "ursula" || some.Users[1].Username != "umberto" {
		t.Errorf("search u: %+v", some)
	}
	byMail, _ := h.d.InspectUsers("demo", "VERA@example", 0)
	if byMail.Total != 1 || byMail.Users[0].Email != "vera@example.com" || byMail.Users[0].EmailVerified {
		t.Errorf("search by email: %+v", byMail)
	}
	capped, _ := h.d.InspectUsers("demo", "", 1)
	if capped.Total != 3 || len(capped.Users) != 1 {
		t.Errorf("limit 1: %+v", capped)
	}
	if _, err := h.d.InspectUsers("nope", "", 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown app: %v", err)
	}

	id := byMail.Users[0].ID
	for _, ref := range []string{id, "VERA", "vera@example.com"} {
		u, err := h.d.InspectUser("demo", ref)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if u.ID != id || len(u.Contacts) != 1 || len(u.Sessions) != 1 || u.LiveSessions != 1 || u.Role != "member" {
			t.Errorf("%s: %+v", ref, u)
		}
	}
	if _, err := h.d.InspectUser("demo", "nobody"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
	// Sessions past their end are not shown as live.
	h.clk.Advance(31 * 24 * time.Hour)
	if u, _ := h.d.InspectUser("demo", id); len(u.Sessions) != 0 || u.LiveSessions != 0 {
		t.Errorf("expired sessions listed: %+v", u.Sessions)
	}
}

func TestInspectAppsShowsKeysAndSettings(t *testing.T) {
	h := newHarness(t)
	apps := h.d.InspectApps(h.origin())
	if len(apps) != 1 || apps[0].Slug != "demo" || len(apps[0].Keys) != 1 || !apps[0].Keys[0].Signing {
		t.Fatalf("apps: %+v", apps)
	}
	var config, notify map[string]any
	if err := json.Unmarshal(apps[0].AuthConfig, &config); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(apps[0].Notifications, &notify); err != nil {
		t.Fatal(err)
	}
	if apps[0].Issuer != h.srv.URL+"/demo" || config["signup_enabled"] != true || notify["notifications_via_envoi"] != true {
		t.Errorf("app settings: %+v", apps[0])
	}
	h.must(200, "POST", "/__mock/apps/demo/keys/rotate", "", nil)
	keysNow := h.d.InspectApps(h.origin())[0].Keys
	if len(keysNow) != 2 || !keysNow[0].Signing || keysNow[1].Signing || keysNow[1].RetiredAt == nil || keysNow[0].RetiredAt != nil {
		t.Errorf("after rotation: %+v", keysNow)
	}
}

// Looking must not change what a test observes next: expired sessions stay
// until the API itself forgets them, and the export is byte-identical.
func TestInspectingChangesNothing(t *testing.T) {
	h := newHarness(t)
	up := h.signup("wanda")
	h.clk.Advance(31 * 24 * time.Hour)
	before, err := h.d.Export()
	if err != nil {
		t.Fatal(err)
	}
	h.d.InspectApps(h.origin())
	if _, err := h.d.InspectUsers("demo", "", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := h.d.InspectUser("demo", "wanda"); err != nil {
		t.Fatal(err)
	}
	h.d.InspectToken(up.str("access_token"), h.origin())
	after, err := h.d.Export()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("inspecting changed the exported state")
	}
}

// BenchmarkInspectUsersSearch is one poll of the users view on an app with
// 10,000 users: a substring search over every username and contact.
func BenchmarkInspectUsersSearch(b *testing.B) {
	d := New(Options{Pool: testPool()})
	_ = update(d, func() error {
		a := d.st.appBySlug[BootstrapAppSlug]
		for i := range 10000 {
			name := fmt.Sprintf("user%05d", i)
			d.createUser(a, name, name+"@example.com", "", "", "member", false)
		}
		return nil
	})
	b.ReportAllocs()
	for b.Loop() {
		list, err := d.InspectUsers(BootstrapAppSlug, "user09", 200)
		if err != nil || list.Total != 1000 {
			b.Fatalf("search: %d %v", list.Total, err)
		}
	}
}

// BenchmarkInspectToken is one token check, dominated by the RSA
// signature verification that /verify pays too.
func BenchmarkInspectToken(b *testing.B) {
	d := New(Options{Pool: testPool()})
	r := httptest.NewRequest("POST", "http://mock.test/__mock/inspect/token", nil)
	out, err := d.Mint(httpapi.OriginOf(r), MintRequest{Sub: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	tok := out["access_token"].(string)
	b.ReportAllocs()
	at := Origin{Host: "mock.test"}
	for b.Loop() {
		if rep := d.InspectToken(tok, at); rep.Reason != "" {
			b.Fatalf("token refused: %s %s", rep.Reason, rep.KeyDetail)
		}
	}
}

// The journal keeps tokens without their signature; the inspector still
// judges everything else of such a copy, says so, and refuses what it can.
func TestInspectTokenJudgesAJournaledCopyWithoutItsSignature(t *testing.T) {
	h := newHarness(t)
	access := h.signup("rita").str("access_token")
	copyOf := func(tok string) string { return tok[:strings.LastIndex(tok, ".")] + "." + redact.Mask }
	at := h.origin()

	rep := h.d.InspectToken(copyOf(access), at)
	if rep.Reason != "" || !rep.SignatureRedacted || rep.Session == nil {
		t.Fatalf("journaled copy of a live token: %+v", rep)
	}
	if rep := h.d.InspectToken(access, at); rep.Reason != "" || rep.SignatureRedacted {
		t.Errorf("the real token: reason=%q signature_redacted=%v", rep.Reason, rep.SignatureRedacted)
	}
	stranger := keys.NewKeystore(testPool(), h.clk.Now())
	foreign, err := stranger.Sign(map[string]any{"aid": BootstrapAppID, "aud": "demo", "sub": "x", "exp": h.clk.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	if rep := h.d.InspectToken(copyOf(foreign), at); rep.Reason != keys.ReasonUnknownKey {
		t.Errorf("copy of a token from a foreign key: %+v", rep)
	}
	h.clk.Advance(2 * time.Hour)
	if rep := h.d.InspectToken(copyOf(access), at); rep.Reason != keys.ReasonExpired {
		t.Errorf("copy after 2h: %+v", rep)
	}
}

// The inspector's verdict must match /verify's, so the issuers accepted at
// an Origin are exactly those acceptedIssuers takes from the request the
// origin was read off (Host as sent; the listener's port, else Host's).
func TestIssuersAtAnOriginAreTheOnesVerifyAccepts(t *testing.T) {
	req := func(url string) *http.Request { return httptest.NewRequest("GET", url, nil) }
	onListener := func(r *http.Request, addr string) *http.Request {
		a, err := net.ResolveTCPAddr("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		return r.WithContext(context.WithValue(r.Context(), http.LocalAddrContextKey, a))
	}
	plain := New(Options{Pool: testPool()})
	named := New(Options{Pool: testPool(), PublicURL: "https://mock.example/", Names: []string{"mock.lan", "fe80::1"}})
	cases := []struct {
		name string
		d    *Domain
		r    *http.Request
		at   Origin
	}{
		{"no request", plain, nil, Origin{}},
		{"host with port", plain, req("http://mock.test:8080/x"), Origin{Host: "mock.test:8080", Port: "8080"}},
		{"host without port", plain, req("http://mock.test/x"), Origin{Host: "mock.test"}},
		{"behind a proxy", plain, onListener(req("http://proxy.test/x"), "127.0.0.1:9999"), Origin{Host: "proxy.test", Port: "9999"}},
		{"public URL and names", named, onListener(req("http://[::1]:7000/x"), "[::1]:7000"), Origin{Host: "[::1]:7000", Port: "7000"}},
		{"names without a port", named, req("http://mock.lan/x"), Origin{Host: "mock.lan"}},
	}
	for _, c := range cases {
		if got, want := c.d.issuersAt(c.at, "demo", true), c.d.acceptedIssuers(httpapi.OriginOf(c.r), "demo", true); !slices.Equal(got, want) {
			t.Errorf("%s: accepted issuers\n got %q\nwant %q", c.name, got, want)
		}
		if got, want := c.d.baseURLAt(c.at)+"/demo", c.d.issuer(httpapi.OriginOf(c.r), "demo"); got != want {
			t.Errorf("%s: issuer %q, want %q", c.name, got, want)
		}
	}
}
