package fakedata

import (
	"encoding/base64"
	"html"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// timeAnchor is the fixed "now" of generated timestamps. It is not the mock
// clock: a value must depend only on (schema, seed), whenever it is made.
var timeAnchor = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC)

const jsTimeLayout = "2006-01-02T15:04:05.000Z07:00" // what JavaScript's toISOString prints

// leaf makes a string, number or boolean.
func (r *run) leaf(s *openapi3.Schema, typ string, n node) any {
	h := hintFor(n.name, s.Format)
	if !h.varies() {
		if v, ok := ownExample(s); ok {
			if typ == openapi3.TypeInteger {
				if f, isFloat := v.(float64); isFloat && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
					return int64(f)
				}
			}
			return v
		}
	}
	switch typ {
	case openapi3.TypeInteger:
		return r.integer(s, h)
	case openapi3.TypeNumber:
		return r.number(s, h)
	case openapi3.TypeBoolean:
		return r.f.Bool()
	default:
		return r.str(s, h, n.name)
	}
}

// ownExample returns the schema's example, else its first example (3.1),
// else its default, when that value is not null and the schema accepts it.
func ownExample(s *openapi3.Schema) (any, bool) {
	candidates := [3]any{s.Example, nil, s.Default}
	if len(s.Examples) > 0 {
		candidates[1] = s.Examples[0]
	}
	for _, c := range candidates {
		if c == nil {
			continue
		}
		switch c.(type) {
		case map[string]any, []any:
			continue // a leaf's example of another type cannot validate
		}
		if s.VisitJSON(c) == nil {
			return cloneJSON(c), true
		}
	}
	return nil, false
}

// str makes a string that fits the format or name hint, then the length
// bounds, then the pattern, in that order of preference.
func (r *run) str(s *openapi3.Schema, h hint, name string) string {
	minLen := int(min(s.MinLength, maxCount))
	maxLen := -1
	if s.MaxLength != nil {
		maxLen = int(min(*s.MaxLength, maxCount))
	}
	cand := r.hintedString(h)
	if cand == "" {
		cand = r.plainString(minLen, maxLen)
	}
	cand = r.fitLength(cand, minLen, maxLen)
	if s.Pattern == "" {
		return cand
	}
	re := compiledPattern(s.Pattern)
	if re == nil || re.MatchString(cand) {
		return cand
	}
	if v, ok := r.fromPattern(s.Pattern, re, minLen, maxLen); ok {
		return v
	}
	return cand
}

// hinted is the value for a schema that says nothing about its type: the
// name's kind decides, and plain words are the fallback.
func (r *run) hinted(name, format string) any {
	h := hintFor(name, format)
	switch h.kind {
	case kindCount, kindPort, kindSeconds, kindMillis, kindUnixTime, kindSmallInt, kindPercent, kindHTTPStatus, kindDay, kindMonth, kindYear, kindHour, kindMinute, kindAmount:
		return r.integer(&openapi3.Schema{}, h)
	case kindFlag:
		return r.f.Bool()
	case kindObject:
		return map[string]any{}
	}
	if v := r.hintedString(h); v != "" {
		return v
	}
	return r.plainString(0, -1)
}

var locales = []string{"en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "it-IT", "nl-NL", "pt-BR", "ja-JP", "sv-SE"}

var (
	roles           = []string{"owner", "admin", "member", "viewer", "editor"}
	statuses        = []string{"active", "pending", "disabled", "completed"}
	providers       = []string{"google", "github", "microsoft", "apple", "gitlab"}
	eventVerbs      = []string{"created", "updated", "deleted"}
	permissionVerbs = []string{"read", "write", "delete", "list"}
	mimeTypes       = []string{"application/json", "text/plain", "text/html", "image/png", "application/pdf"}
)

// pastTime is a moment between from and to before the fixed now.
func (r *run) pastTime(from, to time.Duration) time.Time {
	ms := int64((to - from) / time.Millisecond)
	return timeAnchor.Add(-from - time.Duration(r.int64n(ms))*time.Millisecond)
}

// hintedString makes the realistic value for a kind, or "" when the kind
// has no string form.
func (r *run) hintedString(h hint) string {
	f := r.f
	switch h.kind {
	case kindEmail:
		return strings.ToLower(f.FirstName()+"."+f.LastName()) + strconv.Itoa(f.IntN(100)) + "@example.com"
	case kindMaskedEmail:
		return strings.ToLower(f.Letter()) + "***@example.com"
	case kindUUID:
		return f.UUID()
	case kindDateTime:
		return r.pastTime(0, 30*24*time.Hour).Format(jsTimeLayout)
	case kindCreatedDateTime:
		return r.pastTime(30*24*time.Hour, 730*24*time.Hour).Format(jsTimeLayout)
	case kindFutureDateTime:
		return timeAnchor.Add(time.Duration(1+r.int64n(int64(30*24*time.Hour/time.Millisecond))) * time.Millisecond).Format(jsTimeLayout)
	case kindDate:
		return timeAnchor.AddDate(0, 0, -f.IntN(3650)).Format(time.DateOnly)
	case kindTime:
		return timeAnchor.Add(time.Duration(f.IntN(86400)) * time.Second).Format("15:04:05Z")
	case kindURL:
		return "https://" + r.domain() + "/" + slugify(f.NounCommon()) + "/" + strconv.Itoa(f.IntN(10000))
	case kindAvatarURL:
		return "https://cdn." + r.domain() + "/avatars/" + f.UUID() + ".png"
	case kindHostname:
		return r.domain()
	case kindIPv4:
		return f.IPv4Address()
	case kindIPv6:
		return f.IPv6Address()
	case kindBase64:
		return base64.StdEncoding.EncodeToString(r.bytes(18))
	case kindBinary:
		return f.Lexify("????????????????")
	case kindPassword:
		return f.Password(true, true, true, true, false, 16)
	case kindUsername:
		return strings.ToLower(f.FirstName()) + strconv.Itoa(f.IntN(1000))
	case kindPersonName:
		return f.FirstName() + " " + f.LastName()
	case kindFirstName:
		return f.FirstName()
	case kindLastName:
		return f.LastName()
	case kindPhone:
		return "+1" + f.Numerify("##########")
	case kindSlug:
		return slugify(f.AdjectiveDescriptive() + "-" + f.NounCommon())
	case kindToken:
		return base64.RawURLEncoding.EncodeToString(r.bytes(32))
	case kindJWT:
		return r.jwt()
	case kindCode:
		return f.Numerify("######")
	case kindCountry:
		return f.CountryAbr()
	case kindLocale:
		return locales[f.IntN(len(locales))]
	case kindLanguage:
		return f.LanguageAbbreviation()
	case kindTimeZone:
		return f.TimeZoneRegion()
	case kindUserAgent:
		return f.UserAgent()
	case kindSentence:
		return f.Sentence()
	case kindTitle:
		return capitalize(f.AdjectiveDescriptive()) + " " + f.NounCommon()
	case kindColor:
		return strings.ToLower(f.HexColor())
	case kindCity:
		return f.City()
	case kindCompany:
		return f.Company()
	case kindCurrency:
		return f.CurrencyShort()
	case kindVersion:
		return strconv.Itoa(1+f.IntN(3)) + "." + strconv.Itoa(f.IntN(20)) + "." + strconv.Itoa(f.IntN(10))
	case kindRole:
		return roles[f.IntN(len(roles))]
	case kindStatus:
		return statuses[f.IntN(len(statuses))]
	case kindProvider:
		return providers[f.IntN(len(providers))]
	case kindEventType:
		return slugify(f.NounCommon()) + "." + eventVerbs[f.IntN(len(eventVerbs))]
	case kindPermission:
		return slugify(f.NounCommon()) + "s:" + permissionVerbs[f.IntN(len(permissionVerbs))]
	case kindHTML:
		return "<p>" + html.EscapeString(f.Sentence()) + "</p>"
	case kindStreet:
		return f.Street() + ", " + f.City()
	case kindType:
		return slugify(f.NounCommon())
	case kindTokenType:
		return "Bearer"
	case kindMIME:
		return mimeTypes[f.IntN(len(mimeTypes))]
	}
	return ""
}

func (r *run) domain() string {
	return slugify(r.f.NounCommon()) + ".example.com"
}

func (r *run) bytes(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.f.Uint64()
		for j := i; j < n && j < i+8; j++ {
			b[j] = byte(v)
			v >>= 8
		}
	}
	return b
}

// jwt makes a string shaped like a signed JWT (three base64url parts whose
// first two decode to JSON), for fields that real clients may split.
func (r *run) jwt() string {
	enc := base64.RawURLEncoding
	iat := timeAnchor.Unix() - r.int64n(86400)
	header := `{"alg":"RS256","typ":"JWT","kid":"` + enc.EncodeToString(r.bytes(8)) + `"}`
	payload := `{"sub":"` + r.f.UUID() + `","iat":` + strconv.FormatInt(iat, 10) + `,"exp":` + strconv.FormatInt(iat+3600, 10) + `}`
	return enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload)) + "." + enc.EncodeToString(r.bytes(64))
}

// plainString is the fallback: lower-case words, sized to the bounds.
func (r *run) plainString(minLen, maxLen int) string {
	w := strings.ToLower(r.f.AdjectiveDescriptive() + " " + r.f.NounCommon())
	if maxLen >= 0 && maxLen < 8 {
		w = strings.ToLower(r.f.NounCommon())
	}
	return w
}

// fitLength pads with letters or cuts a string to the bounds (counted in
// UTF-16 units, as JSON Schema counts).
func (r *run) fitLength(s string, minLen, maxLen int) string {
	n := utf16Len(s)
	if maxLen >= 0 && n > maxLen {
		var b strings.Builder
		used := 0
		for _, c := range s {
			w := utf16.RuneLen(c)
			if w < 1 {
				w = 1
			}
			if used+w > maxLen {
				break
			}
			b.WriteRune(c)
			used += w
		}
		s = strings.TrimRight(b.String(), " ")
		n = utf16Len(s)
	}
	if n < minLen {
		var b strings.Builder
		b.Grow(len(s) + minLen - n)
		b.WriteString(s)
		for i := n; i < minLen; i++ {
			b.WriteByte(byte('a' + r.f.IntN(26)))
		}
		return b.String()
	}
	return s
}

func utf16Len(s string) int {
	n := 0
	for _, c := range s {
		if c >= 0x10000 && c <= utf8.MaxRune {
			n += 2
		} else {
			n++
		}
	}
	return n
}

func slugify(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	dash := false
	for _, c := range strings.ToLower(s) {
		switch {
		case (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'):
			b.WriteRune(c)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	out := strings.TrimRight(b.String(), "-")
	if out == "" {
		return "item"
	}
	return out
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
