// Package names holds the shapes of the names the API takes: app and
// tenant slugs, role names and permissions. The fixture format and the
// domain check the same rules, so they live once; they are written out
// by hand because the regular expressions they replace ({1,62} counts)
// cost a millisecond of package initialisation at every start.
package names

// Slug is an app slug: a lower-case letter or digit, then 1 to 62 lower-case
// letters, digits or hyphens.
func Slug(s string) bool {
	if len(s) < 2 || len(s) > 63 || !lowerOrDigit(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !lowerOrDigit(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// TenantSlug is a tenant slug: 1 to 64 lower-case letters, digits or
// hyphens, starting and ending with a letter or digit.
func TenantSlug(s string) bool {
	if len(s) < 1 || len(s) > 64 || !lowerOrDigit(s[0]) || !lowerOrDigit(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if !lowerOrDigit(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// RoleName is a role name: a lower-case letter or digit, then up to 62
// lower-case letters, digits, underscores or hyphens.
func RoleName(s string) bool {
	if len(s) < 1 || len(s) > 63 || !lowerOrDigit(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !lowerOrDigit(s[i]) && s[i] != '_' && s[i] != '-' {
			return false
		}
	}
	return true
}

// Part is one part of a permission: letters, digits, underscores or
// hyphens, at least one.
func Part(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !partByte(s[i]) {
			return false
		}
	}
	return true
}

// Permission is resource.action: two parts.
func Permission(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return Part(s[:i]) && Part(s[i+1:])
		}
	}
	return false
}

// KeyPermission is what an API key may hold: "*", or parts joined by dots,
// optionally ending in ".*" (every permission under them).
func KeyPermission(s string) bool {
	if s == "*" {
		return true
	}
	if len(s) > 2 && s[len(s)-2:] == ".*" {
		s = s[:len(s)-2]
	}
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if !Part(s[start:i]) {
				return false
			}
			start = i + 1
		}
	}
	return true
}

func lowerOrDigit(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

func partByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-'
}
