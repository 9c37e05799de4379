// Command bare is the ceiling the mock's throughput is measured against: a
// plain net/http handler that answers every request with the same 300-byte
// JSON body and does nothing else.
package main

import (
	"flag"
	"log"
	"net/http"
	"strings"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:4099", "listen address")
	flag.Parse()
	body := []byte(`{"id":"3f1c8a52-6a0e-4c55-9d4f-0b8e7c1d2a90","email":"alice@example.com","username":"alice","display_name":"Alice Example","status":"active","role":"member","email_verified":true,"created_at":"2026-05-03T10:00:00Z","updated_at":"2026-05-03T10:00:00Z","note":"` + strings.Repeat("x", 300-255) + `"}`)
	log.Fatal(http.ListenAndServe(*addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})))
}
