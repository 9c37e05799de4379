package heimdall

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// The state lock is taken in lock.go alone: everything else goes through
// read or update, so no early return can leave it held.
func TestOnlyReadAndUpdateTakeTheLock(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if name == "lock.go" || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if inner, ok := sel.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "mu" {
				t.Errorf("%s: %s takes the state lock by hand; use read or update", fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}
