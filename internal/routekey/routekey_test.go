package routekey

import (
	"slices"
	"testing"
)

func TestKeyIgnoresParameterNames(t *testing.T) {
	if a, b := Key("get", "/{appSlug}/v1/x/{id}"), Key("GET", "/{app_slug}/v1/x/{user_id}"); a != b || a != "GET /{}/v1/x/{}" {
		t.Errorf("keys %q and %q, want both %q", a, b, "GET /{}/v1/x/{}")
	}
}

func TestParamsListNamesInOrder(t *testing.T) {
	for template, want := range map[string][]string{
		"/v1/apps":                            nil,
		"/{app_slug}/v1/users/{user_id}":      {"app_slug", "user_id"},
		"/__mock/avatars/{slug}/{account_id}": {"slug", "account_id"},
		"/files/{path...}":                    {"path..."},
		"/broken/{open":                       nil,
	} {
		if got := Params(template); !slices.Equal(got, want) {
			t.Errorf("Params(%q) = %q, want %q", template, got, want)
		}
	}
}
