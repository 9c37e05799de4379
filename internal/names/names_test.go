package names

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// The rules as the spec and the earlier code wrote them: each hand-written
// check must agree with its expression on every string tried.
var rules = []struct {
	name  string
	check func(string) bool
	re    *regexp.Regexp
}{
	{"Slug", Slug, regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)},
	{"TenantSlug", TenantSlug, regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$`)},
	{"RoleName", RoleName, regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)},
	{"Part", Part, regexp.MustCompile(`^[A-Za-z0-9_-]+$`)},
	{"Permission", Permission, regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)},
	{"KeyPermission", KeyPermission, regexp.MustCompile(`^(\*|[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*(\.\*)?)$`)},
}

func TestChecksAgreeWithTheirExpressions(t *testing.T) {
	edges := []string{"", "a", "ab", "-a", "a-", "a.b", "a..b", ".a", "a.", "*", ".*", "a.*", "a.*.b", "*.a",
		"user.read", "auth.api-key.create", "Ab_c-1", "é", "a b", "a\n", strings.Repeat("a", 62), strings.Repeat("a", 63),
		strings.Repeat("a", 64), strings.Repeat("a", 65), "a" + strings.Repeat("-", 62), "a" + strings.Repeat("-", 63)}
	alphabet := []byte("aZ09_-.*- xé")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		b := make([]byte, rng.IntN(70))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		edges = append(edges, string(b))
	}
	for _, r := range rules {
		for _, s := range edges {
			if got, want := r.check(s), r.re.MatchString(s); got != want {
				t.Errorf("%s(%q) = %v, the expression says %v", r.name, s, got, want)
			}
		}
	}
}
