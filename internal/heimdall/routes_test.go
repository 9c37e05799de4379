package heimdall

import (
	"os"
	"slices"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/heimdall/httpapi"
	"github.com/heimdall-mock/heimdall-mock/internal/router"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
)

// TestRouteTableCoversTheSpec: every operation of the newest spec (and of
// the project's own spec) has a row, every row is an operation, and an
// operation whose security or whose required Authorization header asks for
// a credential is not public in the table.
func TestRouteTableCoversTheSpec(t *testing.T) {
	own, err := os.ReadFile("../../specs/heimdall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ownSpec, err := specload.LoadData(own, "heimdall.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, doc := range map[string]*router.Router{"newest": mustRouter(t, newestSpec(t)), "own": mustRouter(t, ownSpec.Doc)} {
		seen := map[string]bool{}
		for _, op := range doc.Operations() {
			seen[op.Key] = true
			rule, ok := accessByKey[op.Key]
			if !ok {
				t.Errorf("%s spec: %s %s has no row in the routes table", name, op.Method, op.Path)
				continue
			}
			if declaresCredential(op) && rule.Cred == credNone {
				t.Errorf("%s spec: %s %s asks for a credential, the table says none", name, op.Method, op.Path)
			}
		}
		if name != "newest" {
			continue
		}
		for key := range accessByKey {
			if !seen[key] {
				t.Errorf("the routes table has a row for %s, which the newest spec does not document", key)
			}
		}
	}
}

// TestRegisterBindsTheRoutesTable: Register binds exactly the rows of the
// table, so no handler is wired beside it.
func TestRegisterBindsTheRoutesTable(t *testing.T) {
	reg := router.NewRegistry()
	httpapi.Bind(reg, newHarness(t).d.Routes(), newHarness(t).d.Guard)
	var want []string
	for _, rt := range routeTable {
		want = append(want, router.Key(rt.Method, rt.Path))
	}
	got := reg.Keys()
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("registered %d operations, the table has %d rows:\n got %v\nwant %v", len(got), len(want), got, want)
	}
}
