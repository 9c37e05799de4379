package heimdall

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/fixtures"
)

func TestExportImportKeepsTokensValid(t *testing.T) {
	h := newHarness(t)
	up := h.signup("ada")
	snap, err := h.d.Export()
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"password-ada", up.str("refresh_token"), BootstrapAPIKey} {
		if bytes.Contains(snap, []byte(secret)) {
			t.Fatalf("snapshot holds a plaintext secret %q", secret)
		}
	}
	h.d.Reset()
	h.must(401, "GET", "/demo/v1/me", up.str("access_token"), nil)
	if err := h.d.Import(snap); err != nil {
		t.Fatal(err)
	}
	// The same keys, sessions and passwords are back.
	h.must(200, "GET", "/demo/v1/me", up.str("access_token"), nil)
	verifyWithJOSE(t, h, up.str("access_token"), "demo")
	h.must(200, "POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": up.str("refresh_token")})
	h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada", "password": "password-ada"})

	// A bad snapshot changes nothing.
	for _, bad := range []string{``, `{}`, `{"version":1}`, `not json`, strings.Replace(string(snap), `"slug":"demo"`, `"slug":"__x"`, 1)} {
		if err := h.d.Import(json.RawMessage(bad)); err == nil {
			t.Errorf("Import(%.40q) succeeded", bad)
		}
	}
	h.must(200, "GET", "/demo/v1/me", up.str("access_token"), nil)
}

func TestResetReturnsToBaselineKeys(t *testing.T) {
	h := newHarness(t)
	before := fetchJWKS(t, h, "demo").Keys[0].KeyID
	res, err := h.srv.Client().Post(h.srv.URL+"/__mock/apps/demo/keys/rotate", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	h.must(201, "POST", "/v1/apps", h.apiKey, map[string]any{"slug": "shop", "display_name": "Shop", "workspace_id": BootstrapWorkspaceID})
	h.d.Reset()
	keys := fetchJWKS(t, h, "demo").Keys
	if len(keys) != 1 || keys[0].KeyID != before {
		t.Fatalf("after reset the JWKS is %v, want only %s", keys, before)
	}
	h.must(404, "GET", "/shop/v1/.well-known/jwks.json", "", nil)
}

func TestFixturesBaselineAndApply(t *testing.T) {
	h := newHarness(t)
	data, err := os.ReadFile(filepath.Join("..", "fixtures", "testdata", "fixtures", "example.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := fixtures.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.d.SetBaseline(doc); err != nil {
		t.Fatal(err)
	}
	// Seeded users sign in; seeded suspended users are refused; seeded
	// config applies (3 failed attempts lock in shop).
	h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "ada@example.com", "password": "correct-horse-1"})
	h.must(403, "POST", "/shop/v1/auth/signin", "", map[string]any{"identifier": "mallory", "password": "s3cret-pass"})
	tok := h.must(200, "POST", "/shop/v1/oauth/token", "", map[string]any{"grant_type": "client_credentials", "client_id": "shop-billing", "client_secret": "billing-secret-0123"})
	if tok.str("scope") != "order.read" {
		t.Fatalf("seeded client scope = %q", tok.str("scope"))
	}
	shopID := h.must(200, "GET", "/v1/apps/shop", "pcft_test_shop_ci_0123456789abcdef", nil).str("id")
	cfg := h.must(200, "GET", "/v1/apps/"+shopID+"/auth-config", h.apiKey, nil)
	if cfg.body["max_failed_login_attempts"] != float64(3) || cfg.body["oauth_link_policy"] != "confirm" {
		t.Fatalf("auth-config = %s", cfg.raw)
	}

	// Reset returns to the seeded baseline, not the bare bootstrap.
	h.signup("zed")
	h.d.Reset()
	h.must(401, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "zed", "password": "password-zed"})
	h.must(200, "POST", "/shop/v1/auth/signin", "", map[string]any{"identifier": "grace", "password": "correct-horse-2"})

	// ApplyFixtures adds; a conflict applies nothing.
	extra, _ := fixtures.Parse([]byte("apps: [{slug: shop, users: [{email: new@example.com, username: newbie, password: pw-123456}]}, {slug: blog}]"))
	ids, err := h.d.ApplyFixtures(extra)
	if err != nil {
		t.Fatal(err)
	}
	apps := ids["apps"].(map[string]any)
	if apps["shop"].(map[string]any)["users"].(map[string]string)["newbie"] == "" || apps["blog"] == nil {
		t.Fatalf("ids = %v", ids)
	}
	clash, _ := fixtures.Parse([]byte("apps: [{slug: fresh}, {slug: shop, users: [{email: grace@example.com, username: grace2, password: pw-123456}]}]"))
	if _, err := h.d.ApplyFixtures(clash); err == nil || !strings.Contains(err.Error(), "apps[1].users[0].email") {
		t.Fatalf("clash error = %v", err)
	}
	h.must(404, "GET", "/fresh/v1/.well-known/jwks.json", "", nil)
}

func TestControlTokens(t *testing.T) {
	h := newHarness(t)
	h.signup("ada")
	mint := func(body string) (int, map[string]any) {
		res, err := h.srv.Client().Post(h.srv.URL+"/__mock/tokens", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(res.Body).Decode(&out)
		return res.StatusCode, out
	}
	verify := func(tok string) resp {
		return h.must(200, "POST", "/demo/v1/verify", tok, map[string]any{})
	}
	status, out := mint(`{"sub":"ada","role":"admin"}`)
	if status != 200 {
		t.Fatalf("mint: %d %v", status, out)
	}
	if v := verify(out["access_token"].(string)); v.body["valid"] != true || v.body["principal"].(map[string]any)["role"] != "admin" {
		t.Fatalf("minted token: %s", v.raw)
	}
	az := h.must(200, "POST", "/demo/v1/authorize", out["access_token"].(string), map[string]any{"permission": "user.read"})
	if az.body["authorized"] != true {
		t.Fatalf("the minted role does not authorize: %s", az.raw)
	}
	_, out = mint(`{"sub":"ada","ttl":"-1m"}`)
	if v := verify(out["access_token"].(string)); v.str("error") != "expired" {
		t.Fatalf("negative ttl: %s", v.raw)
	}
	_, out = mint(`{"sub":"ada","session":false}`)
	if v := verify(out["access_token"].(string)); v.str("error") != reasonSessionRevoked {
		t.Fatalf("session false: %s", v.raw)
	}
	_, out = mint(`{"sub":"ada","legacy_issuer":true}`)
	if v := verify(out["access_token"].(string)); v.body["valid"] != true {
		t.Fatalf("legacy issuer: %s", v.raw)
	}
	_, out = mint(`{"sub":"ada","claims":{"aud":"other-app"}}`)
	if v := verify(out["access_token"].(string)); v.str("error") != "wrong_audience" {
		t.Fatalf("wrong aud: %s", v.raw)
	}
	_, out = mint(`{"sub":"ada","claims":{"iss":"https://evil.example.com/demo"}}`)
	if v := verify(out["access_token"].(string)); v.str("error") != "wrong_issuer" {
		t.Fatalf("wrong iss: %s", v.raw)
	}
	_, out = mint(`{"sub":"ada","claims":{"nbf":4102444800}}`)
	if v := verify(out["access_token"].(string)); v.str("error") != "not_yet_valid" {
		t.Fatalf("nbf: %s", v.raw)
	}
	// A token of another app fails on this one.
	h.must(201, "POST", "/v1/apps", h.apiKey, map[string]any{"slug": "shop", "display_name": "Shop", "workspace_id": BootstrapWorkspaceID})
	_, out = mint(`{"app_slug":"shop","sub":"x","session":false}`)
	if v := verify(out["access_token"].(string)); v.body["valid"] != false {
		t.Fatalf("other app's token: %s", v.raw)
	}
	// Tampering breaks the signature; alg none is refused.
	_, out = mint(`{"sub":"ada"}`)
	tok := out["access_token"].(string)
	parts := strings.Split(tok, ".")
	tampered := parts[0] + "." + parts[1] + "x." + parts[2]
	if v := verify(tampered); v.body["valid"] != false {
		t.Fatalf("tampered: %s", v.raw)
	}
	none := "eyJhbGciOiJub25lIn0." + parts[1] + "."
	if v := verify(none); v.body["valid"] != false {
		t.Fatalf("alg none: %s", v.raw)
	}
	// An unknown subject gets a user, so its token verifies and /me works.
	status, out = mint(`{"sub":"ext-user-42","role":"admin"}`)
	if status != 200 || out["sub"] != "ext-user-42" {
		t.Fatalf("mint for a new subject: %d %v", status, out)
	}
	if me := h.must(200, "GET", "/demo/v1/me", out["access_token"].(string), nil); me.str("id") != "ext-user-42" {
		t.Fatalf("me = %s", me.raw)
	}
	status, out = mint(`{}`)
	if status != 200 || verify(out["access_token"].(string)).body["valid"] != true {
		t.Fatalf("mint with no subject: %d %v", status, out)
	}
	for _, bad := range []string{`{"type":"robot"}`, `{"ttl":"soon"}`, `{"app_slug":"ghost"}`, `{"sub":"__x"}`, `{"unknown":1}`, `not json`} {
		if status, out := mint(bad); status < 400 || out["error"] == nil || out["detail"] == nil {
			t.Errorf("mint %s: %d %v", bad, status, out)
		}
	}
}

func TestOutboxControl(t *testing.T) {
	h := newHarness(t)
	h.signup("ada")
	h.signup("bob")
	get := func(q string) []any {
		return h.must(200, "GET", "/__mock/outbox"+q, "", nil).list
	}
	all := get("")
	if len(all) != 2 || all[0].(map[string]any)["to"] != "bob@example.com" {
		t.Fatalf("outbox newest first: %v", all)
	}
	if m := all[0].(map[string]any); m["link"] == "" || m["code"] == "" || m["kind"] != kindVerification {
		t.Fatalf("message = %v", m)
	}
	if len(get("?to=ada@example.com")) != 1 || len(get("?kind=password_reset")) != 0 {
		t.Fatal("filters do not filter")
	}
	if r := h.call("GET", "/__mock/outbox?kind=fax", "", nil); r.status != 400 || r.str("error") == "" {
		t.Fatalf("bad kind: %d %s", r.status, r.raw)
	}
	h.must(http.StatusNoContent, "DELETE", "/__mock/outbox", "", nil)
	if len(get("")) != 0 {
		t.Fatal("outbox not cleared")
	}
}

func TestAppendCappedKeepsTheNewest(t *testing.T) {
	var list []int
	for i := 0; i < 1000; i++ {
		list = appendCapped(list, i, 16)
		if len(list) > 18 || list[len(list)-1] != i {
			t.Fatalf("after %d: len %d, last %d", i, len(list), list[len(list)-1])
		}
	}
	if len(list) < 16 || list[0] != 1000-len(list) {
		t.Fatalf("list = %v", list)
	}
}

func TestImportRefusesNullRowsAndSortsOrder(t *testing.T) {
	d := New(Options{Pool: testPool()})
	for _, n := range []string{"ada", "bob"} {
		if r := call(d.signup, "POST", "/demo/v1/auth/signup", "", `{"username":"`+n+`","email":"`+n+`@example.com","password":"password-1"}`); r.Status != 200 {
			t.Fatalf("signup: %v", r.Body)
		}
	}
	snap, err := d.Export()
	if err != nil {
		t.Fatal(err)
	}
	edit := func(fn func(app map[string]any)) []byte {
		var doc map[string]any
		if err := json.Unmarshal(snap, &doc); err != nil {
			t.Fatal(err)
		}
		fn(doc["apps"].([]any)[0].(map[string]any))
		out, _ := json.Marshal(doc)
		return out
	}
	for _, field := range []string{"users", "audit", "roles", "sessions"} {
		bad := edit(func(app map[string]any) { app[field] = append(app[field].([]any), nil) })
		if err := d.Import(bad); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("null %s row: %v", field, err)
		}
	}
	// Rows out of creation order are put back in order, not refused.
	reversed := edit(func(app map[string]any) {
		users := app["users"].([]any)
		users[0], users[1] = users[1], users[0]
	})
	if err := d.Import(reversed); err != nil {
		t.Fatal(err)
	}
	r := call(d.platform(d.listUsers), "GET", "/"+BootstrapAppID+"/v1/x", BootstrapAPIKey, "")
	data := r.Body.(map[string]any)["data"].([]map[string]any)
	if len(data) != 2 || data[0]["username"] != "ada" {
		t.Fatalf("users after import = %v", data)
	}
}

func TestBootstrapIsFixedAndUsable(t *testing.T) {
	h := newHarness(t)
	b := h.d.Bootstrap()
	want := Bootstrap{BootstrapWorkspaceID, BootstrapAPIKey, BootstrapAppID, BootstrapAppSlug, BootstrapAppleClientID, BootstrapGoogleClientID}
	if b != want {
		t.Fatalf("Bootstrap() = %+v", b)
	}
	app := h.must(200, "GET", "/v1/apps/"+b.AppID, b.APIKey, nil)
	if app.str("slug") != b.AppSlug || app.str("workspace_id") != b.WorkspaceID {
		t.Fatalf("bootstrap app = %s", app.raw)
	}
	roles := h.must(200, "GET", "/demo/v1/admin/roles", b.APIKey, nil).body["data"].([]any)
	if len(roles) != 3 {
		t.Fatalf("roles = %v", roles)
	}
	raw, err := json.Marshal(b)
	if err != nil || !strings.Contains(string(raw), `"google_client_id":"`+BootstrapGoogleClientID+`"`) {
		t.Fatalf("json = %s, %v", raw, err)
	}
}
