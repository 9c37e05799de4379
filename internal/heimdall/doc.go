// Package heimdall is the mock's stateful identity core: workspaces' apps
// with their auth config and signing keys, end users with contacts,
// sessions with rotating refresh tokens, roles and permissions, platform API
// keys, M2M clients, one-time codes, the mail outbox and the audit log.
//
// The behaviour follows the operation descriptions of the newest Heimdall
// spec; every response body is shaped to validate against that spec's
// response schemas. Where the spec is silent, the choices are listed below.
//
// # Bootstrap
//
// A new (or reset) domain holds one workspace and one app, fixed so scripts
// can hard-code them:
//
//	workspace id       00000000-0000-4000-8000-00000000a001
//	owner API key      pcft_test_mock0000000000000000000000000000
//	app id / slug      00000000-0000-4000-8000-00000000a003 / demo
//	apple client id    com.example.demo
//	google client id   demo-client.apps.googleusercontent.com
//
// The owner key may call every admin (/v1/...) and consumer-admin
// (/{app_slug}/v1/admin/...) operation and holds every PAK permission. Each
// app is provisioned with the system roles owner, admin and member (member
// is the signup default and holds nothing; owner and admin hold the system
// permission catalog: user.*, role.*, permission.*, session.revoke). Mail is
// on in the demo app (sender and templates set), so signup and the send-*
// calls fill the outbox; apps created later start with mail off, as in the
// real service.
//
// # Tokens
//
// Access tokens are RS256 JWTs signed by the app's keystore (kid
// rs256-<id>) with iss = <base>/<slug>, aud = <slug>, sub, aid, sid, role,
// type (end_user|m2m), amr, iat and exp; M2M tokens carry client_id and
// scopes[] instead of sid and role. <base> is Options.PublicURL, else
// http://<Host> of the request that caused the token. Refresh tokens are
// opaque random strings; only their SHA-256 is stored. /verify, /authorize,
// /me and introspection accept a token only when the signature, exp/nbf,
// iss (per-app URL or the legacy "heimdall"), aud (absent only with the
// legacy issuer) and aid hold, and its session (end users) or client (M2M)
// is still live.
//
// # Behaviour choices
//
//   - Passwords are hashed with PBKDF2-HMAC-SHA256, 16-byte salt, one
//     round: a salted HMAC. Far below production advice on purpose: a mock's
//     passwords are test data, and hashing is there so no export holds one
//     in clear, not to resist brute force. Sign-in must stay bound by its
//     one RSA signature: 1000 rounds cost about a fifth of a sign-in, one
//     round well under 1%. Hashes keep their round count, so snapshots with
//     1000-round hashes still sign in.
//   - Signin identifiers are the username or the verified primary email, as
//     the spec says: right after signup, before verification, only the
//     username signs in. Usernames and emails compare after Unicode NFC
//     normalisation and case folding (the precomposed and the decomposed
//     josé@ are one account); a control character in an email or a
//     username is a 400 naming the field.
//   - A wrong password and an unknown identifier give the same 401 body,
//     and both cost one password hash. max_failed_login_attempts failures
//     in a row lock the account for 15 minutes (401, code account_locked,
//     even with the right password); a successful signin or a password
//     reset clears the count. 0 turns lockout off.
//   - The password is checked before the account status, so only a
//     credential holder learns that an account is suspended (403
//     account_suspended) or deactivated (403 account_deactivated). Leaving
//     active status ends every session of the user.
//   - Access tokens live one hour (capped at session_duration_minutes).
//     A session lives session_duration_minutes from its last refresh
//     (sliding). Refresh rotates the token; presenting a rotated-out token
//     revokes the whole session (401 refresh_token_reused). Revoked, logged
//     out, evicted and expired sessions are forgotten entirely, so their
//     refresh tokens answer 401 invalid_refresh_token.
//   - max_sessions > 0 caps live sessions per user; a new one evicts the
//     oldest. Logout of an unknown refresh token still answers 204.
//   - The role in a token is informational: verify, authorize and /me
//     resolve the user's current role, so role changes apply at once. A
//     token minted by POST /__mock/tokens with another role pins that role
//     to its session.
//   - POST /__mock/tokens resolves sub as a user id, username or email; an
//     unknown sub (with session, the default) becomes a user whose id and
//     username are the sub, with no email or password, so the token
//     verifies and /me answers. session:false mints a token with no sid,
//     which verify refuses (session_revoked): the way to test that path.
//     /verify returns principal.permissions only for M2M tokens (the
//     schema says so); end users' permissions come from /me/permissions.
//   - /verify, /authorize and /authorize/batch answer 401 without any
//     token, and 200 with valid:false / authorized:false plus the reason
//     (expired, wrong_issuer, session_revoked, ...) for a bad one.
//   - Codes are six digits. Verification codes live 24 hours, reset codes
//     one hour; each is single-use, and issuing one retires the previous
//     unconsumed code of the same contact (verification) or account
//     (reset). Used, superseded and expired codes all answer 410.
//   - request-verification, request-password-reset and the two send-*
//     calls answer {} when no contact matches (or the contact is already
//     verified / not verified), as their descriptions say. Their schemas
//     require the fields of a hit: the spec warnings list that defect, and
//     strict mode and scenario checks let the prose win.
//   - send-verification-email and send-password-reset-email answer 412
//     ENVOI_NOT_ENABLED, ENVOI_SENDER_NOT_CONFIGURED or
//     ENVOI_TEMPLATE_NOT_CONFIGURED from the app's notification settings,
//     and put the code in the outbox; the link points at the settings'
//     web_origin when set, else at the mock.
//   - Access: routes.go holds one table of every operation's credential,
//     permission and handler, and one guard (Guard, access.go) applies the
//     credential and permission; httpapi.Bind makes it the router's
//     registry guard, so it runs before
//     the request is validated (the real service's guards run before its
//     validation pipes: a bad credential with a bad body is 401/403). Kinds: none; an optional API key (signup: none is
//     fine unless the app's signup_requires_pak is set, a key sent must
//     be the app's); an API key holding a permission (request-*/send-*:
//     auth.user.verify.create / send-email, auth.user.password-reset.create
//     / send-email); an API key or an end-user token (tenants); an
//     end-user token (/me...); any access token (introspect); the token to
//     check (verify/authorize: a key in the header must be the app's);
//     client credentials (oauth/token); the Platform API (API key with
//     the route's permission, or a platform token); the app's admin lane
//     (/{slug}/v1/admin..., users/{id}/factors: an API key, an M2M token
//     whose scopes or an end user whose role holds the permission).
//     Platform permissions are auth.read / create / update / delete,
//     auth.audit.read, auth.rotate-secret, auth.api-key.read / create /
//     delete and auth.tenant.*; end-user routes use the app's catalog
//     (user.*, role.*, permission.*, session.revoke). "*" grants all,
//     "resource.*" everything under resource. No credential, an unknown
//     key or a bad token: 401; another app's key, a missing permission:
//     403 "API key lacks <perm> on this app". Nobody grants more than it
//     holds: a key mints keys, assigns roles (also by invite, bulk update
//     and user creation) and sets client scopes only within its own
//     permissions, and every caller sets role permissions only within its
//     own (403 "Cannot grant actions you don't have: ..."); tokens on the
//     admin lane assign roles bounded by role.assign alone, as the spec
//     says. A tenant member's role is such a grant too: a key gives none
//     beyond its permissions, an end user none beyond its own role in the
//     tenant, and only a tenant owner makes owners. Keys created through
//     the API are scoped to their app.
//   - Platform tokens: POST /__mock/tokens with "type":"platform" mints one
//     (sub: a platform user id, default the workspace owner; RS256, iss
//     <base>/platform, aud platform, keys at GET
//     /__mock/platform/jwks.json). Its claims decide: type must be
//     platform_user (else 401 wrong_token_type), workspace_id this
//     workspace and sub a member (else 403 NOT_A_WORKSPACE_MEMBER). The
//     workspace owner is always a member and holds every right; the spec
//     has no route that adds platform users, so PUT
//     /__mock/platform/members/{sub} does, with a role (admin: every
//     right; viewer: the read permissions) or explicit permissions, and a
//     member's token acts, and grants, within them. A bad
//     signature or exp is 401 with the reason as code. The platform
//     keystore lives as long as the process: Reset and Import keep it,
//     exports do not carry it. /v1/apps/{app_id} also accepts the slug.
//   - Lists are cursor-paginated in creation order (audit logs and
//     /me/activity newest first); the cursor is an opaque position, so rows
//     deleted between pages are skipped, never repeated. limit defaults to
//     20, at most 100. A page starts with a binary search for its cursor;
//     audit filters (action, actor_id) and /me/activity read per-action,
//     per-actor and per-user lists, while the end-user status and search
//     filters walk the list from the cursor until the page is full (a
//     search matching few users walks the rest of the list).
//   - Deleting the primary email is refused (409 PRIMARY_CONTACT); promoting
//     an unverified contact is refused (409 CONTACT_UNVERIFIED).
//   - Archiving an app is final: archived → active or suspended is 400.
//     Permission keys on the admin routes must read resource.action (400).
//   - System roles cannot be deleted (403); a role held by a user or named
//     as signup default is ROLE_IN_USE (409). Deleting a permission removes
//     it from every role. Removing an app member takes its role away; the
//     account stays.
//   - Duplicate slug, role, permission, username, email and contact answer
//     409 with codes SLUG_TAKEN, ROLE_EXISTS, PERMISSION_EXISTS,
//     USERNAME_TAKEN, EMAIL_TAKEN and CONTACT_TAKEN.
//   - Consumer calls to a suspended or archived app answer 403
//     (app_suspended / app_archived); admin calls still work.
//   - Invites default to one use and 7 days (max_uses 1-1000,
//     expires_in_hours 1-720). Their code is listed by the admin API, so it
//     is stored in plaintext, and mailed (outbox kind invite) when the
//     app's mail is on. Accepting creates the account with its email
//     already verified; a revoked, expired or used-up invite answers 410,
//     and an address or username that already has an account (a second
//     acceptance of a multi-use invite, a signup in between) 409.
//   - Native providers (apple, google) are configured per app through
//     auth-config/providers. Fixture and bootstrap client ids become an
//     enabled config ({service_id, bundle_ids} for Apple, {client_id} for
//     Google). Fields named *secret* or *private_key* are stored hashed and
//     shown only as <name>_present: true. A PUT without enabled stores a
//     disabled config; unknown providers answer 400.
//   - MFA: factors are totp (RFC 6238, SHA-1, 6 digits, 30 s, read from the
//     mock clock, one step of drift either way) and email (six-digit code to
//     a verified email contact, outbox kind otp; needs the app's mail and an
//     mfa_code_template_name, set in the demo app). Enrolling TOTP takes two
//     codes of consecutive steps; each accepted TOTP step is spent, so a
//     code works once. Signin of a user with an enabled factor answers the
//     challenge (mfa_token, 5 minutes, 5 wrong codes lock it: 429;
//     send-code: 3 sends, 30 s apart; codes to one address are also 30 s
//     apart across sign-in and step-up, since the spec says the two paths
//     share that throttle; the send times are not exported). Every 429
//     carries Retry-After in seconds of the mock clock: the rest of the
//     challenge's life for a locked or used-up challenge, the rest of the
//     30 s between sends, or the rest of a step-up lock. Completing it mints tokens with amr
//     ["pwd", <factor type | recovery_code>] and mfa_at. Confirming a factor
//     mints 10 recovery codes (xxxx-xxxx-xxxx-xxxx, hyphens optional),
//     replacing older ones. Step-up accepts a TOTP, emailed or recovery code
//     and locks for 15 minutes after 5 wrong codes. The TOTP secret is kept
//     as is (it must be, to check codes) and is in exports; qr_data_url is a
//     text data URL carrying the otpauth URI, since the mock renders no QR.
//     Pending sign-in challenges are not exported.
//   - Retention: each app keeps its newest 1,000,000 audit events (about
//     220 bytes each, indexes included), the outbox its newest 1,000 mails,
//     and each session the hashes of its newest 1,000 rotated-out refresh
//     tokens (an older one is then simply unknown, 401, rather than
//     detected reuse).
//   - Federated sign-in runs against fake providers (package idp): Apple
//     and Google sign ID tokens with their own keys (in exports and the
//     reset baseline); POST /__mock/idp/{provider}/id-token mints them. The
//     native route checks, in order, the signature (any fake provider's
//     key), the issuer (a token of the other provider: wrong_issuer), exp
//     on the mock clock, aud against the app's provider client ids and the
//     nonce (Apple: sha256 hex of the raw nonce; Google: raw or hashed),
//     then spends the nonce until the token's exp (nonce_replayed); each
//     failure is a 401 whose code names the check. Tokens carry amr
//     ["oauth", <provider>], as the newest spec's operation text says (the
//     SDK README's table shows "oauth.apple"). Accounts are keyed by
//     provider + sub; a new one takes the provider email as its primary
//     contact (verified when the token says so), Apple's first user.name
//     (the id-token helper takes name for Apple, keeps it out of the token
//     and answers it as the user object to pass on) or Google's name as
//     display name, and a username from the email's
//     local part. An email that is another account's verified primary
//     follows oauth_link_policy (default confirm); auto links only a
//     verified, non-private-relay address. An address held unverified or
//     as a secondary contact elsewhere is left off the new account.
//     Federated sign-in does not ask for MFA (its response has no
//     challenge shape). The web flow needs allowed_redirect_origins
//     (exact origin match, checked at authorize and again at the
//     callback); GitHub needs no provider config in the mock. The
//     provider page redirects to the GET callback; the POST callback
//     takes JSON {state, code | id_token, user, error}. Pending states
//     (10 min) and heimdall_codes (60 s, single use; the session starts at
//     exchange) are not exported; link conflicts and provider errors come
//     back as ?heimdall_error=<code>.
//   - Tenants: consumer tenant routes take an API key holding
//     auth.tenant.read / create / update / delete / members.add /
//     members.remove / members.update-role, or an end-user token: a user
//     sees only tenants they belong to (else 403 NOT_A_MEMBER), manages
//     them as the tenant's owner or admin (else 403 NOT_TENANT_ADMIN),
//     deletes them as owner, and may always leave; a tenant it creates
//     makes it the owner, and its last owner cannot leave or be demoted by
//     an end user (400). Member roles are the app's roles (unknown: 400,
//     as the spec's member routes say).
//     Tenants are referenced by uuid or tnt_<12hex> display id; a slug
//     left out is derived from display_name (suffixed when taken), a slug
//     given and taken is 409 SLUG_TAKEN; a second membership is 409
//     MEMBER_EXISTS. A create with an Idempotency-Key already used in the
//     last 24 hours answers that tenant again (201), whatever the body.
//     Lists are newest first. Deleting a tenant drops its
//     memberships; deleting an account drops its memberships.
//   - switch-tenant takes a uuid or display id, needs a membership (403
//     NOT_A_MEMBER) of an active tenant (403 tenant_suspended /
//     tenant_archived), rotates the refresh token as /auth/refresh does and
//     pins the tenant to the session: every later access token of the
//     session carries org_id (the tenant uuid) and org_role (the member's
//     current role) while the membership lasts. The spec also names the
//     pair tid/trole (signin's tenant_id), so tokens carry both pairs with
//     the same values. signin with tenant_id does the same for the new
//     session (also through an MFA challenge); a non-member, or an unknown
//     tenant, gets 403 NOT_A_MEMBER after the password check. Inside a
//     tenant, /me/permissions answers org_role and the union of the app
//     role's and the tenant role's permissions.
//   - Outbound webhooks: each audit event maps to the documented event
//     types (user.signup, user.signin, user.contact_verified and, for
//     emails, user.email_verified, user.password_reset.requested /
//     completed, user.suspended / deactivated / reinstated,
//     user.role_changed, user.deleted, tenant.*, user.mfa.factor_enrolled /
//     factor_disabled / recovery_code_used / step_up_succeeded,
//     app.slug_changed; user.mfa.step_up_locked is never sent, the mock
//     records no such event); subscribed ones are POSTed as
//     {"id":"evt_…","type","created_at","app_id","app_slug","data"} with
//     X-Heimdall-Event, X-Heimdall-Delivery (the event id) and
//     X-Heimdall-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret,
//     "<t>.<body>")>, t read from the mock clock. A non-2xx answer or a
//     transport error is retried 30 s, 1, 2, 4 and 8 minutes later on the
//     mock clock (6 attempts in all), then dropped; a scheduler checks
//     every 50 ms and Domain.Close stops it. 20 failed attempts in a row
//     disable the webhook (disabled_reason consecutive_failures) until the
//     next PUT. PUT and rotate-secret hand out a new whsec_ secret, which
//     is kept in plaintext (deliveries are signed with it) and exported.
//     GET without a config answers 404: the spec's text says null, but its
//     schema is a non-nullable object. attempts lists the newest 1,000
//     attempts, newest first, with next_retry_at on retried ones.
//   - Avatars: PNG, JPEG or WEBP by magic bytes (else 415), at most 2 MB
//     (413; the router's body limit, 1 MiB by default, answers 413 first).
//     The bytes are kept as sent (no re-encoding) and exported; the public
//     URL 302s to /__mock/avatars/{slug}/{account_id}?v=<n>, which serves
//     them, or to a provider picture URL; 404 with neither.
//   - Admin factor provisioning creates an enabled factor with fresh
//     recovery codes; an email factor needs a verified email contact (412
//     CONTACT_UNVERIFIED).
//   - oauth/token takes client_id/client_secret from a JSON or form body
//     (application/x-www-form-urlencoded, accepted beyond the spec's JSON)
//     or HTTP Basic auth with form-encoded parts (RFC 6749 2.3.1), which
//     then stand for the JSON body's required client_id/client_secret; a
//     body naming another client or a second secret is 400
//     invalid_request, a failed client 401 invalid_client (with
//     WWW-Authenticate when it tried Basic); an
//     optional space-separated scope narrows the token to a subset of the
//     client's scopes (400 invalid_scope otherwise).
//   - The inspector's view (inspect.go) only reads: it hides sessions past
//     their end instead of forgetting them, so looking never changes what
//     the API answers next. Its token check runs the /verify checks and
//     also names the app by the token's aid, aud or kid, so a token of any
//     app can be pasted; it adds unknown_app when none matches.
//
// # Documented errors the mock does not answer
//
// The error table (errors_test.go) reaches every 4xx the newest spec
// documents through real calls, except these, each with the reason; a
// test keeps the table and this list together complete:
//
//	GET /{app_slug}/v1/me 404: deleting an account ends its sessions, so its tokens answer 401 session_revoked before a lookup could miss
//	POST /{app_slug}/v1/auth/oauth/{provider}/callback 409: the spec returns link conflicts through the redirect, so the callback answers 303 to return_to with ?heimdall_error=link_required or account_exists_with_different_provider
//
// # State
//
// One mutex guards the state; RSA signing, RSA verification and password
// hashing run outside it. Export writes the whole state, private signing
// keys included, as JSON; passwords, API keys, client and provider secrets,
// refresh tokens, one-time and recovery codes appear only as hashes (invite
// codes, TOTP secrets and webhook signing secrets cannot be, see above). Import checks a snapshot fully
// before swapping it in. Reset returns to the baseline: the bootstrap plus
// the fixtures given to SetBaseline, with the baseline's signing keys.
package heimdall
