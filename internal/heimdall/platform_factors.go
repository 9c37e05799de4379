package heimdall

import (
	"encoding/base32"
	"fmt"
	"net/url"
)

func (d *Domain) adminListFactors(_ *Call, a *appRec, _ *apiKeyRec, u *userRec) *Reply {
	return factorList(a, u)
}

func (d *Domain) adminProvisionFactor(r *Call, a *appRec, k *apiKeyRec, u *userRec) *Reply {
	var in factorDTO
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if len([]rune(in.Label)) > 64 {
		return badRequest("label must be shorter than or equal to 64 characters")
	}
	now := d.now()
	f := &factorRec{
		Seq: d.st.nextSeq(), ID: newID(), UserID: u.ID, Type: in.Type, Label: strPtrOrNil(in.Label),
		Enabled: true, EnabledAt: &now, CreatedAt: now,
	}
	var enrollment map[string]any
	switch in.Type {
	case "totp":
		f.Secret = base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte(randomHex(10)))
		uri := fmt.Sprintf("otpauth://totp/%s?secret=%s&issuer=%s&algorithm=SHA1&digits=%d&period=%d",
			url.PathEscape(a.Slug+":"+u.Username), f.Secret, url.QueryEscape(a.DisplayName), totpDigits, totpPeriod)
		enrollment = map[string]any{"secret": f.Secret, "otpauth_uri": uri, "algorithm": "SHA1", "digits": totpDigits, "period": totpPeriod}
	case "email":
		c := u.primary("email")
		if in.ContactID != "" {
			c = u.contact(in.ContactID)
		}
		if c == nil || c.Type != "email" {
			return refuse(fail(statusNotFound, "Email contact not found"))
		}
		if c.VerifiedAt == nil {
			return refuse(failCode(statusPreconditionFailed, "CONTACT_UNVERIFIED", "The email contact is not verified"))
		}
		f.ContactID = c.ID
		enrollment = map[string]any{"email_masked": maskEmail(c.Value)}
	default:
		return badRequest("type must be one of the following values: totp, email")
	}
	a.Factors = append(a.Factors, f)
	a.factorByID[f.ID] = f
	codes := newRecoveryCodes(u)
	d.audit(a, "mfa.factor_enabled", k.ID, "mfa_factor", f.ID, u.ID, map[string]any{"type": f.Type, "via": "admin"})
	return replyJSON(statusCreated, map[string]any{"factor": factorJSON(f), "enrollment": enrollment, "recovery_codes": codes})
}

func (d *Domain) adminDisableFactor(r *Call, a *appRec, k *apiKeyRec, u *userRec) *Reply {
	f := a.factorByID[r.Param(2)]
	if f == nil || f.UserID != u.ID || f.DisabledAt != nil {
		return refuse(fail(statusNotFound, "Factor not found"))
	}
	now := d.now()
	f.DisabledAt, f.Enabled = &now, false
	d.audit(a, "mfa.factor_disabled", k.ID, "mfa_factor", f.ID, u.ID, map[string]any{"via": "admin"})
	return noContent(statusNoContent)
}
