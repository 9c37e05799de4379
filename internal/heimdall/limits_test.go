package heimdall

import (
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/clock"
)

func TestLimitsCapSessionsAndAuditRows(t *testing.T) {
	lim := Limits{AuditPerApp: 400, AuditTotal: 600, Outbox: 10, SessionsPerApp: 50}
	d := New(Options{Clock: clock.New(), Pool: testPool(), Limits: lim})
	a := d.st.appByID[BootstrapAppID]
	users := seedUsers(d, a, 300)
	d.mu.Lock()
	defer d.mu.Unlock()
	for round := 0; round < 3; round++ {
		for _, u := range users {
			d.startSession(nil, a, u, []string{"pwd"})
			d.audit(a, "user.signin", u.ID, "end_user", u.ID, u.ID, nil)
		}
	}
	if n := len(a.sessionByID); n > lim.SessionsPerApp {
		t.Errorf("%d live sessions, cap %d", n, lim.SessionsPerApp)
	}
	if n := len(a.sessOrder); n > 2*lim.SessionsPerApp+64 {
		t.Errorf("the session order list holds %d entries for %d sessions", n, len(a.sessionByID))
	}
	if n := len(a.Audit); n > lim.AuditPerApp+lim.AuditPerApp/8 {
		t.Errorf("%d audit rows, cap %d (+1/8 batch)", n, lim.AuditPerApp)
	}
	// A second app: both together stay under the overall cap.
	b := d.newApp(d.st, newID(), "second", "Second", BootstrapOwnerID, d.now(), nil)
	for i := 0; i < 2000; i++ {
		d.audit(b, "user.signin", "", "", "", "", nil)
	}
	if n := len(a.Audit) + len(b.Audit); n > lim.AuditTotal+lim.AuditTotal/8 {
		t.Errorf("%d audit rows over two apps, overall cap %d", n, lim.AuditTotal)
	}
	// The newest sessions survive: the last user's token still has one.
	if len(a.userSess[users[len(users)-1].ID]) == 0 {
		t.Error("the newest session was dropped")
	}
}

// At --max-users a sign-up is refused with 507 naming the cap; nobody is
// dropped, so every existing user still signs in.
func TestUserCapRefusesNewUsersAndKeepsTheOld(t *testing.T) {
	h := newHarness(t)
	h.d.mu.Lock()
	h.d.limits.UsersPerApp = len(h.d.st.appBySlug["demo"].Users) + 2
	h.d.mu.Unlock()
	h.signup("ada")
	h.signup("grace")
	r := h.must(507, "POST", "/demo/v1/auth/signup", h.apiKey, map[string]any{
		"username": "linus", "email": "linus@example.com", "password": "password-linus",
	})
	if r.str("code") != "mock_user_cap" || !strings.Contains(r.str("message"), "--max-users") {
		t.Errorf("refusal does not name the cap: %s", r.raw)
	}
	for _, name := range []string{"ada", "grace"} {
		h.must(200, "POST", "/demo/v1/auth/signin", "", map[string]any{"identifier": name, "password": "password-" + name})
	}
	h.d.Reset()
	h.signup("linus")
}
