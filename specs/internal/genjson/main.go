// Command genjson writes a YAML spec as JSON: go generate runs it to keep
// the embedded default's JSON form in step with heimdall.yaml.
//
//	genjson heimdall.yaml heimdall.gen.json
package main

import (
	"fmt"
	"os"

	"github.com/heimdall-mock/heimdall-mock/internal/specload"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: genjson IN.yaml OUT.json")
		os.Exit(2)
	}
	in, err := os.ReadFile(os.Args[1])
	if err == nil {
		var out []byte
		if out, err = specload.YAMLToJSON(in); err == nil {
			err = os.WriteFile(os.Args[2], out, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genjson:", err)
		os.Exit(1)
	}
}
