package heimdall

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/heimdall-mock/heimdall-mock/internal/fixtures"
	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/httpapi"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
)

func declaresCredential(op *router.Operation) bool {
	if op.Spec.Security != nil {
		for _, req := range *op.Spec.Security {
			if len(req) > 0 {
				return true
			}
		}
	}
	for _, p := range op.Spec.Parameters {
		if p.Value != nil && p.Value.In == "header" && strings.EqualFold(p.Value.Name, "authorization") && p.Value.Required {
			return true
		}
	}
	return false
}

// The credentials of the access matrix. Fixed plaintexts, so the baseline
// holds them and every operation starts from the same state.
const (
	keyOther     = "pcft_test_other_app_key_000000000"
	keyScoped    = "pcft_test_scoped_key_0000000000000"
	keyExact     = "pcft_test_exact_key_00000000000000"
	keyWorkspace = "pcft_test_workspace_key_0000000000"
	m2mScoped    = "svc-scoped"
	m2mBare      = "svc-bare"
	memberExact  = "pu_exact"  // a platform member holding the rule's permission
	memberScoped = "pu_scoped" // a platform member holding nothing useful
)

// accessWorld is a domain whose baseline holds a second app, keys of
// either app, M2M clients with and without scopes and an end user with no
// permissions.
type accessWorld struct {
	t   *testing.T
	d   *Domain
	reg *router.Registry
	req *http.Request // supplies the base URL for minted tokens
}

func newAccessWorld(t *testing.T) *accessWorld {
	d := newHarness(t).d
	doc := &fixtures.Document{Apps: []fixtures.App{
		{Slug: "other", DisplayName: "Other", APIKeys: []fixtures.APIKey{{Name: "other", Key: keyOther, Permissions: []string{"*"}}},
			Users: []fixtures.User{{Email: "olga@example.com", Username: "olga", Password: "password-olga", EmailVerified: true}}},
		{Slug: BootstrapAppSlug,
			APIKeys: []fixtures.APIKey{{Name: "scoped", Key: keyScoped, Permissions: []string{"nothing.here"}}},
			Users:   []fixtures.User{{Email: "mia@example.com", Username: "mia", Password: "password-mia", EmailVerified: true}},
			M2MClients: []fixtures.M2M{
				{Name: "scoped", ClientID: m2mScoped, Secret: "secret-scoped-0000", Scopes: systemPermissions},
				{Name: "bare", ClientID: m2mBare, Secret: "secret-bare-00000000"},
			}},
	}}
	if err := d.SetBaseline(doc); err != nil {
		t.Fatal(err)
	}
	reg := router.NewRegistry()
	httpapi.Bind(reg, d.Routes(), d.Guard)
	return &accessWorld{t: t, d: d, reg: reg, req: httptest.NewRequest("GET", "http://mock.test/", nil)}
}

func (w *accessWorld) mint(in MintRequest) string {
	w.t.Helper()
	out, err := w.d.Mint(httpapi.OriginOf(w.req), in)
	if err != nil {
		w.t.Fatal(err)
	}
	return out["access_token"].(string)
}

// grantExact gives the demo app a key holding exactly perm (every app
// permission for a rule without one) and a workspace-wide key with it, and
// the workspace a platform member holding it and one holding nothing.
func (w *accessWorld) grantExact(perm string) {
	perms := []string{perm}
	if perm == "" {
		perms = []string{"nothing.here"}
	}
	w.d.mu.Lock()
	defer w.d.mu.Unlock()
	w.d.addAPIKey(w.d.st.appBySlug[BootstrapAppSlug], "exact", keyExact, perms)
	k := w.d.addAPIKey(w.d.st.appBySlug[BootstrapAppSlug], "workspace", keyWorkspace, perms)
	k.AppID = ""
	w.d.st.PlatformMembers = []*platformMemberRec{
		{ID: memberExact, Role: "custom", Permissions: perms},
		{ID: memberScoped, Role: "custom", Permissions: []string{"nothing.here"}},
	}
}

// call runs the access guard and the registered handler of op the way
// the router does, with an empty JSON object as body.
func (w *accessWorld) call(op *router.Operation, auth string) *router.Response {
	w.t.Helper()
	path := op.Path
	var params []string
	for _, name := range op.ParamNames {
		v := "00000000-0000-4000-8000-0000000000ff"
		switch {
		case name == "app_id":
			v = BootstrapAppID
		case name == "app_slug":
			v = BootstrapAppSlug
		case name == "provider":
			v = "apple"
		}
		params = append(params, v)
		path = strings.Replace(path, "{"+name+"}", v, 1)
	}
	req := httptest.NewRequest(op.Method, "http://mock.test"+path, strings.NewReader("{}"))
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, ok := w.reg.Serve(op.Key, &router.Request{HTTP: req, Op: op, Params: params, Body: []byte("{}")})
	if !ok {
		w.t.Fatalf("%s: no handler", op.Key)
	}
	if resp == nil {
		w.t.Fatalf("%s: no response", op.Key)
	}
	return resp
}

func deniedAccess(resp *router.Response) bool {
	return resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden
}

// TestAccessMatrix calls every operation of the newest spec with each kind
// of credential its row names, and with the ones it refuses: none, an
// unknown one, another app's, an expired one and one without the
// permission. The router's request validation runs before this point in
// the server, so the handlers are called directly with an empty body: the
// access decision is what is under test, and it comes first.
func TestAccessMatrix(t *testing.T) {
	w := newAccessWorld(t)
	rt := mustRouter(t, newestSpec(t))
	counts := map[credential]int{}
	for _, op := range rt.Operations() {
		rule, ok := accessByKey[op.Key]
		if !ok {
			t.Errorf("%s %s has no access rule", op.Method, op.Path)
			continue
		}
		counts[rule.Cred]++
		name := fmt.Sprintf("%s %s (%s %q)", op.Method, op.Path, rule.Cred, rule.Perm)
		fresh := func() {
			w.d.Reset()
			w.grantExact(rule.Perm)
		}
		fresh()
		userTok := w.mint(MintRequest{Sub: "mia"})
		expiredUser := w.mint(MintRequest{Sub: "mia", TTL: "-1m"})
		otherUser := w.mint(MintRequest{AppSlug: "other", Sub: "olga"})
		m2mWith := w.mint(MintRequest{Type: typeM2M, Sub: m2mScoped})
		m2mWithout := w.mint(MintRequest{Type: typeM2M, Sub: m2mBare})
		platform := w.mint(MintRequest{Type: typePlatform})
		expect := func(label, auth string, want func(*router.Response) bool, what string) {
			t.Helper()
			resp := w.call(op, auth)
			if !want(resp) {
				t.Errorf("%s, %s: got %d %v, want %s", name, label, resp.Status, resp.Body, what)
			}
		}
		is := func(code int) func(*router.Response) bool {
			return func(r *router.Response) bool { return r.Status == code }
		}
		notRefused := func(r *router.Response) bool { return !deniedAccess(r) }
		switch rule.Cred {
		case credNone:
			// A credential is neither needed nor looked at.
			bare := w.call(op, "")
			if deniedAccess(bare) && !strings.Contains(op.Path, "/auth/mfa/") && !strings.Contains(op.Path, "/oauth/exchange") {
				t.Errorf("%s: public, yet %d without a credential: %v", name, bare.Status, bare.Body)
			}
			expect("garbage bearer", "garbage", func(r *router.Response) bool { return r.Status == bare.Status }, fmt.Sprint(bare.Status, " as without one"))
		case credClient:
			expect("no client credentials", "", func(r *router.Response) bool { return r.Status == 400 || r.Status == 401 }, "400 or 401")
		case credKeyOptional:
			expect("no key", "", notRefused, "not refused")
			expect("unknown key", "pcft_test_unknown", is(401), "401")
			expect("other app's key", keyOther, is(403), "403")
			expect("app's key", keyExact, notRefused, "not refused")
		case credTokenArg:
			expect("nothing", "", is(401), "401")
			expect("unknown key", "pcft_test_unknown", is(401), "401")
			expect("other app's key", keyOther, is(403), "403")
			expect("token in the header", userTok, notRefused, "not refused")
		case credKey, credKeyOrUser:
			expect("no key", "", is(401), "401")
			expect("unknown key", "pcft_test_unknown", is(401), "401")
			expect("other app's key", keyOther, is(403), "403")
			expect("under-scoped key", keyScoped, is(403), "403")
			expect("key with "+rule.Perm, keyExact, notRefused, "not refused")
			if rule.Cred == credKeyOrUser {
				expect("expired user token", expiredUser, is(401), "401")
				expect("other app's user token", otherUser, is(401), "401")
				expect("user token", userTok, notRefused, "not refused (membership is the handler's call)")
			}
		case credUser:
			expect("no token", "", is(401), "401")
			expect("expired user token", expiredUser, is(401), "401")
			expect("other app's user token", otherUser, is(401), "401")
			expect("API key", BootstrapAPIKey, deniedAccess, "401 or 403")
			expect("M2M token", m2mWith, deniedAccess, "401 or 403")
			// step-up's own 401 is about the code in the body, not the token.
			expect("user token", userTok, func(r *router.Response) bool { return !deniedAccess(r) || codeOf(r) == "mfa_code_invalid" }, "not refused")
		case credAnyToken:
			expect("no token", "", is(401), "401")
			expect("user token", userTok, notRefused, "not refused")
			expect("M2M token", m2mWith, notRefused, "not refused")
		case credAdmin:
			expect("no credential", "", is(401), "401")
			expect("unknown key", "pcft_test_unknown", is(401), "401")
			expect("expired platform token", w.mint(MintRequest{Type: typePlatform, TTL: "-1m"}), is(401), "401")
			expect("end-user token", userTok, is(401), "401")
			expect("platform token of another workspace", w.mint(MintRequest{Type: typePlatform, Claims: map[string]any{"workspace_id": newID()}}), is(403), "403")
			expect("platform token of a non-member", w.mint(MintRequest{Type: typePlatform, Sub: newID()}), is(403), "403")
			expect("platform token of another type", w.mint(MintRequest{Type: typePlatform, Claims: map[string]any{"type": "service"}}), is(401), "401")
			if strings.Contains(op.Path, "{") {
				expect("other app's key", keyOther, is(403), "403")
				expect("under-scoped key", keyScoped, is(403), "403")
				expect("key with "+rule.Perm, keyExact, notRefused, "not refused")
			} else {
				if rule.Perm != "" {
					expect("under-scoped workspace key", keyScoped, is(403), "403")
				}
				expect("workspace key with "+rule.Perm, keyWorkspace, notRefused, "not refused")
			}
			if rule.Perm != "" {
				expect("platform member without "+rule.Perm, w.mint(MintRequest{Type: typePlatform, Sub: memberScoped}), is(403), "403")
			}
			fresh() // the calls above may have deleted the app
			expect("platform member with "+rule.Perm, w.mint(MintRequest{Type: typePlatform, Sub: memberExact}), notRefused, "not refused")
			fresh()
			expect("platform token", platform, notRefused, "not refused")
		case credAppAdmin:
			expect("no credential", "", is(401), "401")
			expect("unknown key", "pcft_test_unknown", is(401), "401")
			expect("other app's key", keyOther, is(403), "403")
			expect("under-scoped key", keyScoped, is(403), "403")
			expect("expired user token", expiredUser, is(401), "401")
			expect("other app's user token", otherUser, is(401), "401")
			expect("member's token (role without "+rule.Perm+")", userTok, is(403), "403")
			expect("M2M token without the scope", m2mWithout, is(403), "403")
			expect("M2M token with the scope", m2mWith, notRefused, "not refused")
			expect("key with "+rule.Perm, keyExact, notRefused, "not refused")
		default:
			t.Errorf("%s: no expectations for %s", name, rule.Cred)
		}
	}
	t.Logf("operations by credential: %v", counts)
}

func mustRouter(t *testing.T, doc *openapi3.T) *router.Router {
	t.Helper()
	rt, err := router.New(doc, router.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return rt
}

func codeOf(r *router.Response) string {
	b, _ := json.Marshal(r.Body)
	var v struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(b, &v)
	return v.Code
}

// TestScopedKeysStayInScope is the README's promise: a key made with
// {"permissions":["user.read"]} reads users and does nothing else, and no
// key grants more than it holds.
func TestScopedKeysStayInScope(t *testing.T) {
	h := newHarness(t)
	app := "/v1/apps/" + BootstrapAppID
	alice := h.signup("alice")
	aliceID := h.must(200, "GET", "/demo/v1/me", alice.str("access_token"), nil).str("id")
	newKey := func(perms ...string) string {
		return h.must(201, "POST", app+"/api-keys", h.apiKey, map[string]any{"name": "k", "permissions": perms}).str("key")
	}

	reader := newKey("user.read")
	h.must(200, "GET", app+"/end-users", reader, nil)
	h.must(200, "GET", "/demo/v1/admin/users", reader, nil)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", app + "/api-keys", map[string]any{"name": "root", "permissions": []string{"*"}}},
		{"POST", app + "/roles/assign", map[string]any{"account_id": aliceID, "role": "owner"}},
		{"PATCH", app + "/end-users/" + aliceID + "/status", map[string]any{"status": "suspended"}},
		{"DELETE", app + "/end-users/" + aliceID, nil},
		{"DELETE", "/demo/v1/admin/users/" + aliceID, nil},
		{"POST", app + "/credentials", map[string]any{"name": "svc"}},
		{"PATCH", app, map[string]any{"display_name": "Mine"}},
	} {
		r := h.must(403, c.method, c.path, reader, c.body)
		if !strings.Contains(fmt.Sprint(r.body["message"]), "lacks") {
			t.Errorf("%s %s: %s", c.method, c.path, r.raw)
		}
	}

	// A key that may mint keys mints only what it holds.
	minter := newKey("auth.api-key.create", "user.read")
	for _, perms := range [][]string{{"*"}, {"user.*"}, {"user.delete"}, {"auth.*"}} {
		r := h.must(403, "POST", app+"/api-keys", minter, map[string]any{"name": "up", "permissions": perms})
		if !strings.Contains(fmt.Sprint(r.body["message"]), "Cannot grant actions you don't have") {
			t.Errorf("mint %v: %s", perms, r.raw)
		}
	}
	h.must(201, "POST", app+"/api-keys", minter, map[string]any{"name": "down", "permissions": []string{"user.read"}})
	wide := newKey("user.*", "auth.api-key.create")
	h.must(201, "POST", app+"/api-keys", wide, map[string]any{"name": "sub", "permissions": []string{"user.*", "user.delete"}})

	// Role assignment: never a role with more rights than the key.
	assigner := newKey("role.assign")
	h.must(403, "POST", app+"/roles/assign", assigner, map[string]any{"account_id": aliceID, "role": "owner"})
	h.must(403, "PATCH", "/demo/v1/admin/users/"+aliceID+"/role", assigner, map[string]any{"role_name": "admin"})
	h.must(200, "POST", app+"/roles/assign", assigner, map[string]any{"account_id": aliceID, "role": "member"})

	// Role permissions and client scopes: only what the caller holds.
	roles := newKey("role.create", "role.update", "user.read")
	h.must(201, "POST", "/demo/v1/admin/roles", roles, map[string]any{"name": "helpdesk"})
	h.must(403, "PUT", "/demo/v1/admin/roles/helpdesk/permissions", roles, map[string]any{"permissions": []string{"user.delete"}})
	h.must(200, "PUT", "/demo/v1/admin/roles/helpdesk/permissions", roles, map[string]any{"permissions": []string{"user.read"}})
	client := h.must(201, "POST", app+"/credentials", h.apiKey, map[string]any{"name": "svc"}).str("id")
	ops := newKey("auth.update", "user.read")
	h.must(403, "PUT", app+"/credentials/"+client+"/scopes", ops, map[string]any{"permissions": []string{"user.delete"}})
	h.must(200, "PUT", app+"/credentials/"+client+"/scopes", ops, map[string]any{"permissions": []string{"user.read"}})
}

// TestAdminLaneTakesTokens: the app's admin lane takes an M2M token by its
// scopes and an end user's token by its role, as the spec's descriptions
// of those routes say.
func TestAdminLaneTakesTokens(t *testing.T) {
	h := newHarness(t)
	app := "/v1/apps/" + BootstrapAppID
	bob := h.signup("bob")
	bobID := h.must(200, "GET", "/demo/v1/me", bob.str("access_token"), nil).str("id")
	h.must(403, "GET", "/demo/v1/admin/users", bob.str("access_token"), nil)
	h.must(200, "POST", app+"/roles/assign", h.apiKey, map[string]any{"account_id": bobID, "role": "admin"})
	h.must(200, "GET", "/demo/v1/admin/users", bob.str("access_token"), nil)

	c := h.must(201, "POST", app+"/credentials", h.apiKey, map[string]any{"name": "cron"})
	id := c.str("id")
	grant := func(scopes ...string) string {
		h.must(200, "PUT", app+"/credentials/"+id+"/scopes", h.apiKey, map[string]any{"permissions": scopes})
		form := map[string]any{"grant_type": "client_credentials", "client_id": c.str("client_id"), "client_secret": c.str("client_secret")}
		return h.must(200, "POST", "/demo/v1/oauth/token", "", form).str("access_token")
	}
	tok := grant("role.read")
	h.must(403, "GET", "/demo/v1/admin/users", tok, nil)
	h.must(200, "GET", "/demo/v1/admin/roles", tok, nil)
	tok = grant("user.read", "role.update")
	h.must(200, "GET", "/demo/v1/admin/users", tok, nil)
	// Caller-narrowed: the M2M token grants a role only its own scopes.
	h.must(403, "PUT", "/demo/v1/admin/roles/member/permissions", tok, map[string]any{"permissions": []string{"user.delete"}})
	h.must(200, "PUT", "/demo/v1/admin/roles/member/permissions", tok, map[string]any{"permissions": []string{"user.read"}})
}

// TestSignupRequiresPAK: sign-up takes no key by default; an app whose
// policy requires one refuses a sign-up without it.
func TestSignupRequiresPAK(t *testing.T) {
	h := newHarness(t)
	body := func(n string) map[string]any {
		return map[string]any{"username": n, "email": n + "@example.com", "password": "password-" + n}
	}
	h.must(200, "POST", "/demo/v1/auth/signup", "", body("free"))
	cfg := h.must(200, "PATCH", "/v1/apps/"+BootstrapAppID+"/auth-config", h.apiKey, map[string]any{"signup_requires_pak": true})
	if cfg.body["signup_requires_pak"] != true {
		t.Fatalf("config: %s", cfg.raw)
	}
	h.must(401, "POST", "/demo/v1/auth/signup", "", body("nokey"))
	h.must(200, "POST", "/demo/v1/auth/signup", h.apiKey, body("withkey"))
}

// TestCredentialBeforeBody: the real service authenticates before it
// validates, so a request with an invalid body and a missing, unknown,
// other-app or under-scoped credential gets the credential's 401/403;
// only a caller allowed to make the call learns what is wrong with its
// body (400).
func TestCredentialBeforeBody(t *testing.T) {
	h := newHarness(t)
	app := "/v1/apps/" + BootstrapAppID
	other := h.must(201, "POST", "/v1/apps", h.apiKey, map[string]any{"slug": "elsewhere", "display_name": "Elsewhere", "workspace_id": BootstrapWorkspaceID}).str("id")
	otherKey := h.must(201, "POST", "/v1/apps/"+other+"/api-keys", h.apiKey, map[string]any{"name": "theirs", "permissions": []string{"*"}}).str("key")
	reader := h.must(201, "POST", app+"/api-keys", h.apiKey, map[string]any{"name": "r", "permissions": []string{"user.read"}}).str("key")
	foreignPlatform := h.platformToken(map[string]any{"claims": map[string]any{"workspace_id": "00000000-0000-4000-8000-0000000000ee"}})
	ops := []struct {
		method, path string
		body         any
	}{
		{"POST", app + "/api-keys", map[string]any{"name": 5, "permissions": "all"}},
		{"PATCH", app + "/end-users/00000000-0000-4000-8000-0000000000ff/status", map[string]any{"status": 7}},
		{"POST", "/demo/v1/auth/request-password-reset", map[string]any{"email": []int{1}}},
		{"POST", "/demo/v1/admin/users", map[string]any{"email": false}},
		{"POST", "/demo/v1/tenants", map[string]any{"display_name": 9}},
	}
	for _, op := range ops {
		name := op.method + " " + op.path
		if r := h.call(op.method, op.path, "", op.body); r.status != 401 {
			t.Errorf("%s without a credential → %d, want 401: %s", name, r.status, r.raw)
		}
		if r := h.call(op.method, op.path, "pcft_unknown_key", op.body); r.status != 401 {
			t.Errorf("%s with an unknown key → %d, want 401: %s", name, r.status, r.raw)
		}
		if r := h.call(op.method, op.path, otherKey, op.body); r.status != 403 {
			t.Errorf("%s with another app's key → %d, want 403: %s", name, r.status, r.raw)
		}
		if r := h.call(op.method, op.path, reader, op.body); r.status != 403 {
			t.Errorf("%s with a key lacking the permission → %d, want 403: %s", name, r.status, r.raw)
		}
		if r := h.call(op.method, op.path, h.apiKey, op.body); r.status != 400 {
			t.Errorf("%s with the right key → %d, want 400: %s", name, r.status, r.raw)
		}
	}
	r := h.call("POST", app+"/api-keys", foreignPlatform, map[string]any{"name": 5})
	if r.status != 403 {
		t.Errorf("another workspace's platform token with a bad body → %d, want 403: %s", r.status, r.raw)
	}
	// Sign-up takes an optional key: a key that is sent must be valid,
	// whatever the body.
	if r := h.call("POST", "/demo/v1/auth/signup", "pcft_unknown_key", map[string]any{"email": 1}); r.status != 401 {
		t.Errorf("signup with an unknown key and a bad body → %d, want 401: %s", r.status, r.raw)
	}
	if r := h.call("POST", "/demo/v1/auth/signup", "", map[string]any{"email": 1}); r.status != 400 {
		t.Errorf("signup without a key and a bad body → %d, want 400: %s", r.status, r.raw)
	}
}

// platformToken mints a platform user token through the control plane;
// req adds to {"type":"platform"} (sub, ttl, claims).
func (h *harness) platformToken(req map[string]any) string {
	h.t.Helper()
	body := map[string]any{"type": "platform"}
	for k, v := range req {
		body[k] = v
	}
	return h.must(200, "POST", "/__mock/tokens", "", body).str("access_token")
}
