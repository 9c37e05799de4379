package heimdall

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/idp"
	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

// Federated sign-in: native ID tokens (POST .../auth/oauth/{provider}) and
// the web redirect flow (authorize → the fake provider's page → callback →
// exchange), both against the fake providers of package idp.

// Lifetimes of the web flow's single-use values.
const (
	webStateTTL  = 10 * time.Minute // authorize → callback
	webResultTTL = 60 * time.Second // heimdall_code → exchange, as the spec says
	maxWebFlows  = 10_000           // pending states or results per app
)

// identityRec links an end user to a provider account.
type identityRec struct {
	Provider string    `json:"provider"`
	Sub      string    `json:"sub"`
	Email    string    `json:"email,omitempty"`
	LinkedAt time.Time `json:"linked_at"`
}

func identityKey(provider, sub string) string { return provider + "\x00" + sub }

// webFlows are an app's pending web sign-ins. They live minutes, so they
// are not exported: a restart simply ends them, like the MFA challenges.
type webFlows struct {
	states  map[string]*webState  // state parameter → authorize request
	results map[string]*webResult // tokenHash(heimdall_code) → signed-in user
}

type webState struct {
	provider, returnTo, nonce, clientID string
	expiresAt                           time.Time
}

type webResult struct {
	userID, provider string
	expiresAt        time.Time
	used             bool
}

// pruneExpired drops entries past their time, and everything when the map
// is still at its cap, so a client that never finishes cannot grow it.
func pruneExpired[T any](m map[string]T, expiry func(T) time.Time, now time.Time) {
	full := len(m) >= maxWebFlows
	for k, v := range m {
		if full || !now.Before(expiry(v)) {
			delete(m, k)
		}
	}
}

// reindexFederated rebuilds the identity index and starts with no pending
// web flows. Part of appRec.reindex.
func (a *appRec) reindexFederated() {
	a.byIdentity = map[string]*userRec{}
	for _, u := range a.Users {
		for _, id := range u.Identities {
			a.byIdentity[identityKey(id.Provider, id.Sub)] = u
		}
	}
	a.web = &webFlows{states: map[string]*webState{}, results: map[string]*webResult{}}
}

// dropIdentities forgets a removed user's provider links.
func (a *appRec) dropIdentities(u *userRec) {
	for _, id := range u.Identities {
		if a.byIdentity[identityKey(id.Provider, id.Sub)] == u {
			delete(a.byIdentity, identityKey(id.Provider, id.Sub))
		}
	}
}

// exportIdentityProviders fills the snapshot field of the fake providers'
// keys; encodeState clears it afterwards.
func (st *state) exportIdentityProviders() {
	if st.idps != nil {
		st.IdentityProviders = st.idps.Export()
	}
}

// importIdentityProviders rebuilds the fake providers from a snapshot; one
// written before they existed gets fresh keys.
func (st *state) importIdentityProviders(pool *keys.Pool) error {
	set, err := idp.ImportSet(st.IdentityProviders, pool, time.Now())
	if err != nil {
		return fmt.Errorf("identity_providers: %w", err)
	}
	st.idps, st.IdentityProviders = set, nil
	return nil
}

// consumeNonce records a verified token's nonce until the token expires, so
// the same nonce is refused for as long as a token carrying it could verify.
// It reports false for a replay.
func (a *appRec) consumeNonce(provider, rawNonce string, until, now time.Time) bool {
	key := tokenHash("oauth-nonce", provider, rawNonce)
	if exp, seen := a.OAuthNonces[key]; seen && now.Before(exp) {
		return false
	}
	if a.OAuthNonces == nil {
		a.OAuthNonces = map[string]time.Time{}
	}
	pruneExpired(a.OAuthNonces, func(t time.Time) time.Time { return t }, now)
	a.OAuthNonces[key] = until
	return true
}

// providerAudiences are the client ids an app accepts as aud for a
// provider: Apple's bundle ids and service id, Google's client ids. The
// provider must be configured and enabled.
func providerAudiences(a *appRec, provider string) ([]string, *Error) {
	p := a.provider(provider)
	if p == nil {
		return nil, failCode(statusBadRequest, "provider_not_configured", "Provider "+provider+" is not configured for this app")
	}
	if !p.Enabled {
		return nil, failCode(statusBadRequest, "provider_disabled", "Provider "+provider+" is disabled for this app")
	}
	var out []string
	add := func(v any) {
		if s, ok := v.(string); ok && s != "" {
			out = append(out, s)
		}
	}
	// Native ids first: the id-token control route's default aud is out[0].
	for _, name := range []string{"bundle_ids", "client_ids"} {
		if list, ok := p.Config[name].([]any); ok {
			for _, v := range list {
				add(v)
			}
		}
	}
	for k, v := range p.Config {
		if k == "client_id" || k == "service_id" || strings.HasSuffix(k, "_client_id") {
			add(v)
		}
	}
	if len(out) == 0 {
		return nil, failCode(statusBadRequest, "provider_not_configured", "Provider "+provider+" has no client id for this app")
	}
	return out, nil
}

// refused is the 401 of a failed ID-token check, naming it in code.
func refused(verr *idp.VerifyError) *Error {
	return failCode(statusUnauthorized, verr.Reason, "ID token refused ("+verr.Reason+"): "+verr.Detail)
}

type nativeSigninDTO struct {
	IDToken string `json:"id_token"`
	Nonce   string `json:"nonce"`
	User    *struct {
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"user"`
}

func (d *Domain) nativeSignIn(r *Call) *Reply {
	slug, provider := r.Param(0), r.Param(1)
	var in nativeSigninDTO
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	var probs []string
	if strings.TrimSpace(in.IDToken) == "" {
		probs = append(probs, "id_token should not be empty")
	}
	if strings.TrimSpace(in.Nonce) == "" {
		probs = append(probs, "nonce should not be empty")
	}
	if len(probs) > 0 {
		return badRequest(probs...)
	}
	if provider == idp.GitHub {
		return refuse(failCode(statusBadRequest, "web_only_provider", "GitHub signs in through the web redirect flow only (GET .../auth/oauth/github/authorize)"))
	}
	if !idp.IssuesIDTokens(provider) {
		return refuse(unknownProvider())
	}
	var (
		auds []string
		set  *idp.Set
	)
	if denied := read(d, func() *Error {
		a, denied := d.consumerApp(slug)
		if denied != nil {
			return denied
		}
		set = d.st.idps
		auds, denied = providerAudiences(a, provider)
		return denied
	}); denied != nil {
		return refuse(denied)
	}
	now := d.now()
	claims, verr := set.Verify(in.IDToken, idp.Check{Provider: provider, Audiences: auds, RawNonce: in.Nonce, Now: now})
	if verr != nil {
		return refuse(refused(verr))
	}
	var hintName string
	if in.User != nil {
		hintName = strings.TrimSpace(in.User.Name)
	}
	is, denied := d.nativeAccount(slug, provider, set, claims, in.Nonce, hintName, r, now)
	if denied != nil {
		return refuse(denied)
	}
	return tokenResponse(is) // signed outside d.mu
}

// nativeAccount is the locked half of a native sign-in: the nonce is spent,
// the account resolved and a session started.
func (d *Domain) nativeAccount(slug, provider string, set *idp.Set, claims map[string]any, rawNonce, hintName string, hr *Call, now time.Time) (issued, *Error) {
	var is issued
	resp := update(d, func() *Error {
		a, denied := d.consumerApp(slug)
		if denied != nil {
			return denied
		}
		if d.st.idps != set { // reset or imported meanwhile: those keys are gone
			return refused(&idp.VerifyError{Reason: idp.ReasonSignature, Detail: "the provider keys changed during the request"})
		}
		exp, _ := claims["exp"].(float64)
		if !a.consumeNonce(provider, rawNonce, time.Unix(int64(exp), 0), now) {
			return failCode(statusUnauthorized, "nonce_replayed", "ID token refused (nonce_replayed): this nonce was already used")
		}
		u, resp := d.federatedAccount(a, provider, claimIdentity(claims), hintName)
		if resp != nil {
			return resp
		}
		is = d.startSession(hr, a, u, []string{"oauth", provider})
		return nil
	})
	return is, resp
}

// claimIdentity reads the person out of verified ID-token claims. Apple
// sends email_verified and is_private_email as booleans or as the strings
// "true"/"false"; both are accepted.
func claimIdentity(claims map[string]any) idp.Identity {
	flag := func(v any) bool {
		switch x := v.(type) {
		case bool:
			return x
		case string:
			b, _ := strconv.ParseBool(x)
			return b
		}
		return false
	}
	id := idp.Identity{
		EmailVerified: flag(claims["email_verified"]), IsPrivateEmail: flag(claims["is_private_email"]),
	}
	id.Sub, _ = claims["sub"].(string)
	id.Email, _ = claims["email"].(string)
	id.Name, _ = claims["name"].(string)
	return id
}

// federatedAccount resolves (or creates) the end user for a verified
// provider identity, applying the app's oauth_link_policy when the email
// belongs to another account. hintName is Apple's first-sign-in user.name.
// Caller holds d.mu.
func (d *Domain) federatedAccount(a *appRec, provider string, id idp.Identity, hintName string) (*userRec, *Error) {
	if id.Sub == "" {
		return nil, failCode(statusUnauthorized, "invalid_signature", "ID token refused: it names no subject (sub)")
	}
	if !a.Config.SigninEnabled {
		return nil, failCode(statusForbidden, "signin_disabled", "Signin is disabled for this app")
	}
	if u := a.byIdentity[identityKey(provider, id.Sub)]; u != nil {
		if denied := statusRefusal(u); denied != nil {
			return nil, denied
		}
		d.audit(a, "user.signin", u.ID, "end_user", u.ID, u.ID, map[string]any{"provider": provider})
		return u, nil
	}
	email := strings.TrimSpace(id.Email)
	private := id.IsPrivateEmail || idp.IsPrivateRelay(email)
	if email != "" {
		if owner := a.byContact[contactKey("email", email)]; owner != nil {
			c := owner.primary("email")
			if c != nil && sameIdentity(c.Value, email) && c.VerifiedAt != nil {
				if a.Config.OAuthLinkPolicy == "reject" {
					return nil, failCode(statusConflict, "account_exists_with_different_provider",
						"An account with this email exists; sign in with its original method")
				}
				if a.Config.OAuthLinkPolicy != "auto" || !id.EmailVerified || private {
					return nil, failCode(statusConflict, "link_required",
						"An account with this email exists; sign in with its original method to link "+provider)
				}
				if denied := statusRefusal(owner); denied != nil {
					return nil, denied
				}
				d.linkIdentity(a, owner, provider, id)
				d.audit(a, "user.identity_linked", owner.ID, "end_user", owner.ID, owner.ID, map[string]any{"provider": provider})
				d.audit(a, "user.signin", owner.ID, "end_user", owner.ID, owner.ID, map[string]any{"provider": provider})
				return owner, nil
			}
			// The address is an unverified or secondary contact of another
			// account: it proves nothing about that account, and contacts
			// are unique, so the new account starts without an email.
			email = ""
		}
	}
	if !a.Config.SignupEnabled {
		return nil, failCode(statusForbidden, "signup_disabled", "Signup is disabled for this app")
	}
	if resp := d.userRoom(a); resp != nil {
		return nil, resp
	}
	base := localPart(email)
	if base == "" {
		base = provider + "-" + id.Sub
	}
	display := hintName
	if display == "" {
		display = id.Name
	}
	u := d.createUser(a, uniqueUsername(a, base), email, "", display, a.Config.SignupDefaultRole, id.EmailVerified && email != "")
	d.linkIdentity(a, u, provider, id)
	d.audit(a, "user.signup", u.ID, "end_user", u.ID, u.ID, map[string]any{"provider": provider})
	return u, nil
}

func (d *Domain) linkIdentity(a *appRec, u *userRec, provider string, id idp.Identity) {
	u.Identities = append(u.Identities, identityRec{Provider: provider, Sub: id.Sub, Email: id.Email, LinkedAt: d.now()})
	a.byIdentity[identityKey(provider, id.Sub)] = u
}

// uniqueUsername makes base a free username: characters outside
// [A-Za-z0-9._-] become "-", and a numeric suffix settles collisions.
func uniqueUsername(a *appRec, base string) string {
	clean := []byte(base)
	for i, c := range clean {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			clean[i] = '-'
		}
	}
	name := string(clean)
	if len(name) > 64 {
		name = name[:64]
	}
	if name == "" {
		name = "user"
	}
	for i := 2; a.byUsername[foldKey(name)] != nil; i++ {
		name = fmt.Sprintf("%s-%d", string(clean[:min(len(clean), 60)]), i)
	}
	return name
}

// originOf returns scheme://host[:port] of an absolute http(s) URL.
func originOf(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", false
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), true
}

// allowedReturnTo checks return_to against allowed_redirect_origins: exact
// origin match, as the spec says, so the callback never redirects elsewhere.
func allowedReturnTo(a *appRec, returnTo string) *Error {
	if len(a.Config.AllowedRedirectOrigins) == 0 {
		return failCode(statusBadRequest, "web_flow_disabled", "The web sign-in flow is disabled: the app has no allowed_redirect_origins")
	}
	origin, ok := originOf(returnTo)
	if !ok {
		return failCode(statusBadRequest, "invalid_return_to", "return_to must be an absolute http(s) URL")
	}
	for _, o := range a.Config.AllowedRedirectOrigins {
		if strings.EqualFold(strings.TrimRight(o, "/"), origin) {
			return nil
		}
	}
	return failCode(statusBadRequest, "return_to_not_allowed", "The origin of return_to is not in the app's allowed_redirect_origins")
}

// withQuery appends name=value to a URL's query, keeping the rest of the
// URL (query and fragment) as the caller wrote it.
func withQuery(raw, name, value string) string {
	frag := ""
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw, frag = raw[:i], raw[i:]
	}
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
		if strings.HasSuffix(raw, "?") || strings.HasSuffix(raw, "&") {
			sep = ""
		}
	}
	return raw + sep + url.QueryEscape(name) + "=" + url.QueryEscape(value) + frag
}

// webClientID is the client id the web flow names to the provider: Apple's
// service id, Google's client id; GitHub needs no configuration in the
// mock (the admin API has no GitHub provider), so it gets a fixed one.
func webClientID(a *appRec, provider string) (string, *Error) {
	if provider == idp.GitHub {
		return "github-" + a.Slug, nil
	}
	auds, denied := providerAudiences(a, provider)
	if denied != nil {
		return "", denied
	}
	if p := a.provider(provider); p != nil {
		for _, k := range []string{"service_id", "client_id"} {
			if s, ok := p.Config[k].(string); ok && s != "" {
				return s, nil
			}
		}
	}
	return auds[0], nil
}

func (d *Domain) webAuthorize(r *Call) *Reply {
	slug, provider := r.Param(0), r.Param(1)
	if !idp.Known(provider) {
		return refuse(unknownProvider())
	}
	returnTo := r.Query("return_to")
	return update(d, func() *Reply {
		a, denied := d.consumerApp(slug)
		if denied != nil {
			return refuse(denied)
		}
		if resp := allowedReturnTo(a, returnTo); resp != nil {
			return refuse(resp)
		}
		clientID, denied := webClientID(a, provider)
		if denied != nil {
			return refuse(denied)
		}
		now := d.now()
		state, nonce := randomToken(24), randomToken(32)
		pruneExpired(a.web.states, func(s *webState) time.Time { return s.expiresAt }, now)
		a.web.states[state] = &webState{provider: provider, returnTo: returnTo, nonce: nonce, clientID: clientID, expiresAt: now.Add(webStateTTL)}
		q := url.Values{
			"client_id": {clientID}, "redirect_uri": {d.issuer(r.Origin, slug) + "/v1/auth/oauth/" + provider + "/callback"},
			"response_type": {"code"}, "scope": {"openid email name"}, "state": {state}, "nonce": {nonce},
		}
		return redirect(statusFound, d.baseURL(r.Origin)+"/__mock/idp/"+provider+"/authorize?"+q.Encode())
	})
}

func (d *Domain) webCallbackGet(r *Call) *Reply {
	return d.webCallback(r, callbackInput{
		State: r.Query("state"), Code: r.Query("code"), Error: r.Query("error"),
	})
}

// callbackInput is the callback's parameters: the query of the GET, or the
// JSON body of the POST (Apple's form_post fields: code, state, id_token,
// user as a JSON string or object, error).
type callbackInput struct {
	State   string `json:"state"`
	Code    string `json:"code"`
	IDToken string `json:"id_token"`
	Error   string `json:"error"`
	User    any    `json:"user"`
}

func (d *Domain) webCallbackPost(r *Call) *Reply {
	var in callbackInput
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	return d.webCallback(r, in)
}

// appleUserName reads the name out of Apple's form_post user field:
// {"name":{"firstName","lastName"},"email"} as an object or a JSON string,
// or a plain {"name":"..."}.
func appleUserName(v any) string {
	m, ok := v.(map[string]any)
	if !ok {
		return ""
	}
	switch n := m["name"].(type) {
	case string:
		return strings.TrimSpace(n)
	case map[string]any:
		first, _ := n["firstName"].(string)
		last, _ := n["lastName"].(string)
		return strings.TrimSpace(first + " " + last)
	}
	return ""
}

// callbackErrorCode keeps a provider's error parameter to the characters
// an OAuth error code may hold, since it goes into the customer's URL.
func callbackErrorCode(s string) string {
	out := []byte(s)
	for i, c := range out {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			out[i] = '_'
		}
	}
	if len(out) > 64 {
		out = out[:64]
	}
	return string(out)
}

func (d *Domain) webCallback(r *Call, in callbackInput) *Reply {
	slug, provider := r.Param(0), r.Param(1)
	if !idp.Known(provider) {
		return refuse(unknownProvider())
	}
	if in.State == "" {
		return badRequest("state should not be empty")
	}
	now := d.now()
	var auds []string
	var st *webState
	var set *idp.Set
	if resp := update(d, func() *Reply {
		a, denied := d.consumerApp(slug)
		if denied != nil {
			return refuse(denied)
		}
		st = a.web.states[in.State]
		delete(a.web.states, in.State) // single use, whatever happens next
		if st == nil || !now.Before(st.expiresAt) {
			return refuse(failCode(statusBadRequest, "invalid_state", "Unknown or expired state"))
		}
		if st.provider != provider {
			return refuse(failCode(statusBadRequest, "invalid_state", "The state belongs to another provider"))
		}
		if resp := allowedReturnTo(a, st.returnTo); resp != nil {
			return refuse(resp)
		}
		if idp.IssuesIDTokens(provider) {
			if auds, denied = providerAudiences(a, provider); denied != nil {
				return refuse(denied)
			}
		}
		set = d.st.idps
		return nil
	}); resp != nil {
		return resp
	}

	if in.Error != "" {
		return redirect(statusSeeOther, withQuery(st.returnTo, "heimdall_error", callbackErrorCode(in.Error)))
	}
	hintName := appleUserName(in.User)
	var id idp.Identity
	switch {
	case in.IDToken != "" && idp.IssuesIDTokens(provider):
		claims, verr := set.Verify(in.IDToken, idp.Check{Provider: provider, Audiences: auds, RawNonce: st.nonce, Now: now})
		if verr != nil {
			return refuse(refused(verr))
		}
		id = claimIdentity(claims)
	case in.Code != "":
		grant, err := set.Redeem(provider, in.Code, now)
		if err != nil {
			return refuse(failCode(statusUnauthorized, "invalid_grant", "The provider refused the authorization code: unknown, used or expired"))
		}
		if hintName == "" && provider == idp.Apple {
			hintName = grant.Identity.Name // Apple posts the name beside the token, never in it
		}
		if !idp.IssuesIDTokens(provider) {
			id = grant.Identity
			break
		}
		// Redeeming a code at the provider yields its ID token, which is
		// verified like a native one, nonce binding included.
		tok, _, err := set.Mint(provider, idp.TokenRequest{Identity: grant.Identity, Audience: grant.ClientID, Nonce: grant.Nonce, ExpiresIn: 10 * time.Minute, Now: now})
		if err != nil {
			return refuse(fail(statusInternalServerError, "minting the provider token failed: "+err.Error()))
		}
		claims, verr := set.Verify(tok, idp.Check{Provider: provider, Audiences: auds, RawNonce: st.nonce, Now: now})
		if verr != nil {
			return refuse(refused(verr))
		}
		id = claimIdentity(claims)
	default:
		return badRequest("code should not be empty")
	}

	return update(d, func() *Reply {
		a, denied := d.consumerApp(slug)
		if denied != nil {
			return refuse(denied)
		}
		u, resp := d.federatedAccount(a, provider, id, hintName)
		if resp != nil {
			if resp.Status == statusConflict {
				// The spec returns the link conflict through the redirect.
				return redirect(statusSeeOther, withQuery(st.returnTo, "heimdall_error", resp.Code))
			}
			return refuse(resp)
		}
		code := randomToken(32)
		pruneExpired(a.web.results, func(w *webResult) time.Time { return w.expiresAt }, now)
		a.web.results[tokenHash(code)] = &webResult{userID: u.ID, provider: provider, expiresAt: now.Add(webResultTTL)}
		return redirect(statusSeeOther, withQuery(st.returnTo, "heimdall_code", code))
	})
}

type exchangeDTO struct {
	Code string `json:"code"`
}

func (d *Domain) webExchange(r *Call) *Reply {
	var in exchangeDTO
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if strings.TrimSpace(in.Code) == "" {
		return badRequest("code should not be empty")
	}
	slug := r.Param(0)
	h := tokenHash(in.Code)
	var is issued
	if resp := update(d, func() *Reply {
		a, denied := d.consumerApp(slug)
		if denied != nil {
			return refuse(denied)
		}
		now := d.now()
		res := a.web.results[h]
		if res == nil {
			for _, other := range d.st.Apps {
				if other != a && other.web.results[h] != nil {
					return refuse(failCode(statusForbidden, "code_wrong_app", "The code does not belong to this app"))
				}
			}
			return refuse(failCode(statusUnauthorized, "invalid_code", "Unknown code"))
		}
		if res.used {
			return refuse(failCode(statusUnauthorized, "code_already_used", "The code was already redeemed"))
		}
		if !now.Before(res.expiresAt) {
			return refuse(failCode(statusUnauthorized, "code_expired", "The code expired"))
		}
		res.used = true
		u := a.userByID[res.userID]
		if u == nil {
			return refuse(failCode(statusUnauthorized, "invalid_code", "The account behind the code no longer exists"))
		}
		if denied := statusRefusal(u); denied != nil {
			return refuse(denied)
		}
		is = d.startSession(r, a, u, []string{"oauth", res.provider})
		return nil
	}); resp != nil {
		return resp
	}
	return tokenResponse(is)
}
