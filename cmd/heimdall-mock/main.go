// Command mock serves a local, spec-driven fake of the Heimdall auth API.
// All the work happens in internal/mockcli so that tests can run the CLI.
package main

import (
	"os"

	"github.com/heimdall-mock/heimdall-mock/internal/mockcli"
)

func main() { os.Exit(mockcli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
