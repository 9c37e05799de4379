package heimdall

import (
	"net/url"
	"strings"
	"time"
)

// PAK permissions the code endpoints require.
const (
	permVerifyCreate = "auth.user.verify.create"
	permVerifySend   = "auth.user.verify.send-email"
	permResetCreate  = "auth.user.password-reset.create"
	permResetSend    = "auth.user.password-reset.send-email"
)

// codeTTL is how long a code of kind lives.
func codeTTL(kind string) time.Duration {
	if kind == kindPasswordReset {
		return passwordResetTTL
	}
	return verificationTTL
}

func codeHash(a *appRec, kind, code string) string { return tokenHash("code", a.ID, kind, code) }

// issueCode mints a code for u (and contact c, for verification), retiring
// the previous one, and mails it when mail is true. Caller holds d.mu.
func (d *Domain) issueCode(o Origin, a *appRec, kind string, u *userRec, c *contactRec, mail bool) (string, time.Time) {
	now := d.now()
	ttl := codeTTL(kind)
	var code, hash string
	for { // six digits collide; a live code must be unique within the app
		code = sixDigits()
		hash = codeHash(a, kind, code)
		if old := a.codeByHash[hash]; old == nil || !now.Before(old.ExpiresAt) {
			break
		}
	}
	rec := &codeRec{Hash: hash, Kind: kind, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if c != nil && kind == kindVerification {
		rec.ContactID = c.ID
	}
	a.addCode(rec)
	d.audit(a, kind+".code_issued", "", "end_user", u.ID, u.ID, map[string]any{"mailed": mail})
	if mail && c != nil {
		d.st.Outbox = appendCapped(d.st.Outbox, &outboxRec{
			ID: newID(), Kind: kind, To: c.Value, Token: code, Code: code,
			Link: d.codeLink(o, a, kind, code), AppSlug: a.Slug, CreatedAt: now,
		}, d.limits.Outbox)
	}
	return code, rec.ExpiresAt
}

// codeLink is the link a mail carries: the app's web origin when set,
// else a page of the mock that applies the code.
func (d *Domain) codeLink(o Origin, a *appRec, kind, code string) string {
	action := "verify"
	if kind == kindPasswordReset {
		action = "reset-password"
	}
	if a.Notify.WebOrigin != nil && *a.Notify.WebOrigin != "" {
		return strings.TrimRight(*a.Notify.WebOrigin, "/") + "/" + action + "?code=" + url.QueryEscape(code)
	}
	return mailLink(d.baseURL(o), a.Slug, action, code)
}

// noMatch is the answer when no contact matches: {}, as the operations'
// descriptions say (the same answer for every miss, so callers cannot
// enumerate contacts). Their schemas require the fields of a hit; the
// router lets the prose win and the spec warnings name the defect.
func noMatch() *Reply { return replyJSON(statusCreated, map[string]any{}) }

type contactDTO struct {
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// exactlyOne reads {email} or {phone}: the contact type and value.
func exactlyOne(r *Call) (string, string, *Reply) {
	var in contactDTO
	if err := r.Decode(&in); err != nil {
		return "", "", badRequest(err.Error())
	}
	in.Email, in.Phone = strings.TrimSpace(in.Email), strings.TrimSpace(in.Phone)
	if p := controlProblems("email", in.Email, "phone", in.Phone); p != nil {
		return "", "", badRequest(p...)
	}
	switch {
	case (in.Email == "") == (in.Phone == ""):
		return "", "", badRequest("Provide exactly one of email or phone")
	case in.Email != "":
		return "email", in.Email, nil
	default:
		return "phone", in.Phone, nil
	}
}

// lookupContact finds the user and contact with this value. Caller holds d.mu.
func lookupContact(a *appRec, kind, value string) (*userRec, *contactRec) {
	u := a.byContact[contactKey(kind, value)]
	if u == nil {
		return nil, nil
	}
	for _, c := range u.Contacts {
		if contactKey(c.Type, c.Value) == contactKey(kind, value) {
			return u, c
		}
	}
	return nil, nil
}

// mailPrecondition is the 412 the send-* calls answer when the app's mail
// setup is incomplete. Caller holds d.mu.
func mailPrecondition(a *appRec, template *string) *Error {
	switch {
	case !a.Notify.Enabled:
		return failCode(statusPreconditionFailed, "ENVOI_NOT_ENABLED", "Mail notifications are not enabled for this app")
	case a.Notify.Sender == nil || *a.Notify.Sender == "":
		return failCode(statusPreconditionFailed, "ENVOI_SENDER_NOT_CONFIGURED", "No sender address configured")
	case template == nil || *template == "":
		return failCode(statusPreconditionFailed, "ENVOI_TEMPLATE_NOT_CONFIGURED", "No mail template configured")
	}
	return nil
}

// codeSlot is all that tells the verification and the password-reset code
// flows apart; minting and mailing a code are otherwise the same calls.
type codeSlot struct {
	kind     string
	mintPerm string // PAK permission of request-*
	sendPerm string // PAK permission of send-*-email
	template func(*appRec) *string
	// verified is the state a contact must be in to get a code: reset
	// codes go to verified contacts, verification codes to the others.
	verified bool
}

var (
	verificationSlot = codeSlot{
		kind: kindVerification, mintPerm: permVerifyCreate, sendPerm: permVerifySend,
		template: func(a *appRec) *string { return a.Notify.VerificationTemplate },
	}
	resetSlot = codeSlot{
		kind: kindPasswordReset, mintPerm: permResetCreate, sendPerm: permResetSend,
		template: func(a *appRec) *string { return a.Notify.PasswordResetTemplate }, verified: true,
	}
)

// serves reports whether a code of this slot may go to c.
func (s codeSlot) serves(c *contactRec) bool { return (c.VerifiedAt != nil) == s.verified }

// mintCode answers request-verification and request-password-reset: the
// code comes back to the PAK holder, who delivers it.
func (d *Domain) mintCode(slot codeSlot) Handler {
	return func(r *Call) *Reply {
		kind, value, resp := exactlyOne(r)
		if resp != nil {
			return resp
		}
		return update(d, func() *Reply {
			a, denied := d.consumerApp(r.Param(0))
			if denied != nil {
				return refuse(denied)
			}
			if _, denied := d.pakFor(r, a, slot.mintPerm); denied != nil {
				return refuse(denied)
			}
			u, c := lookupContact(a, kind, value)
			if u == nil || !slot.serves(c) {
				return noMatch()
			}
			code, exp := d.issueCode(r.Origin, a, slot.kind, u, c, false)
			return replyJSON(statusCreated, map[string]any{"code": code, "expires_at": ts(exp)})
		})
	}
}

type emailDTO struct {
	Email string `json:"email"`
}

// mailCode answers send-verification-email and send-password-reset-email:
// the code goes to the outbox, never back to the caller.
func (d *Domain) mailCode(slot codeSlot) Handler {
	return func(r *Call) *Reply {
		var in emailDTO
		if err := r.Decode(&in); err != nil {
			return badRequest(err.Error())
		}
		email := strings.TrimSpace(in.Email)
		if p := controlProblems("email", email); p != nil {
			return badRequest(p...)
		}
		if !validEmail(email) {
			return badRequest("email must be an email")
		}
		return update(d, func() *Reply {
			a, denied := d.consumerApp(r.Param(0))
			if denied != nil {
				return refuse(denied)
			}
			if _, denied := d.pakFor(r, a, slot.sendPerm); denied != nil {
				return refuse(denied)
			}
			if resp := mailPrecondition(a, slot.template(a)); resp != nil {
				return refuse(resp)
			}
			u, c := lookupContact(a, "email", email)
			if u == nil || !slot.serves(c) {
				return noMatch()
			}
			_, exp := d.issueCode(r.Origin, a, slot.kind, u, c, true)
			return replyJSON(statusCreated, map[string]any{"expires_at": ts(exp)})
		})
	}
}

type codeDTO struct {
	Code        string `json:"code"`
	NewPassword string `json:"new_password"`
}

// takeCode finds a live code of kind and consumes it. Caller holds d.mu.
func (d *Domain) takeCode(a *appRec, kind, code string) *codeRec {
	c := a.codeByHash[codeHash(a, kind, strings.TrimSpace(code))]
	if c == nil {
		return nil
	}
	a.dropCode(c)
	if !d.now().Before(c.ExpiresAt) {
		return nil
	}
	return c
}

var codeGone = refuse(failCode(statusGone, "code_invalid", "Code invalid, expired, or already used"))

func (d *Domain) consumeVerification(r *Call) *Reply {
	var in codeDTO
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if in.Code == "" {
		return badRequest("code should not be empty")
	}
	return update(d, func() *Reply {
		a, denied := d.consumerApp(r.Param(0))
		if denied != nil {
			return refuse(denied)
		}
		rec := d.takeCode(a, kindVerification, in.Code)
		if rec == nil {
			return codeGone
		}
		u := a.userByID[rec.UserID]
		var c *contactRec
		if u != nil {
			c = u.contact(rec.ContactID)
		}
		if c == nil {
			return codeGone
		}
		now := d.now()
		if c.VerifiedAt == nil {
			c.VerifiedAt = &now
		}
		d.audit(a, "contact.verified", u.ID, "contact", c.ID, u.ID, map[string]any{"type": c.Type})
		return replyJSON(statusOK, map[string]any{
			"account_id": u.ID, "contact_id": c.ID, "type": c.Type, "value": c.Value, "verified_at": ts(*c.VerifiedAt),
		})
	})
}

func (d *Domain) resetPassword(r *Call) *Reply {
	var in codeDTO
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if in.Code == "" || in.NewPassword == "" {
		return badRequest("code should not be empty", "new_password should not be empty")
	}
	hash := hashPassword(in.NewPassword)
	return update(d, func() *Reply {
		a, denied := d.consumerApp(r.Param(0))
		if denied != nil {
			return refuse(denied)
		}
		// The policy is checked before the code is consumed, so a too-short
		// password does not burn the code.
		if probs := passwordProblems(a.Config, in.NewPassword); len(probs) > 0 {
			return badRequest(probs...)
		}
		rec := d.takeCode(a, kindPasswordReset, in.Code)
		if rec == nil {
			return codeGone
		}
		u := a.userByID[rec.UserID]
		if u == nil {
			return codeGone
		}
		u.PasswordHash, u.UpdatedAt = hash, d.now()
		u.FailedLogins, u.LockedUntil = 0, nil
		for _, s := range append([]*sessionRec(nil), a.userSess[u.ID]...) {
			a.dropSession(s)
		}
		d.audit(a, "user.password_reset", u.ID, "end_user", u.ID, u.ID, nil)
		return noContent(statusNoContent)
	})
}
