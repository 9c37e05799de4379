package heimdall

import (
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// newID returns a random RFC 4122 version 4 uuid, the id format the real
// service uses for every row.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// randomToken returns n random bytes, base64url without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// sixDigits is a one-time code as mailed to users.
func sixDigits() string {
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000))
	return fmt.Sprintf("%06d", n.Int64())
}

// tokenHash is how refresh tokens, API keys and codes are stored: they are
// long random values (or, for codes, salted with the app and kind), so one
// SHA-256 is enough; only passwords need a slow hash.
func tokenHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Password hashing: PBKDF2-HMAC-SHA256, 16-byte salt, passwordIterations
// rounds. Why one: see the package doc. The count is stored in every hash,
// so hashes made with another count (older snapshots used 1000) still check.
const passwordIterations = 1

func hashPassword(password string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key, err := pbkdf2.Key(sha256.New, password, salt, passwordIterations, 32)
	if err != nil { // only for absurd key lengths, never with these constants
		panic(err)
	}
	return "pbkdf2-sha256$" + strconv.Itoa(passwordIterations) + "$" +
		base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(key)
}

// dummyHash is compared against when the user does not exist, so an
// unknown identifier costs the same as a wrong password.
var dummyHash = hashPassword("no such user")

func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2-sha256" {
		return false
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 || iter > 1_000_000 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[2])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1
}

// passwordProblems lists the auth-config password rules p breaks.
func passwordProblems(cfg authConfig, p string) []string {
	var out []string
	if len([]rune(p)) < cfg.PasswordMinLength {
		out = append(out, fmt.Sprintf("password must be longer than or equal to %d characters", cfg.PasswordMinLength))
	}
	var digit, symbol, upper bool
	for _, r := range p {
		switch {
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsUpper(r):
			upper = true
		case !unicode.IsLetter(r) && !unicode.IsSpace(r):
			symbol = true
		}
	}
	if cfg.PasswordRequireNumber && !digit {
		out = append(out, "password must contain a number")
	}
	if cfg.PasswordRequireSymbol && !symbol {
		out = append(out, "password must contain a symbol")
	}
	if cfg.PasswordRequireUppercase && !upper {
		out = append(out, "password must contain an uppercase letter")
	}
	return out
}

// foldKey is how emails and usernames compare: Unicode NFC, then case
// folding, as the real service does, so "José" typed precomposed or with a
// combining accent, in any case, is one account.
func foldKey(s string) string {
	s = strings.TrimSpace(s)
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	// A Caser keeps state, so each call makes its own.
	return cases.Fold().String(norm.NFC.String(s))
}

// sameIdentity reports whether two emails or usernames are one.
func sameIdentity(a, b string) bool { return foldKey(a) == foldKey(b) }

// controlProblems names each field (name, value pairs) that holds a
// control character (NUL, escape, DEL, ...): such a value is a client's
// bug or an attack, never an address or a name.
func controlProblems(pairs ...string) []string {
	var out []string
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.IndexFunc(pairs[i+1], unicode.IsControl) >= 0 {
			out = append(out, pairs[i]+" must not contain control characters")
		}
	}
	return out
}

func validEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	return at > 0 && at < len(s)-1 && !strings.ContainsAny(s, " \t\r\n") && strings.Count(s, "@") == 1
}

func ptr[T any](v T) *T { return &v }

func strPtrOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ts formats a time the way the API does (RFC 3339 with milliseconds, UTC).
func ts(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

func tsPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ts(*t)
	return &s
}

// Timestamp and TimestampPtr are ts and tsPtr for the views of other
// packages (the inspector), which must write times as the API does.
func Timestamp(t time.Time) string { return ts(t) }

func TimestampPtr(t *time.Time) *string { return tsPtr(t) }

// page is one page of a cursor-paginated list.
type page struct {
	HasMore    bool    `json:"has_more"`
	NextCursor *string `json:"next_cursor"`
}

const (
	defaultLimit = 20
	maxLimit     = 100
)

var errBadCursor = errors.New("invalid cursor")

// parseLimit reads a limit query value: empty → default, capped at maxLimit.
func parseLimit(s string) (int, error) {
	if s == "" {
		return defaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, errors.New("limit must be a positive integer")
	}
	return min(n, maxLimit), nil
}

func encodeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("s:" + strconv.FormatInt(seq, 10)))
}

func decodeCursor(c string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(raw), "s:") {
		return 0, errBadCursor
	}
	n, err := strconv.ParseInt(string(raw[2:]), 10, 64)
	if err != nil {
		return 0, errBadCursor
	}
	return n, nil
}

// paginate walks items (sorted by seq, ascending) from the cursor, keeping
// those keep accepts, and stops after limit of them. desc walks newest
// first. The cursor is a position (a seq), so finding the start is a binary
// search, never a scan, and rows deleted between pages are simply skipped.
func paginate[T any](items []T, seqOf func(T) int64, cursor string, limit int, desc bool, keep func(T) bool) ([]T, page, error) {
	start := 0
	if desc {
		start = len(items) - 1
	}
	if cursor != "" {
		after, err := decodeCursor(cursor)
		if err != nil {
			return nil, page{}, err
		}
		if desc {
			start = sort.Search(len(items), func(i int) bool { return seqOf(items[i]) >= after }) - 1
		} else {
			start = sort.Search(len(items), func(i int) bool { return seqOf(items[i]) > after })
		}
	}
	out := make([]T, 0, min(limit, len(items)))
	var pg page
	step := 1
	if desc {
		step = -1
	}
	for i := start; i >= 0 && i < len(items); i += step {
		it := items[i]
		if keep != nil && !keep(it) {
			continue
		}
		if len(out) == limit {
			pg.HasMore = true
			c := encodeCursor(seqOf(out[len(out)-1]))
			pg.NextCursor = &c
			break
		}
		out = append(out, it)
	}
	return out, pg, nil
}

// setIfGiven copies *v into *dst when a PATCH-like input gave v.
func setIfGiven[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// listPage answers one page of items as {data, pagination}: limit and
// cursor come from the query, keep (nil keeps all) filters, and view
// renders a row. Every list operation of the API shares this shape.
func listPage[T any](r *Call, items []T, seqOf func(T) int64, desc bool, keep func(T) bool, view func(T) map[string]any) *Reply {
	limit, err := parseLimit(r.Query("limit"))
	if err != nil {
		return badRequest(err.Error())
	}
	rows, pg, err := paginate(items, seqOf, r.Query("cursor"), limit, desc, keep)
	if err != nil {
		return badRequest(err.Error())
	}
	data := make([]map[string]any, 0, len(rows))
	for _, x := range rows {
		data = append(data, view(x))
	}
	return replyJSON(statusOK, map[string]any{"data": data, "pagination": pg})
}

// Seq readers, for paginate and removeBySeq.
func appSeq(a *appRec) int64       { return a.Seq }
func userSeq(u *userRec) int64     { return u.Seq }
func auditSeq(e *auditRec) int64   { return e.Seq }
func roleSeq(r *roleRec) int64     { return r.Seq }
func permSeq(p *permRec) int64     { return p.Seq }
func clientSeq(c *clientRec) int64 { return c.Seq }
func inviteSeq(i *inviteRec) int64 { return i.Seq }
func tenantSeq(t *tenantRec) int64 { return t.Seq }
func memberSeq(m *memberRec) int64 { return m.Seq }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// localPart is the part of an email before the @ (the whole string when
// there is none), the default username of invited and admin-made users.
func localPart(email string) string {
	if at := strings.IndexByte(email, '@'); at > 0 {
		return email[:at]
	}
	return email
}
