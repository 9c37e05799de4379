package heimdall

// Tenant and webhook speed targets. The ratio compares benchmarks of one
// run, both through the strict router with a page of 20 rows:
//
//	TenantListPage ns/op   <= 1.5 × UserListPageYardstick ns/op
//	AuditWithWebhook       < 10 µs per subscribed event queued
//
// go test -run '^$' -bench 'TenantListPage|UserListPageYardstick|AuditWithWebhook' ./internal/heimdall/

import (
	"fmt"
	"testing"
)

const benchRows = 2_000

func BenchmarkTenantListPage(b *testing.B) {
	s := newBenchServer(b)
	for i := range benchRows {
		if st, body := s.do("POST", "/v1/apps/"+BootstrapAppID+"/tenants", BootstrapAPIKey, fmt.Sprintf(`{"display_name":"Tenant %d"}`, i)); st != 201 {
			b.Fatalf("create: %d %s", st, body)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if st, body := s.do("GET", "/v1/apps/"+BootstrapAppID+"/tenants?limit=20", BootstrapAPIKey, ""); st != 200 {
			b.Fatalf("list: %d %s", st, body)
		}
	}
}

// BenchmarkUserListPageYardstick is an end-user page of the same size
// through the same router: what TenantListPage is measured against.
func BenchmarkUserListPageYardstick(b *testing.B) {
	s := newBenchServer(b)
	s.d.mu.Lock()
	a := s.d.st.appByID[BootstrapAppID]
	for i := range benchRows {
		s.d.createUser(a, fmt.Sprintf("user%d", i), fmt.Sprintf("user%d@example.com", i), "", "", "member", true)
	}
	s.d.mu.Unlock()
	b.ReportAllocs()
	for b.Loop() {
		if st, body := s.do("GET", "/v1/apps/"+BootstrapAppID+"/end-users?limit=20", BootstrapAPIKey, ""); st != 200 {
			b.Fatalf("list: %d %s", st, body)
		}
	}
}

// BenchmarkAuditWithWebhook is the cost a subscribed event adds to the
// request that causes it: mapping, payload encoding and queueing (no HTTP;
// the scheduler is stopped).
func BenchmarkAuditWithWebhook(b *testing.B) {
	d := New(Options{Pool: benchPool})
	d.Close() // queue only: nothing is sent
	d.mu.Lock()
	defer d.mu.Unlock()
	a := d.st.appByID[BootstrapAppID]
	a.Webhook = &webhookRec{ID: newID(), URL: "http://127.0.0.1:1/", EventTypes: []string{"user.signup"}, Secret: newWebhookSecret()}
	b.ReportAllocs()
	for b.Loop() {
		d.audit(a, "user.signup", "u", "end_user", "u", "u", nil)
		if len(a.Deliveries) > 10_000 {
			a.Deliveries = a.Deliveries[:0]
		}
	}
}
