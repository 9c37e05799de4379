// Command gendoc writes a JSON spec as Go code that builds its decoded
// document: go generate runs it after genjson, so the embedded default
// reaches a start already decoded.
//
//	gendoc heimdall.gen.json heimdall.gen.go
package main

import (
	"fmt"
	"os"

	"github.com/heimdall-mock/heimdall-mock/internal/docgen"
	"github.com/heimdall-mock/heimdall-mock/internal/specload"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: gendoc IN.json OUT.go")
		os.Exit(2)
	}
	in, err := os.ReadFile(os.Args[1])
	if err == nil {
		var out []byte
		if out, err = Source(in); err == nil {
			err = os.WriteFile(os.Args[2], out, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gendoc:", err)
		os.Exit(1)
	}
}

// Source is the Go file for the JSON spec data.
func Source(data []byte) ([]byte, error) {
	doc, err := specload.DecodeUnresolved(data)
	if err != nil {
		return nil, err
	}
	return docgen.Source("specs", "defaultDoc", "specs/internal/gendoc", doc)
}
