package heimdall

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/heimdall-mock/heimdall-mock/internal/clock"
	"github.com/heimdall-mock/heimdall-mock/internal/fixtures"
	"github.com/heimdall-mock/heimdall-mock/internal/idp"
	"github.com/heimdall-mock/heimdall-mock/internal/keys"
)

// Options configure a Domain.
type Options struct {
	Clock     *clock.Clock // every iat/exp/expiry reads Clock.Now(); nil: a wall clock
	Pool      *keys.Pool   // RSA keys for new apps and rotations; nil: keys.SharedPool()
	PublicURL string       // base URL of issuers and links; "": "http://" + request Host
	// Limits cap audit rows, outbox and sessions (zero: DefaultLimits).
	Limits Limits
	// Names are further host names of this mock (the listen host, names
	// given by --allow-host); tokens issued under them are its own.
	Names []string
	// Webhooks sends webhook deliveries (httpapi.NewPoster); nil: every
	// attempt fails, recorded as such.
	Webhooks Poster
}

// Bootstrap is the fixed state every fresh (or reset) mock starts from, so
// a newcomer can call it without setting anything up.
type Bootstrap struct {
	WorkspaceID    string `json:"workspace_id"`
	APIKey         string `json:"api_key"`
	AppID          string `json:"app_id"`
	AppSlug        string `json:"app_slug"`
	AppleClientID  string `json:"apple_client_id"`
	GoogleClientID string `json:"google_client_id"`
}

// The bootstrap values. They are fixed (and documented in the package doc)
// so scripts and docs can hard-code them.
const (
	BootstrapWorkspaceID    = "00000000-0000-4000-8000-00000000a001"
	BootstrapOwnerID        = "00000000-0000-4000-8000-00000000a002"
	BootstrapAppID          = "00000000-0000-4000-8000-00000000a003"
	BootstrapAPIKeyID       = "00000000-0000-4000-8000-00000000a004"
	BootstrapAPIKey         = "pcft_test_mock0000000000000000000000000000"
	BootstrapAppSlug        = "demo"
	BootstrapAppleClientID  = "com.example.demo"
	BootstrapGoogleClientID = "demo-client.apps.googleusercontent.com"
)

// legacyIssuer is the iss tokens carried before per-app issuers; verify
// still accepts it, as the SDK does.
const legacyIssuer = "heimdall"

// accessTTL is the access-token lifetime (capped by the session length).
const accessTTL = time.Hour

// Code lifetimes.
const (
	verificationTTL  = 24 * time.Hour
	passwordResetTTL = time.Hour
	lockoutDuration  = 15 * time.Minute
)

// systemPermissions is the catalog every app is provisioned with; owner and
// admin hold all of it, member none.
var systemPermissions = []string{
	"user.read", "user.create", "user.update", "user.delete",
	"role.read", "role.create", "role.update", "role.delete", "role.assign",
	"permission.read", "permission.create", "permission.delete",
	"session.revoke",
}

var systemRoles = []string{"owner", "admin", "member"}

// Domain is the stateful identity core: apps, end users, sessions, roles,
// keys and the mail outbox, behind one mutex. Slow work (RSA signing and
// verification, password hashing) happens outside the mutex.
type Domain struct {
	clock     *clock.Clock
	pool      *keys.Pool
	publicURL string
	names     []string
	poster    Poster
	limits    Limits

	mu       sync.Mutex
	st       *state
	baseline []byte // the snapshot Reset returns to
	hooks    webhookLoop
	// platformKS signs the platform user tokens /__mock/tokens mints.
	platformKS platformKeys

	// newKeystore makes a new app's keystore; nil draws a key from pool.
	// Benchmarks set it to hand out ready keys, since generating keys is
	// the pool's background work, not the cost of a request.
	newKeystore func(now time.Time) *keys.Keystore
}

// New returns a domain holding the bootstrap state.
func New(opts Options) *Domain {
	d := &Domain{clock: opts.Clock, pool: opts.Pool, poster: opts.Webhooks, publicURL: strings.TrimRight(opts.PublicURL, "/"), limits: opts.Limits.withDefaults()}
	for _, n := range opts.Names {
		if n != "" && n != "*" && n != "0.0.0.0" && n != "::" {
			d.names = append(d.names, n)
		}
	}
	if d.clock == nil {
		d.clock = clock.New()
	}
	if d.pool == nil {
		d.pool = keys.SharedPool()
	}
	d.st = d.bootstrapState()
	// The baseline is encoded beside the rest of a start (the router
	// compiling, the listener opening) rather than before it: it was half
	// of building the domain, which a start waits for. Nothing reads or
	// changes the state before its baseline exists.
	updateAside(d, func() {
		snap, err := encodeState(d.st)
		if err != nil {
			// Only our own plain types are encoded; failing here is a bug.
			panic(fmt.Sprintf("heimdall: encoding the bootstrap state: %v", err))
		}
		d.baseline = snap
	})
	return d
}

// Bootstrap returns the fixed bootstrap identifiers.
func (d *Domain) Bootstrap() Bootstrap {
	return Bootstrap{
		WorkspaceID: BootstrapWorkspaceID, APIKey: BootstrapAPIKey,
		AppID: BootstrapAppID, AppSlug: BootstrapAppSlug,
		AppleClientID: BootstrapAppleClientID, GoogleClientID: BootstrapGoogleClientID,
	}
}

func (d *Domain) now() time.Time { return d.clock.Now() }

// Now is the mock clock's time, which codes and tokens expire by.
func (d *Domain) Now() time.Time { return d.now() }

// ValidEmail is the domain's rule for an address, for pages that should
// accept what sign-up would.
func (d *Domain) ValidEmail(s string) bool { return validEmail(s) }

func (d *Domain) bootstrapState() *state {
	now := d.now()
	st := &state{WorkspaceID: BootstrapWorkspaceID, OwnerID: BootstrapOwnerID}
	st.idps = idp.NewSet(d.pool, now)
	st.reindex()
	a := d.newApp(st, BootstrapAppID, BootstrapAppSlug, "Demo", BootstrapOwnerID, now, nil)
	setNativeClient(a, "apple", BootstrapAppleClientID, now)
	setNativeClient(a, "google", BootstrapGoogleClientID, now)
	// Mail is on in the bootstrap app so signup and the send-* calls fill
	// the outbox without any setup.
	a.Notify.Enabled = true
	a.Notify.Sender = ptr("no-reply@demo.example.com")
	a.Notify.VerificationTemplate = ptr("verification")
	a.Notify.PasswordResetTemplate = ptr("password-reset")
	a.Notify.MFATemplate = ptr("mfa-code")
	k := &apiKeyRec{
		Seq: st.nextSeq(), ID: BootstrapAPIKeyID, Name: "bootstrap owner key",
		Prefix: BootstrapAPIKey[:14], Hash: tokenHash(BootstrapAPIKey), Owner: true,
		Permissions: []string{"*"}, CreatedAt: now,
	}
	st.APIKeys = append(st.APIKeys, k)
	st.keyByHash[k.Hash] = k
	return st
}

// keystore makes a new app's keystore.
func (d *Domain) keystore(now time.Time) *keys.Keystore {
	if d.newKeystore != nil {
		return d.newKeystore(now)
	}
	return keys.NewKeystore(d.pool, now)
}

// newApp provisions an app (keystore, system roles and permissions) into
// st. ks is the app's keystore; nil makes one (which may wait for a key).
func (d *Domain) newApp(st *state, id, slug, name, createdBy string, now time.Time, ks *keys.Keystore) *appRec {
	if ks == nil {
		ks = d.keystore(now)
	}
	a := &appRec{
		Seq: st.nextSeq(), ID: id, Slug: slug, DisplayName: name, WorkspaceID: st.WorkspaceID,
		CreatedBy: createdBy, Status: "active", Metadata: map[string]any{},
		CreatedAt: now, UpdatedAt: now, Config: defaultAuthConfig(),
		Notify:   notifySettings{CreatedAt: now, UpdatedAt: now},
		keystore: ks,
	}
	a.reindex()
	for _, key := range systemPermissions {
		res, act, _ := strings.Cut(key, ".")
		p := &permRec{Seq: st.nextSeq(), ID: newID(), Resource: res, Action: act, IsSystem: true, CreatedAt: now}
		a.Permissions = append(a.Permissions, p)
		a.permByKey[key] = p
	}
	for _, name := range systemRoles {
		r := &roleRec{Seq: st.nextSeq(), ID: newID(), Name: name, IsSystem: true, Permissions: []string{}, CreatedAt: now, UpdatedAt: now}
		if name != "member" {
			r.Permissions = append(r.Permissions, systemPermissions...)
		}
		a.Roles = append(a.Roles, r)
		a.roleByName[name] = r
	}
	st.Apps = append(st.Apps, a)
	st.appByID[a.ID] = a
	st.appBySlug[a.Slug] = a
	return a
}

// Reset returns to the baseline: bootstrap plus startup fixtures, with the
// baseline's signing keys, so tokens minted against the baseline verify
// again and nothing created since survives.
func (d *Domain) Reset() {
	update(d, func() error {
		st, err := decodeState(d.baseline, d.pool)
		if err != nil {
			panic(fmt.Sprintf("heimdall: the baseline snapshot does not decode: %v", err))
		}
		d.st = st
		return nil
	})
}

// SetBaseline applies doc on top of the bootstrap state and makes the
// result what Reset returns to. The current state is replaced by it.
func (d *Domain) SetBaseline(doc *fixtures.Document) error {
	if doc == nil {
		return fmt.Errorf("heimdall: nil fixture document")
	}
	if err := doc.Validate(); err != nil {
		return err
	}
	st := d.bootstrapState()
	hashes := fixtureHashes(doc)
	return update(d, func() error {
		if _, err := d.applyFixtures(st, doc, hashes); err != nil {
			return err
		}
		snap, err := encodeState(st)
		if err != nil {
			return err
		}
		d.baseline, d.st = snap, st
		return nil
	})
}

// ApplyFixtures adds doc to the current state and returns the ids it
// created, by app slug. Nothing is applied when any part conflicts.
func (d *Domain) ApplyFixtures(doc *fixtures.Document) (map[string]any, error) {
	if doc == nil {
		return nil, fmt.Errorf("heimdall: nil fixture document")
	}
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	hashes := fixtureHashes(doc)
	var ids map[string]any
	err := update(d, func() (err error) {
		ids, err = d.applyFixtures(d.st, doc, hashes)
		return err
	})
	return ids, err
}

// Export returns the whole state, signing keys included, as JSON.
// Passwords, API keys, client and provider secrets, refresh tokens,
// one-time and recovery codes appear only as hashes. Invite codes and TOTP
// secrets are kept as they are: the API lists the one and must check codes
// against the other.
func (d *Domain) Export() (json.RawMessage, error) {
	var out json.RawMessage
	err := read(d, func() (err error) {
		out, err = encodeState(d.st)
		return err
	})
	return out, err
}

// ExportTo streams what Export returns to w, one record at a time, so a
// big state is never held as one document. The state is locked while it
// writes: give it a local file or a buffer, not a slow network peer.
func (d *Domain) ExportTo(w io.Writer) error {
	return read(d, func() error {
		return exportState(w, d.st)
	})
}

// Import replaces the state with a snapshot from Export. The snapshot is
// checked and fully built before the swap, so a bad one changes nothing.
func (d *Domain) Import(raw json.RawMessage) error {
	commit, err := d.prepareImport(raw)
	if err != nil {
		return err
	}
	commit()
	return nil
}

// prepareImport builds the whole state from a snapshot and returns the
// swap that installs it, so the control plane can check every part of a
// snapshot before it changes any.
func (d *Domain) prepareImport(raw json.RawMessage) (commit func(), err error) {
	st, err := decodeState(raw, d.pool)
	if err != nil {
		return nil, err
	}
	return func() {
		update(d, func() error {
			d.st = st
			return nil
		})
	}, nil
}

// baseURL is where the mock is reached from, for issuers and links.
func (d *Domain) baseURL(o Origin) string { return d.baseURLAt(o) }

func (d *Domain) issuer(o Origin, slug string) string { return d.baseURL(o) + "/" + slug }

// acceptedIssuers is issuersAt for an origin.
func (d *Domain) acceptedIssuers(o Origin, slug string, legacy bool) []string {
	return d.issuersAt(o, slug, legacy)
}

// consumerApp resolves the app of a consumer route. Caller holds d.mu.
func (d *Domain) consumerApp(slug string) (*appRec, *Error) {
	if strings.HasPrefix(slug, "__") {
		return nil, fail(statusBadRequest, "App slugs beginning with __ are reserved")
	}
	a := d.st.appBySlug[slug]
	if a == nil {
		return nil, fail(statusNotFound, "App not found")
	}
	if a.Status != "active" {
		return nil, failCode(statusForbidden, "app_"+a.Status, "App is "+a.Status)
	}
	return a, nil
}

// apiKey authenticates a platform API key. Caller holds d.mu.
func (d *Domain) apiKey(r *Call) (*apiKeyRec, *Error) {
	tok := r.Bearer()
	if tok == "" {
		return nil, fail(statusUnauthorized, "Missing bearer token")
	}
	if c := callerOf(r); c != nil {
		return c, nil
	}
	k := d.st.keyByHash[tokenHash(tok)]
	if k == nil {
		return nil, fail(statusUnauthorized, "Invalid API key")
	}
	now := d.now()
	k.LastUsedAt = &now
	return k, nil
}

// pakFor authenticates an API key that must hold perm on app. Caller holds d.mu.
func (d *Domain) pakFor(r *Call, a *appRec, perm string) (*apiKeyRec, *Error) {
	k, denied := d.apiKey(r)
	if denied != nil {
		return nil, denied
	}
	if !k.allows(a, perm) {
		msg := "API key may not act on this app"
		if perm != "" {
			msg = "API key lacks " + perm + " on this app"
		}
		return nil, fail(statusForbidden, msg)
	}
	return k, nil
}

// audit records an event. Caller holds d.mu.
func (d *Domain) audit(a *appRec, action, actor, resType, resID, subject string, details map[string]any) {
	ev := &auditRec{
		Seq: d.st.nextSeq(), ID: newID(), Action: action,
		ActorID: strPtrOrNil(actor), ResourceType: strPtrOrNil(resType), ResourceID: strPtrOrNil(resID),
		Details: details, SubjectID: subject, CreatedAt: d.now(),
	}
	a.addAudit(ev, d.limits.AuditPerApp)
	d.st.auditCount++
	if d.st.auditCount > d.limits.AuditTotal+d.limits.AuditTotal/8 {
		d.trimAuditTotal()
	}
	d.emitWebhook(a, ev)
}

// Limits are the retention caps that keep a long-running mock's memory
// flat: past a cap the oldest rows go. Lists page by position, so trimming
// the oldest rows never breaks a cursor. Zero fields take the defaults.
type Limits struct {
	AuditPerApp    int // audit events kept per app (default 100 000, about 22 MB)
	AuditTotal     int // audit events kept over all apps (default 400 000)
	Outbox         int // mails kept, all apps together (default 1 000)
	SessionsPerApp int // live sessions per app, oldest revoked first (default 100 000)
	UsersPerApp    int // users per app; more are refused with 507 (default 100 000)
}

// DefaultLimits are the caps used for zero Limits fields.
var DefaultLimits = Limits{AuditPerApp: 100_000, AuditTotal: 400_000, Outbox: 1_000, SessionsPerApp: 100_000, UsersPerApp: 100_000}

func (l Limits) withDefaults() Limits {
	def := DefaultLimits
	if l.AuditPerApp <= 0 {
		l.AuditPerApp = def.AuditPerApp
	}
	if l.AuditTotal <= 0 {
		l.AuditTotal = def.AuditTotal
	}
	if l.Outbox <= 0 {
		l.Outbox = def.Outbox
	}
	if l.SessionsPerApp <= 0 {
		l.SessionsPerApp = def.SessionsPerApp
	}
	if l.UsersPerApp <= 0 {
		l.UsersPerApp = def.UsersPerApp
	}
	return l
}

// maxRefreshHashes is how many rotated-out refresh tokens a session
// remembers (to detect reuse).
const maxRefreshHashes = 1_000

// trimAuditTotal cuts every app's log by the same share so that all apps
// together hold AuditTotal events. Caller holds d.mu.
func (d *Domain) trimAuditTotal() {
	total := 0
	for _, a := range d.st.Apps {
		total += len(a.Audit)
	}
	if total > d.limits.AuditTotal {
		for _, a := range d.st.Apps {
			keep := int(int64(len(a.Audit)) * int64(d.limits.AuditTotal) / int64(total))
			if drop := len(a.Audit) - keep; drop > 0 {
				a.Audit = append([]*auditRec(nil), a.Audit[drop:]...)
				a.reindexAudit()
			}
		}
		total = d.limits.AuditTotal
	}
	d.st.auditCount = total
}

// appendCapped appends v and, once the list exceeds limit by an eighth,
// drops the oldest entries down to limit: trimming in batches keeps the
// append amortised O(1) instead of a copy per call.
func appendCapped[T any](list []T, v T, limit int) []T {
	list = append(list, v)
	if len(list) > limit+max(1, limit/8) {
		list = append(make([]T, 0, limit+limit/8+1), list[len(list)-limit:]...)
	}
	return list
}

// badRequest is the class-validator style 400: one message per broken rule.
func badRequest(msgs ...string) *Reply {
	return refuse(invalid(msgs...))
}
