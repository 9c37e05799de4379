package fakedata

import "strings"

// kind is what a leaf value stands for, read from its format or, when the
// format says nothing, from its property name.
type kind uint8

const (
	kindNone kind = iota
	// strings
	kindEmail
	kindMaskedEmail
	kindUUID
	kindDateTime        // recent: the last 30 days
	kindCreatedDateTime // older: when records came to be
	kindFutureDateTime
	kindDate
	kindTime
	kindURL
	kindAvatarURL
	kindHostname
	kindIPv4
	kindIPv6
	kindBase64
	kindBinary
	kindPassword
	kindUsername
	kindPersonName
	kindFirstName
	kindLastName
	kindPhone
	kindSlug
	kindToken
	kindJWT
	kindCode
	kindCountry
	kindLocale
	kindLanguage
	kindTimeZone
	kindUserAgent
	kindSentence
	kindTitle
	kindColor
	kindCity
	kindCompany
	kindCurrency
	kindVersion
	kindRole
	kindStatus
	kindProvider
	kindEventType
	kindPermission
	kindHTML
	kindStreet
	kindType
	kindTokenType
	kindMIME
	// numbers
	kindCount
	kindPort
	kindSeconds
	kindMillis
	kindUnixTime
	kindSmallInt
	kindPercent
	kindHTTPStatus
	kindDay    // of the month, 1-31
	kindMonth  // 1-12
	kindYear   // a calendar year
	kindHour   // 0-23
	kindMinute // 0-59, also seconds of a minute
	kindAmount // money in minor units (cents)
	// only used to pick a type for schemas that declare none
	kindFlag
	kindObject
)

type hint struct{ kind kind }

// varies reports whether values of this kind identify a record or a moment,
// so that copying the schema's example into every list item would make the
// mock's data look wrong (every user with the same id and email).
func (h hint) varies() bool {
	switch h.kind {
	case kindUUID, kindEmail, kindDateTime, kindCreatedDateTime, kindFutureDateTime, kindDate, kindToken, kindJWT:
		return true
	}
	return false
}

var formatKinds = map[string]kind{
	"email":         kindEmail,
	"idn-email":     kindEmail,
	"uuid":          kindUUID,
	"date-time":     kindDateTime,
	"date":          kindDate,
	"time":          kindTime,
	"uri":           kindURL,
	"url":           kindURL,
	"iri":           kindURL,
	"uri-reference": kindURL,
	"iri-reference": kindURL,
	"hostname":      kindHostname,
	"idn-hostname":  kindHostname,
	"ipv4":          kindIPv4,
	"ipv6":          kindIPv6,
	"byte":          kindBase64,
	"binary":        kindBinary,
	"password":      kindPassword,
}

// exactNames maps whole (normalised) property names to kinds.
var exactNames = map[string]kind{
	"email": kindEmail, "email_address": kindEmail, "mail": kindEmail,
	"username": kindUsername, "login": kindUsername, "user_name": kindUsername, "handle": kindUsername,
	"name": kindPersonName, "display_name": kindPersonName, "full_name": kindPersonName, "owner_name": kindPersonName,
	"from_name": kindPersonName, "sender_name": kindPersonName, "contact_name": kindPersonName,
	"brand_name": kindCompany, "company_name": kindCompany, "org_name": kindCompany, "organization_name": kindCompany,
	"role_name": kindRole, "local_part": kindUsername,
	"from_address": kindEmail, "to_address": kindEmail, "reply_to": kindEmail, "sender": kindEmail,
	"default_sender": kindEmail, "recipient": kindEmail,
	"street": kindStreet, "street_address": kindStreet, "footer_address": kindStreet, "postal_address": kindStreet,
	"billing_address": kindStreet, "mailing_address": kindStreet,
	"status": kindStatus, "state_name": kindStatus,
	"provider": kindProvider, "idp": kindProvider,
	"event_type": kindEventType, "event": kindEventType, "event_name": kindEventType,
	"permission": kindPermission, "permission_key": kindPermission, "scope": kindPermission,
	"html": kindHTML, "body_html": kindHTML, "footer_html": kindHTML,
	"token_type": kindTokenType, "content_type": kindMIME, "mime_type": kindMIME, "media_type": kindMIME,
	"sort_by": kindType, "order_by": kindType, "group_by": kindType,
	"type": kindType, "kind": kindType, "resource_type": kindType, "category": kindType,
	"error": kindSentence, "last_error": kindSentence,
	"key": kindSlug, "name_key": kindSlug,
	"created_at": kindCreatedDateTime, "created": kindCreatedDateTime, "joined_at": kindCreatedDateTime,
	"registered_at": kindCreatedDateTime, "invited_at": kindCreatedDateTime, "enrolled_at": kindCreatedDateTime,
	"first_name": kindFirstName, "given_name": kindFirstName,
	"last_name": kindLastName, "family_name": kindLastName, "surname": kindLastName,
	"phone": kindPhone, "phone_number": kindPhone, "mobile": kindPhone,
	"slug": kindSlug,
	"url":  kindURL, "uri": kindURL, "website": kindURL, "homepage": kindURL, "href": kindURL, "link": kindURL,
	"endpoint": kindURL, "issuer": kindURL, "callback": kindURL,
	"avatar": kindAvatarURL, "avatar_url": kindAvatarURL, "picture": kindAvatarURL, "photo": kindAvatarURL,
	"logo_url": kindAvatarURL, "image_url": kindAvatarURL,
	"id": kindUUID, "uuid": kindUUID, "guid": kindUUID, "sub": kindUUID,
	"timestamp": kindDateTime, "date_time": kindDateTime, "datetime": kindDateTime,
	"date": kindDate, "birthday": kindDate, "birth_date": kindDate,
	"time":       kindTime,
	"expires_in": kindSeconds, "ttl": kindSeconds, "timeout": kindSeconds, "timeout_s": kindSeconds,
	"duration": kindSeconds, "max_age": kindSeconds,
	"latency": kindMillis,
	"exp":     kindUnixTime, "iat": kindUnixTime, "nbf": kindUnixTime, "auth_time": kindUnixTime,
	"port": kindPort, "status_code": kindHTTPStatus, "http_status": kindHTTPStatus,
	"count": kindCount, "total": kindCount, "size": kindCount,
	"page": kindSmallInt, "limit": kindSmallInt, "per_page": kindSmallInt, "page_size": kindSmallInt,
	"position": kindSmallInt, "index": kindSmallInt, "rank": kindSmallInt, "priority": kindSmallInt,
	"weight": kindSmallInt, "digits": kindSmallInt, "period": kindSmallInt, "attempts": kindSmallInt,
	"percent": kindPercent, "percentage": kindPercent, "score": kindPercent, "progress": kindPercent,
	"day": kindDay, "day_of_month": kindDay,
	"month": kindMonth, "birth_month": kindMonth,
	"year": kindYear, "yyyy": kindYear, "birth_year": kindYear,
	"hour": kindHour, "hours_of_day": kindHour, "minute": kindMinute, "second": kindMinute,
	"amount": kindAmount, "price": kindAmount, "balance": kindAmount, "cost": kindAmount,
	"fee": kindAmount, "subtotal": kindAmount, "total_amount": kindAmount, "unit_amount": kindAmount,
	"access_token": kindJWT, "id_token": kindJWT, "jwt": kindJWT,
	"token": kindToken, "secret": kindToken, "api_key": kindToken, "nonce": kindToken, "cursor": kindToken,
	"hash": kindToken, "sha256": kindToken, "signature": kindToken, "state": kindToken,
	"code": kindCode, "otp": kindCode, "verification_code": kindCode, "mfa_code": kindCode,
	"country": kindCountry, "country_code": kindCountry,
	"locale":   kindLocale,
	"language": kindLanguage, "lang": kindLanguage,
	"time_zone": kindTimeZone, "timezone": kindTimeZone, "tz": kindTimeZone,
	"ip": kindIPv4, "ip_address": kindIPv4, "ipv4": kindIPv4, "ipv6": kindIPv6,
	"user_agent":  kindUserAgent,
	"description": kindSentence, "message": kindSentence, "summary": kindSentence, "reason": kindSentence,
	"comment": kindSentence, "note": kindSentence, "notes": kindSentence, "details": kindSentence,
	"text": kindSentence, "body": kindSentence, "bio": kindSentence,
	"title": kindTitle, "subject": kindTitle, "label": kindTitle, "heading": kindTitle,
	"password": kindPassword,
	"host":     kindHostname, "hostname": kindHostname, "domain": kindHostname, "fqdn": kindHostname,
	"color": kindColor, "colour": kindColor,
	"city":    kindCity,
	"company": kindCompany, "organization": kindCompany, "organisation": kindCompany,
	"currency": kindCurrency,
	"version":  kindVersion,
	"role":     kindRole, "org_role": kindRole, "member_role": kindRole,
	"enabled": kindFlag, "active": kindFlag, "verified": kindFlag,
	"metadata": kindObject, "settings": kindObject, "config": kindObject, "extras": kindObject,
	"attributes": kindObject, "claims": kindObject,
}

// suffixNames maps name endings ("_email", "_at") to kinds, tried in order,
// so the more specific endings come first.
var suffixNames = []struct {
	suffix string
	kind   kind
}{
	{"_status_code", kindHTTPStatus},
	{"_access_token", kindJWT},
	{"_id_token", kindJWT},
	{"_token", kindToken},
	{"_secret", kindToken},
	{"_cursor", kindToken},
	{"_api_key", kindToken},
	{"_nonce", kindToken},
	{"_hash", kindToken},
	{"_email", kindEmail},
	{"_sender_address", kindEmail},
	{"_to_address", kindEmail},
	{"_from_address", kindEmail},
	{"_created_at", kindCreatedDateTime},
	{"_by", kindUUID},
	{"_public_key", kindBase64},
	{"_html", kindHTML},
	{"_text", kindSentence},
	{"_error", kindSentence},
	{"_status", kindStatus},
	{"_provider", kindProvider},
	{"_event_type", kindEventType},
	{"_permission", kindPermission},
	{"_type", kindType},
	{"_failures", kindCount},
	{"_brand_name", kindCompany},
	{"_company_name", kindCompany},
	{"_username", kindUsername},
	{"_display_name", kindPersonName},
	{"_full_name", kindPersonName},
	{"_first_name", kindFirstName},
	{"_last_name", kindLastName},
	{"_name", kindSlug},
	{"_phone", kindPhone},
	{"_phone_number", kindPhone},
	{"_slug", kindSlug},
	{"_avatar_url", kindAvatarURL},
	{"_logo_url", kindAvatarURL},
	{"_url", kindURL},
	{"_uri", kindURL},
	{"_endpoint", kindURL},
	{"_id", kindUUID},
	{"_uuid", kindUUID},
	{"_at", kindDateTime},
	{"_timestamp", kindDateTime},
	{"_date", kindDate},
	{"_seconds", kindSeconds},
	{"_in_seconds", kindSeconds},
	{"_minutes", kindSmallInt},
	{"_hours", kindSmallInt},
	{"_days", kindSmallInt},
	{"_ms", kindMillis},
	{"_millis", kindMillis},
	{"_port", kindPort},
	{"_count", kindCount},
	{"_total", kindCount},
	{"_number", kindSmallInt},
	{"_percent", kindPercent},
	{"_amount", kindAmount},
	{"_cents", kindAmount},
	{"_price", kindAmount},
	{"_year", kindYear},
	{"_month", kindMonth},
	{"_day", kindDay},
	{"_score", kindPercent},
	{"_code", kindCode},
	{"_country", kindCountry},
	{"_locale", kindLocale},
	{"_ip", kindIPv4},
	{"_user_agent", kindUserAgent},
	{"_description", kindSentence},
	{"_message", kindSentence},
	{"_reason", kindSentence},
	{"_title", kindTitle},
	{"_subject", kindTitle},
	{"_password", kindPassword},
	{"_host", kindHostname},
	{"_hostname", kindHostname},
	{"_domain", kindHostname},
	{"_color", kindColor},
	{"_role", kindRole},
	{"_enabled", kindFlag},
	{"_metadata", kindObject},
	{"_settings", kindObject},
}

var prefixNames = []struct {
	prefix string
	kind   kind
}{
	{"is_", kindFlag},
	{"has_", kindFlag},
	{"can_", kindFlag},
	{"num_", kindCount},
	{"max_", kindSmallInt},
	{"min_", kindSmallInt},
}

// hintFor reads a leaf's kind from its format, else its property name.
func hintFor(name, format string) hint {
	if k, ok := formatKinds[format]; ok {
		// The name may narrow the format: an expiry is a future
		// date-time, an avatar a particular URL.
		byName := hintFor(name, "").kind
		switch {
		case k == kindDateTime && (byName == kindFutureDateTime || byName == kindCreatedDateTime),
			k == kindURL && byName == kindAvatarURL:
			return hint{byName}
		}
		return hint{k}
	}
	if name == "" {
		return hint{}
	}
	n := normalizeName(name)
	if strings.Contains(n, "email") && strings.Contains(n, "mask") {
		return hint{kindMaskedEmail}
	}
	if k, ok := exactNames[n]; ok {
		return hint{k}
	}
	for _, s := range suffixNames {
		if strings.HasSuffix(n, s.suffix) {
			k := s.kind
			if k == kindDateTime && strings.Contains(n, "expire") {
				k = kindFutureDateTime
			}
			if k == kindCode && strings.HasPrefix(n, "country") {
				return hint{kindCountry}
			}
			return hint{k}
		}
	}
	for _, p := range prefixNames {
		if strings.HasPrefix(n, p.prefix) {
			return hint{p.kind}
		}
	}
	return hint{}
}

// normalizeName lower-cases and turns camelCase and dashes into snake_case,
// so "createdAt", "created-at" and "created_at" hint alike.
func normalizeName(name string) string {
	simple := true
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (c >= 'A' && c <= 'Z') || c == '-' || c == ' ' || c == '.' {
			simple = false
			break
		}
	}
	if simple {
		return name
	}
	var b strings.Builder
	b.Grow(len(name) + 4)
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'A' && c <= 'Z':
			if i > 0 && name[i-1] != '_' && !(name[i-1] >= 'A' && name[i-1] <= 'Z') {
				b.WriteByte('_')
			}
			b.WriteByte(c + ('a' - 'A'))
		case c == '-' || c == ' ' || c == '.':
			b.WriteByte('_')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
