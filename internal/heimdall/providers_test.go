package heimdall

import (
	"bytes"
	"testing"
)

func TestNativeProviders(t *testing.T) {
	h := newHarness(t)
	base := "/v1/apps/" + BootstrapAppID + "/auth-config/providers"
	list := h.must(200, "GET", base, h.apiKey, nil)
	if len(list.list) != 2 {
		t.Fatalf("providers = %s", list.raw)
	}
	for _, row := range list.list {
		if m := row.(map[string]any); m["configured"] != true || m["enabled"] != true {
			t.Fatalf("bootstrap provider not configured: %v", m)
		}
	}
	apple := h.must(200, "GET", base+"/apple", h.apiKey, nil)
	if apple.body["config"].(map[string]any)["service_id"] != BootstrapAppleClientID {
		t.Fatalf("apple = %s", apple.raw)
	}
	google := h.must(200, "GET", base+"/google", h.apiKey, nil)
	if google.body["config"].(map[string]any)["client_id"] != BootstrapGoogleClientID {
		t.Fatalf("google = %s", google.raw)
	}

	// Secrets go in, never come out, and are not exported in plaintext.
	const pem = "-----BEGIN PRIVATE KEY-----not-a-real-key-----END PRIVATE KEY-----"
	up := h.must(200, "PUT", base+"/apple", h.apiKey, map[string]any{"config": map[string]any{
		"service_id": "com.example.web", "team_id": "TEAM", "key_id": "KEY", "private_key_pem": pem,
	}})
	cfg := up.body["config"].(map[string]any)
	if up.body["enabled"] != false || cfg["private_key_present"] != true || cfg["private_key_pem"] != nil {
		t.Fatalf("upsert = %s", up.raw)
	}
	snap, err := h.d.Export()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(snap, []byte("not-a-real-key")) {
		t.Fatal("the export holds a provider secret")
	}
	patched := h.must(200, "PATCH", base+"/apple", h.apiKey, map[string]any{"enabled": true})
	if patched.body["enabled"] != true || patched.body["config"].(map[string]any)["team_id"] != "TEAM" {
		t.Fatalf("patch = %s", patched.raw)
	}
	h.must(400, "PUT", base+"/google", h.apiKey, map[string]any{"config": map[string]any{}})
	h.must(400, "GET", base+"/myspace", h.apiKey, nil)
	h.must(204, "DELETE", base+"/google", h.apiKey, nil)
	h.must(404, "GET", base+"/google", h.apiKey, nil)
	h.must(204, "DELETE", base+"/google", h.apiKey, nil) // already absent
}
