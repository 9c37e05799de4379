// Package specs embeds the mock's default OpenAPI contract of the Heimdall
// auth API. heimdall.yaml lists every operation of the live API with its
// real paths, parameters, security and request/response shapes, but all of
// its prose and examples are the project's own: it is written from the API's
// facts, not copied from the published document. The shape tests in this
// package keep it in step with the newest real spec when that is available.
package specs

import (
	_ "embed"

	"github.com/getkin/kin-openapi/openapi3"
)

//go:generate go run ./internal/genjson heimdall.yaml heimdall.gen.json
//go:generate go run ./internal/gendoc heimdall.gen.json heimdall.gen.go

// DefaultName is the file name of the embedded contract, for error messages
// and for callers that want to serve or save it under its own name.
const DefaultName = "heimdall.yaml"

// Default holds the bytes of heimdall.yaml (OpenAPI 3.0.3, YAML).
//
//go:embed heimdall.yaml
var Default []byte

// DefaultJSON is heimdall.yaml written as JSON (go generate), the form a
// start loads: decoding JSON is several times faster than scanning YAML.
// A test keeps it equal to Default.
//
//go:embed heimdall.gen.json
var DefaultJSON []byte

// DefaultDoc returns DefaultJSON decoded, its references unresolved (what
// specload.DecodeUnresolved gives), built anew at every call from Go code
// that go generate writes: a start then skips parsing the embedded spec,
// which took most of the time before the first request. A test keeps it
// equal to DefaultJSON.
func DefaultDoc() *openapi3.T { return defaultDoc() }
