package heimdall

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

func TestTenantsPlatformCRUDAndMembers(t *testing.T) {
	h := newHarness(t)
	alice := h.signup("alice")
	_ = alice
	base := "/v1/apps/" + BootstrapAppID + "/tenants"
	created := h.must(201, "POST", base, h.apiKey, map[string]any{"display_name": "Acme Corp", "metadata": map[string]any{"plan": "pro"}})
	id, did := created.str("id"), created.str("display_id")
	if created.str("slug") != "acme-corp" || !strings.HasPrefix(did, "tnt_") || len(did) != 16 {
		t.Fatalf("created tenant: %s", created.raw)
	}
	h.must(409, "POST", base, h.apiKey, map[string]any{"display_name": "Other", "slug": "acme-corp"})
	h.must(200, "GET", base+"/"+did, h.apiKey, nil) // display id works as a reference
	h.must(404, "GET", base+"/"+newID(), h.apiKey, nil)

	up := h.must(200, "PATCH", base+"/"+id, h.apiKey, map[string]any{"display_name": "Acme", "slug": "acme", "status": "suspended"})
	if up.str("slug") != "acme" || up.str("status") != "suspended" || up.body["metadata"].(map[string]any)["plan"] != "pro" {
		t.Fatalf("update: %s", up.raw)
	}
	list := h.must(200, "GET", base+"?status=suspended", h.apiKey, nil)
	if n := len(list.body["data"].([]any)); n != 1 {
		t.Fatalf("suspended tenants: %d", n)
	}

	users := h.must(200, "GET", "/v1/apps/"+BootstrapAppID+"/end-users?search=alice", h.apiKey, nil)
	aliceID := users.body["data"].([]any)[0].(map[string]any)["id"].(string)
	add := h.must(201, "POST", base+"/"+id+"/members", h.apiKey, map[string]any{"account_id": aliceID, "role_name": "admin"})
	if add.body["created_account"] != false || add.body["membership"].(map[string]any)["role_name"] != "admin" {
		t.Fatalf("add member: %s", add.raw)
	}
	h.must(409, "POST", base+"/"+id+"/members", h.apiKey, map[string]any{"account_id": aliceID, "role_name": "member"})
	h.must(400, "POST", base+"/"+id+"/members", h.apiKey, map[string]any{"account_id": aliceID, "role_name": "nope"})
	h.must(400, "POST", base+"/"+id+"/members", h.apiKey, map[string]any{"role_name": "member"})
	inline := h.must(201, "POST", base+"/"+id+"/members", h.apiKey, map[string]any{"email": "bob@example.com", "role_name": "member"})
	if inline.body["created_account"] != true {
		t.Fatalf("inline member: %s", inline.raw)
	}
	bobID := inline.str("account_id")
	members := h.must(200, "GET", base+"/"+id+"/members?limit=1", h.apiKey, nil)
	if members.body["pagination"].(map[string]any)["has_more"] != true {
		t.Fatalf("members page: %s", members.raw)
	}
	ch := h.must(200, "PATCH", base+"/"+id+"/members/"+bobID, h.apiKey, map[string]any{"role_name": "admin"})
	if ch.str("role_name") != "admin" {
		t.Fatalf("role change: %s", ch.raw)
	}
	h.must(204, "DELETE", base+"/"+id+"/members/"+bobID, h.apiKey, nil)
	h.must(404, "DELETE", base+"/"+id+"/members/"+bobID, h.apiKey, nil)
	h.must(204, "DELETE", base+"/"+id, h.apiKey, nil)
	h.must(404, "GET", base+"/"+id, h.apiKey, nil)
	h.must(401, "GET", base, "", nil)
}

func TestTenantsConsumerMembershipRules(t *testing.T) {
	h := newHarness(t)
	alice := h.signup("alice")
	bob := h.signup("bob")
	at, bt := alice.str("access_token"), bob.str("access_token")

	// An end user creating a tenant becomes its owner.
	tn := h.must(201, "POST", "/demo/v1/tenants", at, map[string]any{"display_name": "Alice's team"})
	tid := tn.str("id")
	h.must(403, "GET", "/demo/v1/tenants/"+tid, bt, nil)
	if l := h.must(200, "GET", "/demo/v1/tenants", bt, nil); len(l.body["data"].([]any)) != 0 {
		t.Fatalf("bob sees tenants he is not in: %s", l.raw)
	}
	h.must(403, "PATCH", "/demo/v1/tenants/"+tid, bt, map[string]any{"display_name": "mine"})

	me := h.must(200, "GET", "/demo/v1/me", bt, nil)
	h.must(201, "POST", "/demo/v1/tenants/"+tid+"/members", at, map[string]any{"account_id": me.str("id"), "role_name": "member"})
	h.must(200, "GET", "/demo/v1/tenants/"+tid, bt, nil)
	// A plain member may read but not manage.
	h.must(403, "POST", "/demo/v1/tenants/"+tid+"/members", bt, map[string]any{"email": "carol@example.com", "role_name": "member"})
	h.must(403, "DELETE", "/demo/v1/tenants/"+tid, bt, nil)

	mine := h.must(200, "GET", "/demo/v1/auth/me/tenants", bt, nil)
	rows := mine.body["data"].([]any)
	if len(rows) != 1 || rows[0].(map[string]any)["role_name"] != "member" || rows[0].(map[string]any)["tenant_slug"] != "alice-s-team" {
		t.Fatalf("me/tenants: %s", mine.raw)
	}

	// A PAK needs the tenant permission.
	key := h.must(201, "POST", "/v1/apps/"+BootstrapAppID+"/api-keys", h.apiKey, map[string]any{"name": "ro", "permissions": []string{"auth.tenant.read"}})
	pak := key.str("key")
	if pak == "" {
		t.Fatalf("api key: %s", key.raw)
	}
	h.must(200, "GET", "/demo/v1/tenants/"+tid, pak, nil)
	h.must(403, "POST", "/demo/v1/tenants", pak, map[string]any{"display_name": "x"})
	h.must(401, "GET", "/demo/v1/tenants", "garbage", nil)
}

func TestSwitchTenantMintsOrgClaimsThatSurviveRefresh(t *testing.T) {
	h := newHarness(t)
	alice := h.signup("alice")
	at := alice.str("access_token")
	tn := h.must(201, "POST", "/demo/v1/tenants", at, map[string]any{"display_name": "Team"})
	other := h.must(201, "POST", "/v1/apps/"+BootstrapAppID+"/tenants", h.apiKey, map[string]any{"display_name": "Elsewhere"})

	h.must(403, "POST", "/demo/v1/auth/switch-tenant", at, map[string]any{"tenant_id": other.str("id")})
	h.must(404, "POST", "/demo/v1/auth/switch-tenant", at, map[string]any{"tenant_id": newID()})
	sw := h.must(200, "POST", "/demo/v1/auth/switch-tenant", at, map[string]any{"tenant_id": tn.str("display_id")})
	_, claims, err := keys.DecodeUnverified(sw.str("access_token"))
	if err != nil || claims["org_id"] != tn.str("id") || claims["org_role"] != "owner" {
		t.Fatalf("switched claims: %v %v", claims, err)
	}
	// The session keeps the tenant across refreshes.
	ref := h.must(200, "POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": sw.str("refresh_token")})
	_, claims, _ = keys.DecodeUnverified(ref.str("access_token"))
	if claims["org_id"] != tn.str("id") || claims["org_role"] != "owner" {
		t.Fatalf("refresh lost the tenant: %v", claims)
	}
	perms := h.must(200, "GET", "/demo/v1/me/permissions", ref.str("access_token"), nil)
	if perms.body["org_role"] != "owner" || perms.body["role"] != "member" || len(perms.body["permissions"].([]any)) == 0 {
		t.Fatalf("me/permissions in a tenant: %s", perms.raw)
	}
	// Suspended tenants cannot be entered.
	h.must(200, "PATCH", "/v1/apps/"+BootstrapAppID+"/tenants/"+tn.str("id"), h.apiKey, map[string]any{"status": "suspended"})
	h.must(403, "POST", "/demo/v1/auth/switch-tenant", ref.str("access_token"), map[string]any{"tenant_id": tn.str("id")})
	// The refresh token switch-tenant replaced was rotated out: reuse.
	h.must(401, "POST", "/demo/v1/auth/refresh", "", map[string]any{"refresh_token": alice.str("refresh_token")})
}

func TestTenantsSurviveExportImport(t *testing.T) {
	h := newHarness(t)
	alice := h.signup("alice")
	tn := h.must(201, "POST", "/demo/v1/tenants", alice.str("access_token"), map[string]any{"display_name": "Team", "slug": "team"})
	snap, err := h.d.Export()
	if err != nil {
		t.Fatal(err)
	}
	h.d.Reset()
	h.must(404, "GET", "/v1/apps/"+BootstrapAppID+"/tenants/"+tn.str("id"), h.apiKey, nil)
	if err := h.d.Import(snap); err != nil {
		t.Fatal(err)
	}
	h.must(200, "GET", "/v1/apps/"+BootstrapAppID+"/tenants/"+tn.str("display_id"), h.apiKey, nil)
	h.must(409, "POST", "/v1/apps/"+BootstrapAppID+"/tenants", h.apiKey, map[string]any{"display_name": "T", "slug": "team"})
	mine := h.must(200, "GET", "/demo/v1/auth/me/tenants", alice.str("access_token"), nil)
	if len(mine.body["data"].([]any)) != 1 {
		t.Fatalf("membership lost in import: %s", mine.raw)
	}
	// Deleting the account cascades to its memberships.
	me := h.must(200, "GET", "/demo/v1/me", alice.str("access_token"), nil)
	h.must(204, "DELETE", "/v1/apps/"+BootstrapAppID+"/end-users/"+me.str("id"), h.apiKey, nil)
	ms := h.must(200, "GET", "/v1/apps/"+BootstrapAppID+"/tenants/"+tn.str("id")+"/members", h.apiKey, nil)
	if len(ms.body["data"].([]any)) != 0 {
		t.Fatalf("members after account deletion: %s", ms.raw)
	}
}

func TestSigninIntoTenant(t *testing.T) {
	h := newHarness(t)
	alice := h.signup("alice")
	h.signup("bob")
	tn := h.must(201, "POST", "/demo/v1/tenants", alice.str("access_token"), map[string]any{"display_name": "Team"})
	in := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "alice", "password": "password-alice", "tenant_id": tn.str("id")})
	_, claims, _ := keys.DecodeUnverified(in.str("access_token"))
	if claims["tid"] != tn.str("id") || claims["trole"] != "owner" || claims["org_id"] != tn.str("id") {
		t.Fatalf("tenant sign-in claims: %v", claims)
	}
	h.must(403, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "bob", "password": "password-bob", "tenant_id": tn.str("id")})
	h.must(403, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "bob", "password": "password-bob", "tenant_id": newID()})
	// A wrong password is still 401, whatever the tenant.
	h.must(401, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "bob", "password": "nope-nope", "tenant_id": tn.str("id")})
	plain := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "alice", "password": "password-alice"})
	if _, c, _ := keys.DecodeUnverified(plain.str("access_token")); c["tid"] != nil {
		t.Fatalf("sign-in without tenant_id carries a tenant: %v", c)
	}
}

func TestSigninIntoTenantThroughMFAChallenge(t *testing.T) {
	h := newHarness(t)
	alice := h.signup("alice")
	tn := h.must(201, "POST", "/demo/v1/tenants", alice.str("access_token"), map[string]any{"display_name": "Team"})
	me := h.must(200, "GET", "/demo/v1/me", alice.str("access_token"), nil)
	p := h.must(201, "POST", "/demo/v1/users/"+me.str("id")+"/factors", h.apiKey, map[string]any{"type": "totp"})
	secret := p.body["enrollment"].(map[string]any)["secret"].(string)

	ch := h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": "alice", "password": "password-alice", "tenant_id": tn.str("display_id")})
	if ch.body["mfa_required"] != true {
		t.Fatalf("no challenge: %s", ch.raw)
	}
	code, _ := totpCode(secret, totpStep(h.clk.Now()))
	done := h.must(200, "POST", "/demo/v1/auth/mfa/verify", "", map[string]any{"mfa_token": ch.str("mfa_token"), "code": code})
	_, claims, _ := keys.DecodeUnverified(done.str("access_token"))
	if claims["tid"] != tn.str("id") || claims["org_role"] != "owner" {
		t.Fatalf("tenant lost through the MFA challenge: %v", claims)
	}
}

func TestTenantCreateIsIdempotentPerKey(t *testing.T) {
	h := newHarness(t)
	create := func(key string) resp {
		t.Helper()
		req, _ := http.NewRequest("POST", h.srv.URL+"/v1/apps/"+BootstrapAppID+"/tenants", strings.NewReader(`{"display_name":"Acme"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+h.apiKey)
		req.Header.Set("Idempotency-Key", key)
		res, err := h.srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != 201 {
			t.Fatalf("create → %d %v %v", res.StatusCode, body, err)
		}
		return resp{status: res.StatusCode, body: body}
	}
	first, retry := create("k-1"), create("k-1")
	if first.str("id") != retry.str("id") {
		t.Fatalf("a retry made a second tenant: %s vs %s", first.str("id"), retry.str("id"))
	}
	if other := create("k-2"); other.str("id") == first.str("id") || other.str("slug") == first.str("slug") {
		t.Fatalf("another key must make another tenant: %v", other.body)
	}
	h.clk.Advance(idempotencyTTL + time.Minute)
	if late := create("k-1"); late.str("id") == first.str("id") {
		t.Fatal("an expired key still replays")
	}
}

// TestTenantMemberRolesDoNotEscalate: giving a tenant member a role is a
// grant like any other: an API key may not hand out a role holding more
// than the key, and an end user no role beyond their own in the tenant
// (owners alone make owners).
func TestTenantMemberRolesDoNotEscalate(t *testing.T) {
	h := newHarness(t)
	app := "/v1/apps/" + BootstrapAppID
	h.must(201, "POST", app+"/permissions", h.apiKey, map[string]any{"resource": "report", "action": "export"})
	h.must(201, "POST", app+"/roles", h.apiKey, map[string]any{"name": "exporter"})
	h.must(200, "PUT", app+"/roles/exporter/permissions", h.apiKey, map[string]any{"permissions": []string{"report.export"}})
	alice, bob, carol := h.signup("alice"), h.signup("bob"), h.signup("carol")
	idOf := func(r resp) string { return h.must(200, "GET", "/demo/v1/me", r.str("access_token"), nil).str("id") }
	bobID, carolID := idOf(bob), idOf(carol)

	// A key that manages members but holds no user rights.
	k := h.must(201, "POST", app+"/api-keys", h.apiKey, map[string]any{"name": "members", "permissions": []string{
		permTenantCreate, permTenantRead, permMembersAdd, permMembersSetRole,
	}}).str("key")
	for _, base := range []string{app + "/tenants", "/demo/v1/tenants"} {
		tid := h.must(201, "POST", base, k, map[string]any{"display_name": "Team " + base}).str("id")
		r := h.must(403, "POST", base+"/"+tid+"/members", k, map[string]any{"account_id": bobID, "role_name": "admin"})
		if !strings.Contains(fmt.Sprint(r.body["message"]), "Cannot grant actions you don't have") {
			t.Errorf("%s: add as admin: %s", base, r.raw)
		}
		h.must(201, "POST", base+"/"+tid+"/members", k, map[string]any{"account_id": bobID, "role_name": "member"})
		h.must(403, "PATCH", base+"/"+tid+"/members/"+bobID, k, map[string]any{"role_name": "exporter"})
		h.must(200, "PATCH", base+"/"+tid+"/members/"+bobID, h.apiKey, map[string]any{"role_name": "exporter"})
	}

	// An end user: alice owns her tenant, bob is its admin.
	at := alice.str("access_token")
	tid := h.must(201, "POST", "/demo/v1/tenants", at, map[string]any{"display_name": "Alice's"}).str("id")
	members := "/demo/v1/tenants/" + tid + "/members"
	h.must(201, "POST", members, at, map[string]any{"account_id": bobID, "role_name": "admin"})
	bt := bob.str("access_token")
	if r := h.must(403, "POST", members, bt, map[string]any{"account_id": carolID, "role_name": "owner"}); r.body["code"] != "NOT_TENANT_OWNER" {
		t.Errorf("admin adds an owner: %s", r.raw)
	}
	h.must(403, "POST", members, bt, map[string]any{"account_id": carolID, "role_name": "exporter"})
	h.must(201, "POST", members, bt, map[string]any{"account_id": carolID, "role_name": "member"})
	h.must(403, "PATCH", members+"/"+carolID, bt, map[string]any{"role_name": "exporter"})
	h.must(200, "PATCH", members+"/"+carolID, bt, map[string]any{"role_name": "admin"})
	h.must(200, "PATCH", members+"/"+carolID, at, map[string]any{"role_name": "owner"})
}
