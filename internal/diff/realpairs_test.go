package diff

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/heimdall-mock/heimdall-mock/internal/testspecs"
)

// expected is one finding a careful reviewer would flag: rule id,
// operation and location (field or parameter; "" for the whole operation).
type expected struct{ rule, op, loc string }

// realPairBreaks lists, per consecutive pair of real Heimdall versions,
// every error and warning the diff must report — and nothing else at those
// levels, so both a missed break and a false alarm fail the test. Pairs are
// keyed by the date-and-time prefix of the two file names.
//
// What the pairs contain, in short:
//   - 05-03→05-22: the camelCase→snake_case request field renames (one
//     rename each, not remove+add); reset-password takes code and
//     new_password instead of token and newPassword; sign-in's 200 gains the
//     MFA challenge alternative; the /v1/idp routes and request-reset are
//     gone; workspace_id becomes required; two creates answer 200 not 201.
//     Every path parameter was also renamed (appSlug→app_slug): info only.
//   - 05-22→05-24: /verify, /authorize and /authorize/batch take the token
//     in a required Authorization header instead of the body; many query
//     parameters become optional (info).
//   - 05-24→06-22: the app-invite routes are removed; data[].role_id
//     leaves the app list. Path parameters the old version used but did
//     not declare are now declared: no finding.
//   - 06-26→07-07: tenant operations change operationId (info).
//   - 07-14→08-22: MFA enrollment may now be the e-mail shape (oneOf), but
//     only for the new request type "email" — info, not a break.
var realPairBreaks = map[string][]expected{
	"2026-05-03T2218→2026-05-22T0757": {
		{"request-parameter-added-required", "GET /v1/apps", "query parameter workspace_id"},
		{"request-property-added-required", "POST /v1/apps", "request body: workspace_id"},
		{"request-property-renamed", "POST /v1/apps", "request body: display_name"},
		{"response-success-status-removed", "POST /v1/apps/invites/accept", "response 201"},
		{"request-property-renamed", "PATCH /v1/apps/{app_id}", "request body: display_name"},
		{"request-property-renamed", "PATCH /v1/apps/{app_id}/auth-config", "request body: max_failed_login_attempts"},
		{"request-property-renamed", "PATCH /v1/apps/{app_id}/auth-config", "request body: max_sessions"},
		{"request-property-renamed", "PATCH /v1/apps/{app_id}/auth-config", "request body: password_min_length"},
		{"request-property-renamed", "PATCH /v1/apps/{app_id}/auth-config", "request body: password_require_number"},
		{"request-property-renamed", "PATCH /v1/apps/{app_id}/auth-config", "request body: password_require_symbol"},
		{"request-property-renamed", "PATCH /v1/apps/{app_id}/auth-config", "request body: password_require_uppercase"},
		{"request-property-renamed", "PATCH /v1/apps/{app_id}/auth-config", "request body: session_duration_minutes"},
		{"request-property-renamed", "PATCH /v1/apps/{app_id}/auth-config", "request body: signin_enabled"},
		{"request-property-renamed", "PATCH /v1/apps/{app_id}/auth-config", "request body: signup_allowed_email_domains"},
		{"request-property-renamed", "PATCH /v1/apps/{app_id}/auth-config", "request body: signup_default_role"},
		{"request-property-renamed", "PATCH /v1/apps/{app_id}/auth-config", "request body: signup_enabled"},
		{"request-property-renamed", "PATCH /v1/apps/{app_id}/credentials/{client_id}", "request body: is_active"},
		{"request-property-renamed", "PATCH /v1/apps/{app_id}/end-users/{user_id}", "request body: display_name"},
		{"request-property-renamed", "PATCH /v1/apps/{app_id}/end-users/{user_id}/role", "request body: role_name"},
		{"request-property-renamed", "POST /v1/apps/{app_id}/invites", "request body: expires_in_hours"},
		{"request-property-renamed", "POST /v1/apps/{app_id}/invites", "request body: max_uses"},
		{"request-property-renamed", "POST /v1/apps/{app_id}/roles/assign", "request body: account_id"},
		{"response-success-status-removed", "POST /v1/apps/{app_id}/roles/assign", "response 201"},
		{"operation-removed", "POST /v1/idp/exchange", ""},
		{"operation-removed", "GET /v1/idp/providers", ""},
		{"operation-removed", "GET /v1/idp/{provider}/redirect", ""},
		{"operation-removed", "POST /v1/idp/{provider}/start", ""},
		{"operation-removed", "POST /v1/idp/{provider}/verify-token", ""},
		{"request-parameter-added-required", "GET /v1/stats/me", "query parameter workspace_id"},
		{"operation-removed", "POST /{appSlug}/v1/auth/request-reset", ""},
		{"request-property-added-required", "POST /{app_slug}/v1/auth/reset-password", "request body: code"},
		{"request-property-renamed", "POST /{app_slug}/v1/auth/reset-password", "request body: new_password"},
		{"request-property-removed", "POST /{app_slug}/v1/auth/reset-password", "request body: token"},
		{"response-oneof-alternative-added", "POST /{app_slug}/v1/auth/signin", "response 200"},
		{"request-property-renamed", "POST /{app_slug}/v1/auth/signup", "request body: display_name"},
		{"request-property-renamed", "PATCH /{app_slug}/v1/me", "request body: display_name"},
	},
	"2026-05-22T0757→2026-05-24T2138": {
		{"request-token-moved-to-authorization-header", "POST /{app_slug}/v1/authorize", "header parameter authorization"},
		{"request-token-moved-to-authorization-header", "POST /{app_slug}/v1/authorize/batch", "header parameter authorization"},
		{"request-token-moved-to-authorization-header", "POST /{app_slug}/v1/verify", "header parameter authorization"},
	},
	"2026-05-24T2138→2026-06-22T1021": {
		{"response-property-removed", "GET /v1/apps", "response 200: data[].role_id"},
		{"operation-removed", "POST /v1/apps/invites/accept", ""},
		{"operation-removed", "GET /v1/apps/{app_id}/invites", ""},
		{"operation-removed", "POST /v1/apps/{app_id}/invites", ""},
		{"operation-removed", "DELETE /v1/apps/{app_id}/invites/{invite_id}", ""},
	},
	"2026-06-22T1021→2026-06-26T1617": {},
	"2026-06-26T1617→2026-07-07T0757": {},
	"2026-07-07T0757→2026-07-07T2027": {},
	"2026-07-07T2027→2026-07-14T0632": {},
	// The e-mail enrollment answer is only sent for the new "email" request
	// value, so existing clients never receive it: a note, not a break.
	"2026-07-14T0632→2026-08-22T0456": {},
}

// realPairNotes are info findings that must be present too: the ones a
// reviewer wants in the changelog without failing the build.
var realPairNotes = map[string][]expected{
	"2026-05-03T2218→2026-05-22T0757": {
		{"path-parameter-renamed", "POST /{app_slug}/v1/auth/signin", "path parameter app_slug"},
		{"request-property-added-optional", "POST /{app_slug}/v1/auth/signin", "request body: tenant_id"},
	},
	"2026-05-22T0757→2026-05-24T2138": {
		{"request-parameter-became-optional", "GET /v1/apps", "query parameter workspace_id"},
	},
	"2026-05-24T2138→2026-06-22T1021": {
		{"request-parameter-enum-value-added", "PUT /v1/apps/{app_id}/auth-config/providers/{provider}", "path parameter provider"},
		{"operation-added", "POST /{app_slug}/v1/auth/accept-invite", ""},
	},
	"2026-06-26T1617→2026-07-07T0757": {
		{"operation-id-changed", "GET /v1/apps/{app_id}/tenants", ""},
		{"operation-id-changed", "POST /v1/apps/{app_id}/tenants/{tenant_id}/members", ""},
	},
	"2026-07-14T0632→2026-08-22T0456": {
		{"request-property-enum-value-added", "POST /{app_slug}/v1/me/mfa/factors", "request body: type"},
		{"response-oneof-alternative-added-for-new-request-value", "POST /{app_slug}/v1/me/mfa/factors", "response 201: enrollment"},
		{"operation-added", "POST /{app_slug}/v1/me/avatar", ""},
	},
}

func pairKey(oldFile, newFile string) string {
	short := func(f string) string {
		b := filepath.Base(f)
		if len(b) > 15 {
			b = b[:15]
		}
		return b
	}
	return short(oldFile) + "→" + short(newFile)
}

func comparePair(t *testing.T, oldFile, newFile string) *Report {
	t.Helper()
	oldData, err := os.ReadFile(oldFile)
	if err != nil {
		t.Fatal(err)
	}
	newData, err := os.ReadFile(newFile)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compare(oldData, newData, Options{OldName: oldFile, NewName: newFile})
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	return r
}

func (e expected) String() string { return fmt.Sprintf("%s %s [%s]", e.rule, e.op, e.loc) }

func TestRealPairs(t *testing.T) {
	versions := testspecs.AuthVersions(t)
	if len(versions) < 2 {
		t.Skip("need two versions")
	}
	seen := 0
	for i := 0; i+1 < len(versions); i++ {
		key := pairKey(versions[i], versions[i+1])
		want, known := realPairBreaks[key]
		if !known {
			t.Errorf("pair %s has no expectations; review it and add them", key)
			continue
		}
		seen++
		t.Run(key, func(t *testing.T) {
			r := comparePair(t, versions[i], versions[i+1])
			got := map[expected]bool{}
			all := map[expected]bool{}
			for _, f := range r.Findings {
				e := expected{f.Rule, f.Operation, f.Location}
				all[e] = true
				if f.Level >= Warning {
					got[e] = true
				}
			}
			var missing, extra []string
			for _, e := range want {
				if !got[e] {
					missing = append(missing, e.String())
				}
				delete(got, e)
			}
			for e := range got {
				extra = append(extra, e.String())
			}
			sort.Strings(missing)
			sort.Strings(extra)
			if len(missing) > 0 {
				t.Errorf("missed %d breaking/warning findings:\n  %s", len(missing), strings.Join(missing, "\n  "))
			}
			if len(extra) > 0 {
				t.Errorf("%d unexpected breaking/warning findings (false alarms?):\n  %s", len(extra), strings.Join(extra, "\n  "))
			}
			for _, e := range realPairNotes[key] {
				if !all[e] {
					t.Errorf("missing info finding %s", e)
				}
			}
		})
	}
	if seen != len(realPairBreaks) {
		t.Errorf("checked %d pairs, expectations name %d", seen, len(realPairBreaks))
	}
}

// The headline changes, spelled out so a regression names them plainly.
func TestRealPairsHeadlines(t *testing.T) {
	versions := testspecs.AuthVersions(t)
	byKey := map[string]*Report{}
	for i := 0; i+1 < len(versions); i++ {
		byKey[pairKey(versions[i], versions[i+1])] = nil
	}
	report := func(key string) *Report {
		if _, ok := byKey[key]; !ok {
			t.Fatalf("pair %s not among the real versions", key)
		}
		if byKey[key] == nil {
			old, nw, _ := strings.Cut(key, "→")
			var oldFile, newFile string
			for _, v := range versions {
				switch {
				case strings.HasPrefix(filepath.Base(v), old):
					oldFile = v
				case strings.HasPrefix(filepath.Base(v), nw):
					newFile = v
				}
			}
			byKey[key] = comparePair(t, oldFile, newFile)
		}
		return byKey[key]
	}
	find := func(r *Report, rule, op, locPart string) bool {
		for _, f := range r.Findings {
			if f.Rule == rule && f.Operation == op && strings.Contains(f.Location, locPart) && f.Level == Error {
				return true
			}
		}
		return false
	}
	first := "2026-05-03T2218→2026-05-22T0757"
	headlines := []struct {
		what, pair, rule, op, loc string
	}{
		{"camelCase→snake_case rename", first, "request-property-renamed", "POST /{app_slug}/v1/auth/signup", "display_name"},
		{"reset-password body change", first, "request-property-added-required", "POST /{app_slug}/v1/auth/reset-password", "code"},
		{"reset-password field rename", first, "request-property-renamed", "POST /{app_slug}/v1/auth/reset-password", "new_password"},
		{"sign-in MFA alternative", first, "response-oneof-alternative-added", "POST /{app_slug}/v1/auth/signin", "response 200"},
		{"idp routes removed", first, "operation-removed", "GET /v1/idp/providers", ""},
		{"required workspace_id", first, "request-parameter-added-required", "GET /v1/apps", "workspace_id"},
		{"required workspace_id in body", first, "request-property-added-required", "POST /v1/apps", "workspace_id"},
		{"verify token to header", "2026-05-22T0757→2026-05-24T2138", "request-token-moved-to-authorization-header", "POST /{app_slug}/v1/verify", "authorization"},
		{"authorize token to header", "2026-05-22T0757→2026-05-24T2138", "request-token-moved-to-authorization-header", "POST /{app_slug}/v1/authorize", "authorization"},
		{"app invites removed", "2026-05-24T2138→2026-06-22T1021", "operation-removed", "GET /v1/apps/{app_id}/invites", ""},
	}
	for _, h := range headlines {
		if !find(report(h.pair), h.rule, h.op, h.loc) {
			t.Errorf("%s: no breaking %s on %s (%s)", h.what, h.rule, h.op, h.loc)
		}
	}
}

// Every real spec compared with itself reports nothing, and comparing
// unrelated APIs completes without error.
func TestRealSpecsSelfAndCross(t *testing.T) {
	all := testspecs.All(t)
	for _, f := range all {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Compare(data, data, Options{})
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		if len(r.Findings) != 0 {
			t.Errorf("%s against itself: %d findings, first %+v", filepath.Base(f), len(r.Findings), r.Findings[0])
		}
	}
	surfaces := testspecs.Surfaces(t)
	newest, err := os.ReadFile(testspecs.Newest(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range surfaces {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Compare(newest, data, Options{}); err != nil {
			t.Errorf("newest auth → %s: %v", filepath.Base(f), err)
		}
	}
}
