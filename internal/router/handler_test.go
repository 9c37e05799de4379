package router

import "testing"

func TestKeyIgnoresParameterNames(t *testing.T) {
	cases := map[string][2]string{
		"POST /{}/v1/auth/signin":  {"post", "/{app_slug}/v1/auth/signin"},
		"GET /v1/apps/{}/roles/{}": {"GET", "/v1/apps/{appId}/roles/{role_name}"},
		"GET /v1/apps":             {"get", "/v1/apps"},
	}
	for want, in := range cases {
		if got := Key(in[0], in[1]); got != want {
			t.Errorf("Key(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
	if Key("GET", "/{a}/x/{b}") != Key("GET", "/{appSlug}/x/{id}") {
		t.Error("keys differ by parameter name")
	}
}
