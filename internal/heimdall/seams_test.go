package heimdall

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
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
func TestOnlyErrorResponseBuildsErrorBodies(t *testing.T) {
	builders := map[string]bool{"router.Error": true, "router.ErrorCode": true,
		"apierr.New": true, "apierr.WithCode": true, "apierr.Validation": true}
	eachSelector(t, "", func(pos token.Position, sel *ast.SelectorExpr) {
		if pkg, ok := sel.X.(*ast.Ident); ok && builders[pkg.Name+"."+sel.Sel.Name] {
			t.Errorf("%s: %s.%s builds an error body; return an *Error (errorResponse)", pos, pkg.Name, sel.Sel.Name)
		}
	})
}

// The domain's handlers read a Call and answer a Reply: only the files of
// its HTTP surface (and of its control-plane routes) import net/http or
// the router, so the domain rules never depend on how a request arrived.
func TestOnlyTheSurfaceSpeaksHTTP(t *testing.T) {
	surface := map[string]bool{
		// The /__mock routes, until they move to the surface too.
		"control.go": true, "federated_control.go": true, "platform_control.go": true, "avatars_control.go": true,
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if surface[name] || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			switch p := strings.Trim(imp.Path.Value, `"`); {
			case p == "net/http", strings.HasSuffix(p, "/internal/router"), strings.HasSuffix(p, "/internal/apierr"):
				t.Errorf("%s imports %s: take a Call, answer a Reply or an *Error", name, p)
			}
		}
	}
}
