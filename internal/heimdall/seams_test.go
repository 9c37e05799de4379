package heimdall

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// The package's seams, checked on its source: a rule of the design that a
// test does not hold is one the next change breaks unnoticed.

// eachSelector calls fn on every x.y of the package's non-test files but
// skip.
func eachSelector(t *testing.T, skip string, fn func(pos token.Position, sel *ast.SelectorExpr)) {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if name == skip || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if sel, ok := n.(*ast.SelectorExpr); ok {
				fn(fset.Position(sel.Pos()), sel)
			}
			return true
		})
	}
}

// The state lock is taken in lock.go alone: everything else goes through
// read or update, so no early return can leave it held.
func TestOnlyReadAndUpdateTakeTheLock(t *testing.T) {
	eachSelector(t, "lock.go", func(pos token.Position, sel *ast.SelectorExpr) {
		if inner, ok := sel.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "mu" {
			t.Errorf("%s: %s takes the state lock by hand; use read or update", pos, sel.Sel.Name)
		}
	})
}

// A refusal is an *Error; httpapi.ErrorBody alone turns one into the
// NestJS body, so the wire shape of every refusal is decided once.
func TestTheCoreBuildsNoErrorBodies(t *testing.T) {
	builders := map[string]bool{"router.Error": true, "router.ErrorCode": true,
		"apierr.New": true, "apierr.WithCode": true, "apierr.Validation": true}
	eachSelector(t, "", func(pos token.Position, sel *ast.SelectorExpr) {
		if pkg, ok := sel.X.(*ast.Ident); ok && builders[pkg.Name+"."+sel.Sel.Name] {
			t.Errorf("%s: %s.%s builds an error body; return an *Error (refuse)", pos, pkg.Name, sel.Sel.Name)
		}
	})
}

// The domain core speaks no HTTP: its handlers read a Call and answer a
// Reply, and httpapi alone binds them to the router, net/http and the
// control plane. Checked on everything the package links, as
// `go list -deps ./internal/heimdall` shows it.
func TestTheCoreLinksNoHTTP(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goTool, "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !slices.Contains(deps, "github.com/heimdall-mock/heimdall-mock/internal/heimdall") {
		t.Fatalf("go list -deps named %d packages, not this one's: %q", len(deps), out)
	}
	for _, p := range deps {
		switch {
		case p == "net/http", strings.HasPrefix(p, "net/http/"),
			strings.HasSuffix(p, "/internal/router"), strings.HasSuffix(p, "/internal/apierr"),
			strings.HasSuffix(p, "/internal/control"), strings.HasSuffix(p, "/heimdall/httpapi"):
			t.Errorf("the domain core links %s; take a Call, answer a Reply or an *Error, and leave HTTP to httpapi", p)
		}
	}
}
