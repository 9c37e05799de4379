package heimdall

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

// formOrJSON reads a body that OAuth clients send either way.
func formOrJSON(r *Call) (map[string]string, error) {
	out := map[string]string{}
	ct := r.Header("Content-Type")
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		vals, err := url.ParseQuery(string(r.Body))
		if err != nil {
			return nil, err
		}
		for k := range vals {
			out[k] = vals.Get(k)
		}
		return out, nil
	}
	var raw map[string]any
	if err := r.Decode(&raw); err != nil {
		return nil, err
	}
	for k, v := range raw {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out, nil
}

func formDecoded(s string) string {
	if v, err := url.QueryUnescape(s); err == nil {
		return v
	}
	return s
}

func oauthError(status int, code, desc string) *Reply {
	return refuse(failCode(status, code, desc))
}

// clientAuth picks the client's credentials: HTTP Basic (RFC 6749
// 2.3.1, each part form-encoded before the Basic encoding) or the body's
// client_id and client_secret. A request authenticates one way only: a
// secret in both, or a body client_id other than Basic's, is the invalid
// request RFC 6749 5.2 names.
func clientAuth(r *Call, bodyID, bodySecret string) (id, secret string, basic bool, resp *Reply) {
	bid, bsecret, ok := r.BasicID, r.BasicSecret, r.HasBasic
	if !ok {
		return bodyID, bodySecret, false, nil
	}
	id, secret = formDecoded(bid), formDecoded(bsecret)
	switch {
	case bodySecret != "" && bodySecret != secret:
		return "", "", true, oauthError(statusBadRequest, "invalid_request", "client_secret in the body and HTTP Basic authentication: use one client authentication method")
	case bodyID != "" && bodyID != id:
		return "", "", true, oauthError(statusBadRequest, "invalid_request", "client_id in the body does not match the HTTP Basic client")
	}
	return id, secret, true, nil
}

// invalidClient is the 401 of a client that failed to authenticate; one
// that tried HTTP Basic is told the scheme (RFC 6749 5.2).
func invalidClient(basic bool, desc string) *Reply {
	resp := oauthError(statusUnauthorized, "invalid_client", desc)
	if basic {
		resp.Header = map[string]string{"WWW-Authenticate": `Basic realm="oauth"`}
	}
	return resp
}

// basicClientBody lets HTTP Basic credentials stand for a JSON body's
// client_id and client_secret, which the spec marks required: the body
// the request is validated with gets them from the Basic header. A body
// that contradicts Basic is refused here.
func basicClientBody(r *Call) *Reply {
	if !r.HasBasic || strings.HasPrefix(r.Header("Content-Type"), "application/x-www-form-urlencoded") {
		return nil
	}
	var body map[string]any
	if len(r.Body) > 0 && (json.Unmarshal(r.Body, &body) != nil || body == nil) {
		return nil // not an object: validation says what is wrong
	}
	if body == nil {
		body = map[string]any{}
	}
	bodyID, _ := body["client_id"].(string)
	bodySecret, _ := body["client_secret"].(string)
	id, secret, _, resp := clientAuth(r, bodyID, bodySecret)
	if resp != nil {
		return resp
	}
	if bodyID == id && bodySecret == secret {
		return nil
	}
	body["client_id"], body["client_secret"] = id, secret
	b, err := json.Marshal(body)
	if err != nil {
		return nil
	}
	r.Body = b
	return nil
}

func (d *Domain) clientCredentials(r *Call) *Reply {
	in, err := formOrJSON(r)
	if err != nil {
		return badRequest(err.Error())
	}
	if in["grant_type"] != "client_credentials" {
		return oauthError(statusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials")
	}
	id, secret, basic, resp := clientAuth(r, in["client_id"], in["client_secret"])
	if resp != nil {
		return resp
	}
	if id == "" || secret == "" {
		return invalidClient(basic, "client_id and client_secret are required")
	}
	var claims map[string]any
	var ks *keys.Keystore
	var scopes []string
	if resp := update(d, func() *Reply {
		a, denied := d.consumerApp(r.Param(0))
		if denied != nil {
			return refuse(denied)
		}
		c := a.clientByID[id]
		if c == nil || c.ClientID != id || c.SecretHash != tokenHash(secret) || !c.IsActive {
			return invalidClient(basic, "Invalid client credentials")
		}
		scopes = append([]string{}, c.Scopes...)
		if want := strings.Fields(in["scope"]); len(want) > 0 {
			for _, s := range want {
				if !slices.Contains(c.Scopes, s) {
					return oauthError(statusBadRequest, "invalid_scope", "Scope "+s+" is not granted to this client")
				}
			}
			scopes = want
		}
		now := d.now()
		c.LastUsedAt = &now
		claims = map[string]any{
			"iss": d.issuer(r.Origin, a.Slug), "aud": a.Slug, "sub": c.ClientID, "client_id": c.ClientID,
			"aid": a.ID, "type": typeM2M, "scopes": scopes,
			"iat": now.Unix(), "exp": now.Add(accessTTL).Unix(),
		}
		d.audit(a, "m2m.token_issued", c.ClientID, "m2m_client", c.ID, "", nil)
		ks = a.keystore
		return nil
	}); resp != nil {
		return resp
	}
	tok, err := ks.Sign(claims)
	if err != nil {
		return refuse(fail(statusInternalServerError, "signing failed: "+err.Error()))
	}
	return replyJSON(statusOK, map[string]any{
		"access_token": tok, "token_type": "Bearer", "expires_in": int(accessTTL.Seconds()),
		"scope": strings.Join(scopes, " "),
	})
}

func (d *Domain) introspect(r *Call) *Reply {
	bearer := r.Bearer()
	if bearer == "" {
		return refuse(fail(statusUnauthorized, "Missing bearer token"))
	}
	in, err := formOrJSON(r)
	if err != nil {
		return badRequest(err.Error())
	}
	if t := in["token"]; t != "" && t != bearer {
		return badRequest("token must match the bearer token")
	}
	return d.verifyToken(r, r.Param(0), bearer, func(a *appRec, p *principal, _ string) *Reply {
		if p == nil {
			return replyJSON(statusOK, map[string]any{"active": false})
		}
		out := map[string]any{"active": true, "sub": p.sub, "aid": a.ID, "type": p.typ}
		for _, k := range []string{"iss", "iat", "exp"} {
			if v, ok := p.claims[k]; ok {
				out[k] = v
			}
		}
		if p.typ == typeM2M {
			out["client_id"] = p.client.ClientID
			out["scopes"] = append([]string{}, p.scopes...)
			out["scope"] = strings.Join(p.scopes, " ")
		} else {
			out["role"] = p.role
		}
		return replyJSON(statusOK, out)
	})
}
