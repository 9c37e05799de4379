package heimdall

// Big-state targets: 100k end users and 1M audit events held in memory,
// with a page of 100 answered in under 10 ms at p99, cursor deep in the
// list, filters on. Pages go through the strict router (request and
// response validation included). Only -bench runs these; the test at the
// bottom checks cursor correctness at a small scale.
//
// go test -run '^$' -bench 'ListUsersPage|ListAuditPage' -benchtime=300x ./internal/heimdall/

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/clock"
)

// seedUsers inserts n end users straight into app a, skipping HTTP and
// per-user password hashing: the state a long-lived mock reaches, built in
// seconds. Every 10th user is suspended and every 50th deactivated, so a
// status filter has rows to skip. Usernames are bulk<6 digits>.
func seedUsers(d *Domain, a *appRec, n int) []*userRec {
	hash := hashPassword("password-bulk")
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]*userRec, n)
	for i := range n {
		name := fmt.Sprintf("bulk%06d", i)
		u := d.createUser(a, name, name+"@example.com", hash, "", "member", true)
		switch {
		case i%50 == 0:
			u.Status = "deactivated"
		case i%10 == 0:
			u.Status = "suspended"
		}
		out[i] = u
	}
	return out
}

// Audit actions seeded, by share: most events are sign-ins, a few are rare.
var seedActions = []struct {
	action string
	every  int // one event in every
}{{"user.locked", 1000}, {"session.revoked", 50}, {"user.signin_failed", 5}, {"user.signin", 1}}

func seedAction(i int) string {
	for _, s := range seedActions {
		if i%s.every == 0 {
			return s.action
		}
	}
	return "user.signin"
}

// seedAudit records n audit events in app a through the domain's own
// audit call, spread over actors (each actor also the subject).
func seedAudit(d *Domain, a *appRec, n int, actors []*userRec) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for i := range n {
		u := actors[i%len(actors)]
		d.audit(a, seedAction(i), u.ID, "end_user", u.ID, u.ID, nil)
	}
}

// bigState is the shared 100k-user, 1M-event server of the scale
// benchmarks. It is read-only once built, so all of them share one.
type bigState struct {
	s             *benchServer
	app           *appRec
	users         []*userRec
	bytesPerUser  float64
	bytesPerEvent float64
}

const (
	bigUsers  = 100_000
	bigEvents = 1_000_000
)

var (
	bigOnce sync.Once
	bigSt   *bigState
)

func bigServer(b *testing.B) *bigState {
	bigOnce.Do(func() {
		s := newBenchServer(b)
		s.d.limits.AuditPerApp, s.d.limits.AuditTotal = bigEvents, bigEvents // the scale measured here
		a := s.d.st.appByID[BootstrapAppID]
		heap := func() float64 {
			runtime.GC()
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			return float64(m.HeapAlloc)
		}
		start := heap()
		users := seedUsers(s.d, a, bigUsers)
		seeded := heap()
		seedAudit(s.d, a, bigEvents, users)
		bigSt = &bigState{s: s, app: a, users: users,
			bytesPerUser: (seeded - start) / bigUsers, bytesPerEvent: (heap() - seeded) / bigEvents}
	})
	if bigSt == nil {
		b.Fatal("building the big state failed")
	}
	return bigSt
}

// pageLatency runs b.N page requests, query(i) naming each, and reports
// p50 and p99 of their latency in ms.
func pageLatency(b *testing.B, s *benchServer, path string, query func(i int) url.Values) {
	b.Helper()
	lat := make([]time.Duration, 0, b.N)
	rows := 0
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		target := path + "?" + query(i).Encode()
		start := time.Now()
		status, body := s.do("GET", target, BootstrapAPIKey, "")
		lat = append(lat, time.Since(start))
		if status != 200 {
			b.Fatalf("GET %s: %d %s", target, status, body)
		}
		rows += strings.Count(body, `"created_at"`)
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(rows)/float64(b.N), "rows/page")
}

func BenchmarkListUsersPage(b *testing.B) {
	st := bigServer(b)
	path := "/v1/apps/" + BootstrapAppID + "/end-users"
	for _, tc := range []struct {
		name   string
		filter url.Values
	}{
		{"all", url.Values{}},
		{"status=suspended", url.Values{"status": {"suspended"}}},
		// Substring search has no index: a term matching many users fills
		// a page after a short walk, one matching a handful walks the
		// whole remainder of the list on every page.
		{"search=common", url.Values{"search": {"bulk09"}}},
		{"search=rare", url.Values{"search": {"bulk01234"}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			pageLatency(b, st.s, path, func(int) url.Values {
				q := url.Values{"limit": {"100"}}
				for k, v := range tc.filter {
					q[k] = v
				}
				// A cursor anywhere in the first 90% of the list.
				q.Set("cursor", encodeCursor(st.users[rng.IntN(bigUsers*9/10)].Seq))
				return q
			})
			b.ReportMetric(st.bytesPerUser, "B/user")
		})
	}
}

func BenchmarkListAuditPage(b *testing.B) {
	st := bigServer(b)
	path := "/v1/apps/" + BootstrapAppID + "/audit-logs"
	events := st.app.Audit
	actor := st.users[12345].ID
	for _, tc := range []struct {
		name   string
		filter url.Values
	}{
		{"all", url.Values{}},
		{"action=common", url.Values{"action": {"user.signin_failed"}}},
		{"action=rare", url.Values{"action": {"user.locked"}}},
		{"actor", url.Values{"actor_id": {actor}}},
		{"action+actor", url.Values{"action": {"user.signin_failed"}, "actor_id": {actor}}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			pageLatency(b, st.s, path, func(int) url.Values {
				q := url.Values{"limit": {"100"}}
				for k, v := range tc.filter {
					q[k] = v
				}
				// Newest first: a cursor anywhere past the newest 10%.
				q.Set("cursor", encodeCursor(events[len(events)/10+rng.IntN(len(events)*9/10)].Seq))
				return q
			})
			b.ReportMetric(st.bytesPerEvent, "B/event")
			b.ReportMetric(float64(len(events)), "events")
		})
	}
}

// pageAll follows next_cursor from the first page to the last, calling
// between(page) after every page, and returns the ids in the order served.
func pageAll(t *testing.T, h *harness, path string, between func(page int)) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for page := 0; ; page++ {
		target := path
		if cursor != "" {
			target += "&cursor=" + url.QueryEscape(cursor)
		}
		r := h.must(200, "GET", target, h.apiKey, nil)
		data, _ := r.body["data"].([]any)
		for _, row := range data {
			ids = append(ids, row.(map[string]any)["id"].(string))
		}
		pg, _ := r.body["pagination"].(map[string]any)
		next, _ := pg["next_cursor"].(string)
		if pg["has_more"] != true || next == "" {
			return ids
		}
		if page > 10_000 {
			t.Fatal("pagination does not end")
		}
		cursor = next
		between(page)
	}
}

// TestCursorPagesWhileInserting pages end users and audit events (with and
// without the indexed filters) while rows are being added: every row that
// existed before the walk is served exactly once and in order, and the
// filtered lists hold exactly the matching rows.
func TestCursorPagesWhileInserting(t *testing.T) {
	h := newHarness(t)
	a := h.d.st.appByID[BootstrapAppID]
	users := seedUsers(h.d, a, 230)
	seedAudit(h.d, a, 3000, users[:37])
	more := 0
	addRows := func(int) { // new users and events land after the walk's position
		extra := seedUsers(h.d, a, 3)
		seedAudit(h.d, a, 7, extra)
		more++
	}

	h.d.mu.Lock()
	wantUsers := make([]string, 0, len(a.Users))
	for _, u := range a.Users {
		wantUsers = append(wantUsers, u.ID)
	}
	auditBefore := slices.Clone(a.Audit)
	h.d.mu.Unlock()

	got := pageAll(t, h, "/v1/apps/"+BootstrapAppID+"/end-users?limit=17", addRows)
	if len(got) < len(wantUsers) || !slices.Equal(got[:len(wantUsers)], wantUsers) {
		t.Fatalf("end users: served %d ids, want the %d existing ones first, in order", len(got), len(wantUsers))
	}
	checkUnique(t, "end users", got)

	suspended := pageAll(t, h, "/v1/apps/"+BootstrapAppID+"/end-users?limit=9&status=suspended", addRows)
	h.d.mu.Lock()
	for _, id := range suspended {
		if u := a.userByID[id]; u == nil || u.Status != "suspended" {
			t.Errorf("status filter served %s, not a suspended user", id)
		}
	}
	h.d.mu.Unlock()
	if len(suspended) < 18 {
		t.Errorf("status filter served %d suspended users, want at least the 18 seeded", len(suspended))
	}
	checkUnique(t, "suspended users", suspended)

	actor := users[5].ID
	for _, tc := range []struct {
		name, query string
		keep        func(e *auditRec) bool
	}{
		{"all", "", func(*auditRec) bool { return true }},
		{"action", "&action=session.revoked", func(e *auditRec) bool { return e.Action == "session.revoked" }},
		{"actor", "&actor_id=" + actor, func(e *auditRec) bool { return e.ActorID != nil && *e.ActorID == actor }},
		{"action+actor", "&action=user.signin_failed&actor_id=" + actor, func(e *auditRec) bool {
			return e.Action == "user.signin_failed" && e.ActorID != nil && *e.ActorID == actor
		}},
	} {
		var want []string
		for i := len(auditBefore) - 1; i >= 0; i-- { // newest first
			if tc.keep(auditBefore[i]) {
				want = append(want, auditBefore[i].ID)
			}
		}
		if len(want) == 0 {
			t.Fatalf("audit %s: the seed has no matching event", tc.name)
		}
		// The walk starts after auditBefore was taken and rows are added
		// meanwhile; newest first, those land before the cursor, so the
		// served list is what was added before the first page, then want.
		got := pageAll(t, h, "/v1/apps/"+BootstrapAppID+"/audit-logs?limit=13"+tc.query, addRows)
		checkUnique(t, "audit "+tc.name, got)
		if len(got) < len(want) || !slices.Equal(got[len(got)-len(want):], want) {
			t.Errorf("audit %s: served %d events, want the %d matching ones last, newest first", tc.name, len(got), len(want))
		}
		h.d.mu.Lock()
		for _, id := range got {
			if i := slices.IndexFunc(a.Audit, func(e *auditRec) bool { return e.ID == id }); i < 0 || !tc.keep(a.Audit[i]) {
				t.Errorf("audit %s: served %s, which does not match", tc.name, id)
			}
		}
		h.d.mu.Unlock()
	}
	if more == 0 {
		t.Fatal("no rows were added between pages")
	}
}

func checkUnique(t *testing.T, what string, ids []string) {
	t.Helper()
	sorted := slices.Clone(ids)
	sort.Strings(sorted)
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			t.Errorf("%s: %s served twice", what, sorted[i])
		}
	}
}

// TestAuditIndexesSurviveExportImport checks the filtered audit lists are
// rebuilt by Import, answering as before.
func TestAuditIndexesSurviveExportImport(t *testing.T) {
	h := newHarness(t)
	a := h.d.st.appByID[BootstrapAppID]
	users := seedUsers(h.d, a, 20)
	seedAudit(h.d, a, 500, users)
	path := "/v1/apps/" + BootstrapAppID + "/audit-logs?limit=100&action=session.revoked&actor_id=" + users[0].ID
	before := h.must(200, "GET", path, h.apiKey, nil).raw
	snap, err := h.d.Export()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.d.Import(snap); err != nil {
		t.Fatal(err)
	}
	after := h.must(200, "GET", path, h.apiKey, nil).raw
	if string(before) != string(after) || !strings.Contains(string(after), users[0].ID) {
		t.Fatalf("filtered audit page changed over export/import:\nbefore %s\nafter  %s", before, after)
	}
}

// BenchmarkAuditTrim is the pause a full log costs: once the log passes
// its cap by an eighth, the oldest events are dropped and the indexes cut,
// under the domain lock. Each op is the 125,000 appends of one trim cycle;
// worst-ms is the slowest single append, the one that trimmed.
func BenchmarkAuditTrim(b *testing.B) {
	d := New(Options{Clock: clock.New(), Pool: benchPool, Limits: Limits{AuditPerApp: 1_000_000, AuditTotal: 2_000_000}})
	a := d.st.appByID[BootstrapAppID]
	users := seedUsers(d, a, 10_000)
	maxAuditPerApp := d.limits.AuditPerApp
	cycle := maxAuditPerApp / 8
	seedAudit(d, a, maxAuditPerApp+cycle-len(a.Audit), users)
	var worst time.Duration
	d.mu.Lock()
	defer d.mu.Unlock()
	b.ResetTimer()
	for n := 0; b.Loop(); n++ {
		for i := range cycle {
			u := users[i%len(users)]
			start := time.Now()
			d.audit(a, seedAction(i), u.ID, "end_user", u.ID, u.ID, nil)
			worst = max(worst, time.Since(start))
		}
		if len(a.Audit) > maxAuditPerApp+cycle {
			b.Fatalf("the log holds %d events, past its cap", len(a.Audit))
		}
	}
	b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
}

// TestAuditTrimMatchesRebuild cuts the audit indexes as a full log does
// and compares them with indexes built from scratch over what is left.
func TestAuditTrimMatchesRebuild(t *testing.T) {
	d := New(Options{Clock: clock.New(), Pool: testPool()})
	a := d.st.appByID[BootstrapAppID]
	users := seedUsers(d, a, 300)
	seedAudit(d, a, 5000, users[:40])   // actors 0-39
	seedAudit(d, a, 2000, users[40:])   // actors 40-299 only act late
	kept := a.Audit[len(a.Audit)-1500:] // only late events: actors 0-39 are gone
	a.auditIdx.trim(kept[0].Seq)
	cut := a.auditIdx
	a.Audit = kept
	a.reindexAudit()
	want := a.auditIdx
	seqs := func(m map[string][]*auditRec) map[string][]int64 {
		out := map[string][]int64{}
		for k, list := range m {
			for _, e := range list {
				out[k] = append(out[k], e.Seq)
			}
		}
		return out
	}
	for name, pair := range map[string][2]map[string][]*auditRec{
		"action": {cut.byAction, want.byAction}, "actor": {cut.byActor, want.byActor}, "subject": {cut.bySubject, want.bySubject},
	} {
		if got, want := seqs(pair[0]), seqs(pair[1]); !reflect.DeepEqual(got, want) {
			t.Errorf("by %s: trimmed indexes differ from a rebuild (%d vs %d keys)", name, len(got), len(want))
		}
	}
	if _, ok := cut.strs[users[0].ID]; ok {
		t.Error("an actor whose events were all trimmed is still interned")
	}
	if _, ok := cut.strs[users[299].ID]; !ok {
		t.Error("a live actor is no longer interned")
	}
}

func TestContainsFold(t *testing.T) {
	for _, tc := range []struct {
		s, lower string
		want     bool
	}{
		{"Ada.Lovelace@Example.com", "lovelace@ex", true},
		{"ada", "ada", true},
		{"ada", "adam", false},
		{"BULK0123", "k01", true},
		{"BULK0123", "k02", false},
		{"Ærø", "ærø", true}, // not ASCII: compared lower-cased
		{"Ærø", "ro", false},
		{"", "a", false},
		{"abc", "", true},
	} {
		if got := containsFold(tc.s, tc.lower); got != tc.want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", tc.s, tc.lower, got, tc.want)
		}
	}
}
