package heimdall

import (
	"fmt"
	"testing"
)

func TestAdminAppsAndPagination(t *testing.T) {
	h := newHarness(t)
	created := h.must(201, "POST", "/v1/apps", h.apiKey, map[string]any{"slug": "shop", "display_name": "Shop", "workspace_id": BootstrapWorkspaceID})
	id := created.str("id")
	h.must(200, "GET", "/shop/v1/.well-known/jwks.json", "", nil)
	h.must(200, "PATCH", "/v1/apps/"+id, h.apiKey, map[string]any{"display_name": "Shop 2"})
	if got := h.must(200, "GET", "/v1/apps/"+id, h.apiKey, nil).str("display_name"); got != "Shop 2" {
		t.Fatalf("display_name = %q", got)
	}
	h.must(200, "PATCH", "/v1/apps/"+id+"/status", h.apiKey, map[string]any{"status": "suspended"})
	if r := h.call("POST", "/shop/v1/auth/signin", "", map[string]any{"identifier": "a", "password": "b"}); r.status != 403 {
		t.Fatalf("signin on a suspended app: %d", r.status)
	}

	// Seven users, pages of three: 3 + 3 + 1, in creation order, no repeats.
	for i := 0; i < 7; i++ {
		h.must(201, "POST", "/demo/v1/admin/users", h.apiKey, map[string]any{"email": fmt.Sprintf("u%d@example.com", i), "username": fmt.Sprintf("u%d", i), "password": "password-123"})
	}
	seen := map[string]bool{}
	cursor, pages := "", 0
	for {
		path := "/v1/apps/" + BootstrapAppID + "/end-users?limit=3"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		r := h.must(200, "GET", path, h.apiKey, nil)
		pages++
		for _, u := range r.body["data"].([]any) {
			name := u.(map[string]any)["username"].(string)
			if seen[name] {
				t.Fatalf("%s listed twice", name)
			}
			seen[name] = true
		}
		pg := r.body["pagination"].(map[string]any)
		if pg["has_more"] != true {
			break
		}
		cursor = pg["next_cursor"].(string)
	}
	if len(seen) != 7 || pages != 3 {
		t.Fatalf("saw %d users in %d pages", len(seen), pages)
	}
	filtered := h.must(200, "GET", "/demo/v1/admin/users?search=u3", h.apiKey, nil)
	if n := len(filtered.body["data"].([]any)); n != 1 {
		t.Fatalf("search u3 found %d", n)
	}
	h.must(400, "GET", "/demo/v1/admin/users?cursor=garbage", h.apiKey, nil)

	// Bulk: suspend by filter, then count.
	bulk := h.must(200, "POST", "/v1/apps/"+BootstrapAppID+"/end-users/bulk-update-status", h.apiKey, map[string]any{
		"selection": map[string]any{"mode": "filter", "search": "u1"}, "status": "suspended",
	})
	if bulk.body["affected_users"] != float64(1) {
		t.Fatalf("bulk = %s", bulk.raw)
	}
	susp := h.must(200, "GET", "/v1/apps/"+BootstrapAppID+"/end-users?status=suspended", h.apiKey, nil)
	if n := len(susp.body["data"].([]any)); n != 1 {
		t.Fatalf("suspended users = %d", n)
	}

	// Every admin mutation is audited; filters work.
	logs := h.must(200, "GET", "/v1/apps/"+BootstrapAppID+"/audit-logs?action=user.created&limit=100", h.apiKey, nil)
	if n := len(logs.body["data"].([]any)); n != 7 {
		t.Fatalf("user.created events = %d", n)
	}
	byActor := h.must(200, "GET", "/v1/apps/"+BootstrapAppID+"/audit-logs?actor_id="+BootstrapAPIKeyID+"&limit=100", h.apiKey, nil)
	if n := len(byActor.body["data"].([]any)); n < 8 {
		t.Fatalf("events by the bootstrap key = %d", n)
	}
	stats := h.must(200, "GET", "/v1/stats/me", h.apiKey, nil)
	if stats.body["apps"] != float64(2) || stats.body["end_users"] != float64(7) {
		t.Fatalf("stats = %s", stats.raw)
	}
	h.must(204, "DELETE", "/v1/apps/"+id, h.apiKey, nil)
	h.must(404, "GET", "/shop/v1/.well-known/jwks.json", "", nil)
}

func TestRolesDrivePermissions(t *testing.T) {
	h := newHarness(t)
	app := "/v1/apps/" + BootstrapAppID
	h.must(201, "POST", app+"/permissions", h.apiKey, map[string]any{"resource": "report", "action": "read"})
	h.must(201, "POST", "/demo/v1/admin/roles", h.apiKey, map[string]any{"name": "analyst", "description": "Reads reports"})
	h.must(200, "PUT", "/demo/v1/admin/roles/analyst/permissions", h.apiKey, map[string]any{"permissions": []string{"report.read"}})
	role := h.must(200, "GET", app+"/roles/analyst", h.apiKey, nil)
	if perms := role.body["permissions"].([]any); len(perms) != 1 {
		t.Fatalf("role = %s", role.raw)
	}
	up := h.signup("ada")
	tok := up.str("access_token")
	id := h.must(200, "GET", "/demo/v1/me", tok, nil).str("id")
	h.must(200, "POST", app+"/roles/assign", h.apiKey, map[string]any{"account_id": id, "role": "analyst"})
	// The role applies at once to the existing token.
	perms := h.must(200, "GET", "/demo/v1/me/permissions", tok, nil)
	if perms.str("role") != "analyst" || len(perms.body["permissions"].([]any)) != 1 {
		t.Fatalf("me/permissions = %s", perms.raw)
	}
	az := h.must(200, "POST", "/demo/v1/authorize", tok, map[string]any{"permission": "report.read"})
	if az.body["authorized"] != true {
		t.Fatalf("authorize = %s", az.raw)
	}
	// Deleting the permission takes it from every role.
	h.must(204, "DELETE", "/demo/v1/admin/permissions/report.read", h.apiKey, nil)
	az = h.must(200, "POST", "/demo/v1/authorize", tok, map[string]any{"permission": "report.read"})
	if az.body["authorized"] != false {
		t.Fatalf("authorize after delete = %s", az.raw)
	}
	members := h.must(200, "GET", app+"/members", h.apiKey, nil)
	if n := len(members.body["data"].([]any)); n != 1 {
		t.Fatalf("members = %s", members.raw)
	}
}
