// Command linked is bench/bare with the mock's third-party libraries linked
// in and never called: its start-up is the floor the mock's own start-up
// cannot go below, since Go runs every linked package's initialisers
// (kin-openapi's JSON Schema metaschemas, gofakeit's word lists, ...)
// before main.
package main

import (
	"flag"
	"log"
	"net/http"

	_ "github.com/brianvoe/gofakeit/v7"
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/getkin/kin-openapi/openapi3filter"
	_ "github.com/go-jose/go-jose/v4"
	_ "go.yaml.in/yaml/v4"
	_ "golang.org/x/text/cases"
	_ "gopkg.in/yaml.v3"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4098", "listen address")
	flag.Parse()
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ok":true}`))
	})))
}
