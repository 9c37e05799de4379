package heimdall

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// MFA limits, from the operation descriptions.
const (
	challengeTTL      = 5 * time.Minute
	mfaCodeTTL        = 5 * time.Minute
	enrollCodeTTL     = 10 * time.Minute
	maxChallengeTries = 5
	maxChallengeSends = 3
	sendInterval      = 30 * time.Second
	stepUpLock        = 15 * time.Minute
	recoveryCodeCount = 10
	totpPeriod        = 30
	totpDigits        = 6
)

// factorRec is an MFA factor. A TOTP secret must be kept to check codes,
// so it is stored (and exported) as is; email codes are stored hashed.
type factorRec struct {
	Seq        int64      `json:"seq"`
	ID         string     `json:"id"`
	UserID     string     `json:"user_id"`
	Type       string     `json:"type"` // totp | email
	Label      *string    `json:"label"`
	Secret     string     `json:"totp_secret,omitempty"`
	ContactID  string     `json:"contact_id,omitempty"`
	Enabled    bool       `json:"enabled"`
	EnabledAt  *time.Time `json:"enabled_at"`
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	// The enrollment code of a pending email factor.
	PendingHash string    `json:"pending_code_hash,omitempty"`
	PendingExp  time.Time `json:"pending_code_expires_at,omitempty"`
	// LastStep is the TOTP step last accepted: a code is good once.
	LastStep int64 `json:"totp_last_step,omitempty"`
}

// acceptTOTP checks code against an enabled TOTP factor of the user and
// burns its step, so a code seen once cannot be replayed. Caller holds d.mu.
func (a *appRec) acceptTOTP(userID, code string, now time.Time) bool {
	for _, f := range a.enabledFactors(userID) {
		if f.Type != "totp" {
			continue
		}
		if step, ok := totpMatch(f.Secret, code, now); ok && step > f.LastStep {
			f.LastStep = step
			return true
		}
	}
	return false
}

// challengeRec is a sign-in waiting for its second factor.
type challengeRec struct {
	UserID    string
	ExpiresAt time.Time
	Tries     int
	Sends     int
	LastSend  time.Time
	CodeHash  string // the emailed code, when one was sent
	CodeType  string
	CodeExp   time.Time
	TenantID  string // the sign-in's tenant_id, entered once the challenge is met
}

// totpCode is RFC 6238's code for the given 30-second step.
func totpCode(secret string, step int64) (string, bool) {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(secret))
	if err != nil || len(key) == 0 {
		return "", false
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	n := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", n%1_000_000), true
}

// totpStep is the step the mock clock is in.
func totpStep(now time.Time) int64 { return now.Unix() / totpPeriod }

// totpMatch finds the step (now, or one either side for clock drift) whose
// code is code; ok is false when none is.
func totpMatch(secret, code string, now time.Time) (int64, bool) {
	cur := totpStep(now)
	for _, step := range []int64{cur, cur - 1, cur + 1} {
		if want, ok := totpCode(secret, step); ok && hmac.Equal([]byte(want), []byte(code)) {
			return step, true
		}
	}
	return 0, false
}

// maskEmail hides an address the way the API shows it: a***a@e***e.com.
func maskEmail(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return "***"
	}
	mask := func(s string) string {
		r := []rune(s)
		if len(r) <= 2 {
			return string(r[:1]) + "***"
		}
		return string(r[0]) + "***" + string(r[len(r)-1])
	}
	domain := addr[at+1:]
	dot := strings.LastIndexByte(domain, '.')
	if dot <= 0 {
		return mask(addr[:at]) + "@" + mask(domain)
	}
	return mask(addr[:at]) + "@" + mask(domain[:dot]) + domain[dot:]
}

func factorJSON(f *factorRec) map[string]any {
	return map[string]any{
		"id": f.ID, "type": f.Type, "label": f.Label, "enabled": f.Enabled,
		"enabled_at": tsPtr(f.EnabledAt), "created_at": ts(f.CreatedAt),
	}
}

// enabledFactors lists u's usable factors. Caller holds d.mu.
func (a *appRec) enabledFactors(userID string) []*factorRec {
	var out []*factorRec
	for _, f := range a.Factors {
		if f.UserID == userID && f.Enabled && f.DisabledAt == nil {
			out = append(out, f)
		}
	}
	return out
}

// factorEmail is the address an email factor delivers to.
func factorEmail(u *userRec, f *factorRec) string {
	if c := u.contact(f.ContactID); c != nil {
		return c.Value
	}
	return ""
}

// mfaChallenge answers a correct password of a user with enabled factors:
// no session yet, only a challenge to complete. Caller holds d.mu.
func (d *Domain) mfaChallenge(a *appRec, u *userRec, factors []*factorRec, tenantID string) *Reply {
	now := d.now()
	token := randomToken(32)
	// Challenges nobody completes would pile up: drop the expired ones.
	pruneExpired(a.challenges, func(c *challengeRec) time.Time { return c.ExpiresAt }, now)
	a.challenges[tokenHash(token)] = &challengeRec{UserID: u.ID, ExpiresAt: now.Add(challengeTTL), TenantID: tenantID}
	list := make([]map[string]any, 0, len(factors))
	for _, f := range factors {
		row := map[string]any{"id": f.ID, "type": f.Type, "label": f.Label}
		if f.Type == "email" {
			row["email_masked"] = maskEmail(factorEmail(u, f))
		}
		list = append(list, row)
	}
	d.audit(a, "user.mfa_challenged", u.ID, "end_user", u.ID, u.ID, nil)
	return replyJSON(statusOK, map[string]any{
		"mfa_required": true, "mfa_token": token, "expires_at": ts(now.Add(challengeTTL)), "factors": list,
	})
}

// challenge finds the live challenge of an mfa_token. Caller holds d.mu.
func (d *Domain) challenge(a *appRec, token string) (string, *challengeRec) {
	h := tokenHash(token)
	c := a.challenges[h]
	if c == nil {
		return h, nil
	}
	if !d.now().Before(c.ExpiresAt) || a.userByID[c.UserID] == nil {
		delete(a.challenges, h)
		return h, nil
	}
	return h, c
}

// tooManyRequests is a 429 whose Retry-After header says, in whole seconds
// of the mock clock (at least 1), when the refused call may succeed: the
// spec names no retry field, and Retry-After is what HTTP clients read. A
// locked or used-up challenge answers until it expires, after which only a
// new sign-in helps.
func tooManyRequests(code, msg string, now, until time.Time) *Reply {
	e := failCode(statusTooManyRequests, code, msg)
	e.RetryAfter = max(1, int64((until.Sub(now)+time.Second-1)/time.Second))
	return refuse(e)
}

var badChallenge = refuse(failCode(statusUnauthorized, "mfa_token_invalid", "MFA challenge invalid or expired"))

// finishChallenge starts the session a completed challenge was for.
// Caller holds d.mu.
func (d *Domain) finishChallenge(r *Call, a *appRec, hash string, c *challengeRec, method string) issued {
	delete(a.challenges, hash)
	u := a.userByID[c.UserID]
	u.FailedLogins, u.LockedUntil = 0, nil
	is := d.startSession(r, a, u, []string{"pwd", method})
	now := d.now()
	s := a.sessionByID[is.claims["sid"].(string)]
	s.MFAAt = &now
	is.claims["mfa_at"] = now.Unix()
	a.enterTenant(u, a.tenant(c.TenantID), is.claims)
	d.audit(a, "user.signin", u.ID, "end_user", u.ID, u.ID, map[string]any{"mfa": method})
	return is
}

func (d *Domain) mfaVerify(r *Call) *Reply {
	var in struct {
		MFAToken string `json:"mfa_token"`
		Code     string `json:"code"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	code := strings.TrimSpace(in.Code)
	return d.answerChallenge(r, in.MFAToken, "mfa_code_invalid", "Invalid code", func(a *appRec, c *challengeRec, now time.Time) string {
		if c.CodeHash != "" && now.Before(c.CodeExp) && hmac.Equal([]byte(c.CodeHash), []byte(tokenHash(code))) {
			return c.CodeType
		}
		if a.acceptTOTP(c.UserID, code, now) {
			return "totp"
		}
		return ""
	})
}

// answerChallenge is what /auth/mfa/verify and /auth/mfa/recover share:
// find the live challenge of token, refuse a locked one, and either count
// a wrong answer (401 wrongCode) or complete the sign-in. check returns
// the amr method the answer proves, "" for a wrong one; it runs under
// d.mu. The session's token is signed after the lock is let go.
func (d *Domain) answerChallenge(r *Call, token, wrongCode, wrongMsg string, check func(a *appRec, c *challengeRec, now time.Time) string) *Reply {
	var is issued
	if resp := update(d, func() *Reply {
		a, denied := d.consumerApp(r.Param(0))
		if denied != nil {
			return refuse(denied)
		}
		h, c := d.challenge(a, token)
		if c == nil {
			return badChallenge
		}
		now := d.now()
		if c.Tries >= maxChallengeTries {
			return tooManyRequests("mfa_locked", "Too many wrong codes; sign in again", now, c.ExpiresAt)
		}
		method := check(a, c, now)
		if method == "" {
			c.Tries++
			return refuse(failCode(statusUnauthorized, wrongCode, wrongMsg))
		}
		is = d.finishChallenge(r, a, h, c, method)
		return nil
	}); resp != nil {
		return resp
	}
	return tokenResponse(is)
}

// normalizeRecovery accepts recovery codes with or without hyphens, in
// any case.
func normalizeRecovery(code string) string {
	return strings.ToLower(strings.ReplaceAll(strings.TrimSpace(code), "-", ""))
}

func (d *Domain) mfaRecover(r *Call) *Reply {
	var in struct {
		MFAToken     string `json:"mfa_token"`
		RecoveryCode string `json:"recovery_code"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	return d.answerChallenge(r, in.MFAToken, "recovery_code_invalid", "Invalid recovery code", func(a *appRec, c *challengeRec, _ time.Time) string {
		u := a.userByID[c.UserID]
		i := slices.Index(u.RecoveryHashes, tokenHash("recovery", u.ID, normalizeRecovery(in.RecoveryCode)))
		if i < 0 {
			return ""
		}
		u.RecoveryHashes = slices.Delete(u.RecoveryHashes, i, i+1) // one use each
		return "recovery_code"
	})
}

// sendOTP mails a six-digit code to addr (outbox kind otp) and returns the
// code's hash. Caller holds d.mu.
func (d *Domain) sendOTP(a *appRec, addr string, ttl time.Duration) (string, time.Time) {
	now := d.now()
	code := sixDigits()
	d.st.Outbox = appendCapped(d.st.Outbox, &outboxRec{
		ID: newID(), Kind: "otp", To: addr, Token: code, Code: code, AppSlug: a.Slug, CreatedAt: now,
	}, d.limits.Outbox)
	return tokenHash(code), now.Add(ttl)
}

func (d *Domain) mfaSendCode(r *Call) *Reply {
	var in struct {
		MFAToken string `json:"mfa_token"`
		FactorID string `json:"factor_id"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	return update(d, func() *Reply {
		a, denied := d.consumerApp(r.Param(0))
		if denied != nil {
			return refuse(denied)
		}
		_, c := d.challenge(a, in.MFAToken)
		if c == nil {
			return badChallenge
		}
		f := a.factorByID[in.FactorID]
		if f == nil || f.UserID != c.UserID || f.Type != "email" || !f.Enabled || f.DisabledAt != nil {
			return badRequest("factor_id must name an enabled email factor on the challenge")
		}
		now := d.now()
		var throttled *Reply
		switch {
		case c.Sends >= maxChallengeSends:
			throttled = tooManyRequests("mfa_send_throttled", "Too many codes sent; sign in again", now, c.ExpiresAt)
		case now.Sub(c.LastSend) < sendInterval:
			throttled = tooManyRequests("mfa_send_throttled", "Too many codes sent; wait before asking again", now, c.LastSend.Add(sendInterval))
		}
		sent, resp := d.mailFactorCode(a, a.userByID[c.UserID], f, throttled)
		if sent == nil {
			return resp
		}
		c.CodeHash, c.CodeExp = sent.hash, sent.expires
		c.CodeType, c.Sends, c.LastSend = "email", c.Sends+1, now
		return resp
	})
}

// sentCode is the code mailFactorCode mailed: its hash and end.
type sentCode struct {
	hash    string
	expires time.Time
}

// mailFactorCode is what the sign-in and step-up send-code calls share
// once the factor is chosen: the app's mail setup (412) comes first, then
// the caller's throttle answer (nil when not throttled), then the factor's
// address (410 when its contact is gone), then the per-address throttle
// the spec says both paths share (30 s between codes to one address). On
// success it mails the code and returns it with the 200 answer. Caller
// holds d.mu.
func (d *Domain) mailFactorCode(a *appRec, u *userRec, f *factorRec, throttled *Reply) (*sentCode, *Reply) {
	if resp := mailPrecondition(a, a.Notify.MFATemplate); resp != nil {
		return nil, refuse(resp)
	}
	if throttled != nil {
		return nil, throttled
	}
	addr := factorEmail(u, f)
	if addr == "" {
		return nil, refuse(failCode(statusGone, "contact_gone", "The factor's email contact no longer exists"))
	}
	now, key := d.now(), strings.ToLower(addr)
	if last, ok := a.otpSentAt[key]; ok && now.Sub(last) < sendInterval {
		return nil, tooManyRequests("mfa_send_throttled", "A code was mailed to this address moments ago; wait before asking again", now, last.Add(sendInterval))
	}
	for k, at := range a.otpSentAt { // only the last 30 s matter
		if now.Sub(at) >= sendInterval {
			delete(a.otpSentAt, k)
		}
	}
	a.otpSentAt[key] = now
	hash, exp := d.sendOTP(a, addr, mfaCodeTTL)
	return &sentCode{hash, exp}, replyJSON(statusOK, map[string]any{"email_masked": maskEmail(addr), "code_expires_at": ts(exp)})
}

func (d *Domain) listFactors(_ *Call, a *appRec, p *principal) *Reply {
	return factorList(a, p.user)
}

// factorList answers the factors of u not disabled, pending ones included.
func factorList(a *appRec, u *userRec) *Reply {
	data := make([]map[string]any, 0)
	for _, f := range a.Factors {
		if f.UserID == u.ID && f.DisabledAt == nil {
			data = append(data, factorJSON(f))
		}
	}
	return replyJSON(statusOK, map[string]any{"data": data})
}

// factorDTO is the body that enrols a factor, by its user or an admin.
type factorDTO struct {
	Type      string `json:"type"`
	Label     string `json:"label"`
	ContactID string `json:"contact_id"`
}

func (d *Domain) startEnrollment(r *Call, a *appRec, p *principal) *Reply {
	var in factorDTO
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	u := p.user
	now := d.now()
	f := &factorRec{Seq: d.st.nextSeq(), ID: newID(), UserID: u.ID, Type: in.Type, Label: strPtrOrNil(in.Label), CreatedAt: now}
	var enrollment map[string]any
	switch in.Type {
	case "totp":
		f.Secret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte(randomHex(10)))
		label := url.PathEscape(a.Slug + ":" + u.Username)
		uri := fmt.Sprintf("otpauth://totp/%s?secret=%s&issuer=%s&algorithm=SHA1&digits=%d&period=%d",
			label, f.Secret, url.QueryEscape(a.DisplayName), totpDigits, totpPeriod)
		enrollment = map[string]any{
			"secret": f.Secret, "otpauth_uri": uri, "algorithm": "SHA1", "digits": totpDigits, "period": totpPeriod,
			// No QR rendering in the mock: the data URL carries the URI as text.
			"qr_data_url": "data:text/plain;base64," + base64.StdEncoding.EncodeToString([]byte(uri)),
		}
	case "email":
		c := u.primary("email")
		if in.ContactID != "" {
			c = u.contact(in.ContactID)
		}
		if c == nil || c.Type != "email" || c.VerifiedAt == nil {
			return badRequest("an email factor needs a verified email contact")
		}
		if resp := mailPrecondition(a, a.Notify.MFATemplate); resp != nil {
			return refuse(resp)
		}
		f.ContactID = c.ID
		f.PendingHash, f.PendingExp = d.sendOTP(a, c.Value, enrollCodeTTL)
		enrollment = map[string]any{"email_masked": maskEmail(c.Value), "code_expires_at": ts(f.PendingExp)}
	default:
		return badRequest("type must be one of the following values: totp, email")
	}
	a.Factors = append(a.Factors, f)
	a.factorByID[f.ID] = f
	d.audit(a, "mfa.enrollment_started", u.ID, "mfa_factor", f.ID, u.ID, map[string]any{"type": f.Type})
	return replyJSON(statusCreated, map[string]any{"factor": factorJSON(f), "enrollment": enrollment})
}

// newRecoveryCodes replaces u's recovery codes and returns the plaintext
// ones, shown once. Caller holds d.mu.
func newRecoveryCodes(u *userRec) []string {
	codes := make([]string, recoveryCodeCount)
	u.RecoveryHashes = make([]string, recoveryCodeCount)
	for i := range codes {
		raw := randomHex(8)
		codes[i] = raw[:4] + "-" + raw[4:8] + "-" + raw[8:12] + "-" + raw[12:]
		u.RecoveryHashes[i] = tokenHash("recovery", u.ID, raw)
	}
	return codes
}

func (d *Domain) confirmEnrollment(r *Call, a *appRec, p *principal) *Reply {
	var in struct {
		Code  string   `json:"code"`
		Codes []string `json:"codes"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	f := a.factorByID[r.Param(1)]
	if f == nil || f.UserID != p.user.ID || f.DisabledAt != nil {
		return refuse(fail(statusNotFound, "Factor not found"))
	}
	if f.Enabled {
		return badRequest("factor is already enabled")
	}
	now := d.now()
	switch f.Type {
	case "totp":
		// Two codes from consecutive windows prove the authenticator's
		// clock and the secret both match.
		if len(in.Codes) != 2 {
			return badRequest("codes must hold two consecutive TOTP codes")
		}
		cur := totpStep(now)
		ok := false
		for step := cur - 2; step <= cur && !ok; step++ {
			c1, _ := totpCode(f.Secret, step)
			c2, _ := totpCode(f.Secret, step+1)
			ok = hmac.Equal([]byte(c1), []byte(strings.TrimSpace(in.Codes[0]))) && hmac.Equal([]byte(c2), []byte(strings.TrimSpace(in.Codes[1])))
		}
		if !ok {
			return badRequest("codes do not match two consecutive windows")
		}
		f.LastStep = cur // codes shown during enrollment are spent
	case "email":
		if f.PendingHash == "" || !now.Before(f.PendingExp) || !hmac.Equal([]byte(f.PendingHash), []byte(tokenHash(strings.TrimSpace(in.Code)))) {
			return badRequest("code is invalid or expired")
		}
		f.PendingHash = ""
	}
	f.Enabled, f.EnabledAt = true, &now
	codes := newRecoveryCodes(p.user)
	d.audit(a, "mfa.factor_enabled", p.user.ID, "mfa_factor", f.ID, p.user.ID, map[string]any{"type": f.Type})
	return replyJSON(statusOK, map[string]any{"factor": factorJSON(f), "recovery_codes": codes})
}

func (d *Domain) disableFactor(r *Call, a *appRec, p *principal) *Reply {
	f := a.factorByID[r.Param(1)]
	if f == nil || f.UserID != p.user.ID || f.DisabledAt != nil {
		return refuse(fail(statusNotFound, "Factor not found"))
	}
	now := d.now()
	f.DisabledAt, f.Enabled = &now, false
	d.audit(a, "mfa.factor_disabled", p.user.ID, "mfa_factor", f.ID, p.user.ID, nil)
	return noContent(statusNoContent)
}

func (d *Domain) regenerateRecovery(_ *Call, a *appRec, p *principal) *Reply {
	codes := newRecoveryCodes(p.user)
	d.audit(a, "mfa.recovery_codes_regenerated", p.user.ID, "end_user", p.user.ID, p.user.ID, nil)
	return replyJSON(statusOK, map[string]any{"recovery_codes": codes})
}

func (d *Domain) stepUp(r *Call, a *appRec, p *principal) *Reply {
	var in struct {
		Code string `json:"code"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	s, u, now := p.session, p.user, d.now()
	if s.StepUpLocked != nil && now.Before(*s.StepUpLocked) {
		return tooManyRequests("step_up_locked", "Step-up is locked on this session", now, *s.StepUpLocked)
	}
	code := strings.TrimSpace(in.Code)
	method := ""
	if s.StepUpCodeHash != "" && now.Before(s.StepUpCodeExp) && hmac.Equal([]byte(s.StepUpCodeHash), []byte(tokenHash(code))) {
		method, s.StepUpCodeHash = "email", ""
	}
	if method == "" && a.acceptTOTP(u.ID, code, now) {
		method = "totp"
	}
	if method == "" {
		if i := slices.Index(u.RecoveryHashes, tokenHash("recovery", u.ID, normalizeRecovery(code))); i >= 0 {
			u.RecoveryHashes = slices.Delete(u.RecoveryHashes, i, i+1)
			method = "recovery_code"
		}
	}
	if method == "" {
		s.StepUpFailures++
		if s.StepUpFailures >= maxChallengeTries {
			until := now.Add(stepUpLock)
			s.StepUpLocked, s.StepUpFailures = &until, 0
		}
		return refuse(failCode(statusUnauthorized, "mfa_code_invalid", "Invalid code"))
	}
	s.StepUpFailures, s.StepUpLocked, s.MFAAt = 0, nil, &now
	if !slices.Contains(s.AMR, method) {
		s.AMR = append(s.AMR, method)
	}
	d.audit(a, "mfa.step_up", u.ID, "session", s.ID, u.ID, map[string]any{"method": method})
	return replyJSON(statusOK, map[string]any{"amr": s.AMR, "mfa_at": ts(now)})
}

func (d *Domain) stepUpSendCode(r *Call, a *appRec, p *principal) *Reply {
	var in struct {
		FactorID string `json:"factor_id"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	s, u, now := p.session, p.user, d.now()
	if s.StepUpLocked != nil && now.Before(*s.StepUpLocked) {
		return tooManyRequests("step_up_locked", "Step-up is locked on this session", now, *s.StepUpLocked)
	}
	var f *factorRec
	for _, x := range a.enabledFactors(u.ID) {
		if x.Type == "email" && (in.FactorID == "" || x.ID == in.FactorID) {
			f = x
			break
		}
	}
	if f == nil {
		return badRequest("no enabled email factor matches")
	}
	var throttled *Reply
	if now.Sub(s.StepUpSentAt) < sendInterval {
		throttled = tooManyRequests("mfa_send_throttled", "Wait before asking for another code", now, s.StepUpSentAt.Add(sendInterval))
	}
	sent, resp := d.mailFactorCode(a, u, f, throttled)
	if sent == nil {
		return resp
	}
	s.StepUpCodeHash, s.StepUpCodeExp = sent.hash, sent.expires
	s.StepUpSentAt = now
	return resp
}
