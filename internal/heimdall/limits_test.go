package heimdall

import (
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
