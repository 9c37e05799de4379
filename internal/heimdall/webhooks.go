package heimdall

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// webhookRec is an app's outbound webhook config. The signing secret is
// kept in plaintext: every delivery is signed with it.
type webhookRec struct {
	ID                  string     `json:"id"`
	URL                 string     `json:"url"`
	EventTypes          []string   `json:"event_types"`
	Secret              string     `json:"signing_secret"`
	ConsecutiveFailures int        `json:"consecutive_failures"`
	DisabledAt          *time.Time `json:"disabled_at,omitempty"`
	DisabledReason      *string    `json:"disabled_reason,omitempty"`
	CreatedAt           time.Time  `json:"created_at"`
	UpdatedAt           time.Time  `json:"updated_at"`
}

// deliveryRec is one event on its way to the webhook URL.
type deliveryRec struct {
	ID            string          `json:"id"` // the event id
	EventType     string          `json:"event_type"`
	Payload       json.RawMessage `json:"payload"` // the exact body, signed per attempt
	Attempts      int             `json:"attempts"`
	NextAttemptAt time.Time       `json:"next_attempt_at"`
}

// attemptRec is one delivery attempt, as webhook/attempts lists it.
type attemptRec struct {
	Seq         int64      `json:"seq"`
	ID          string     `json:"id"`
	EventID     string     `json:"event_id"`
	EventType   string     `json:"event_type"`
	Number      int        `json:"attempt_number"`
	StatusCode  *int       `json:"status_code"`
	Error       *string    `json:"error_message"`
	LatencyMS   *int64     `json:"latency_ms"`
	AttemptedAt time.Time  `json:"attempted_at"`
	URL         string     `json:"url"`
	NextRetryAt *time.Time `json:"next_retry_at,omitempty"`
}

// Delivery policy. Retries wait webhookFirstRetry, doubling each time, on
// the mock clock; after webhookMaxAttempts the event is dropped.
const (
	webhookMaxAttempts     = 6
	webhookFirstRetry      = 30 * time.Second
	webhookDisableAfter    = 20 // failed attempts in a row before auto-disable
	webhookTick            = 50 * time.Millisecond
	maxWebhookAttemptsKept = 1_000
	// WebhookSignatureHeader carries t=<unix>,v1=<hex HMAC-SHA256 of
	// "<t>.<body>" keyed by the signing secret>.
	WebhookSignatureHeader = "X-Heimdall-Signature"
)

// webhookEventTypes are UpsertAppWebhookDto's event types.
var webhookEventTypes = []string{
	"user.signup", "user.signin", "user.contact_verified", "user.email_verified",
	"user.password_reset.requested", "user.password_reset.completed",
	"user.suspended", "user.deactivated", "user.reinstated", "user.role_changed", "user.deleted",
	"tenant.created", "tenant.updated", "tenant.deleted",
	"tenant.member.added", "tenant.member.removed", "tenant.member.role_changed",
	"app.slug_changed", "user.mfa.factor_enrolled", "user.mfa.factor_disabled",
	"user.mfa.recovery_code_used", "user.mfa.step_up_succeeded", "user.mfa.step_up_locked",
}

// webhookEvents maps an audit event to the webhook events it fires.
func webhookEvents(ev *auditRec) []string {
	switch ev.Action {
	case "user.signin":
		if ev.Details["mfa"] == "recovery_code" {
			return []string{"user.signin", "user.mfa.recovery_code_used"}
		}
		return []string{"user.signin"}
	case "user.signup", "user.role_changed", "user.deleted",
		"tenant.created", "tenant.updated", "tenant.deleted",
		"tenant.member.added", "tenant.member.removed", "tenant.member.role_changed":
		return []string{ev.Action}
	case "role.assigned":
		return []string{"user.role_changed"}
	case "contact.verified":
		if t, _ := ev.Details["type"].(string); t == "email" {
			return []string{"user.contact_verified", "user.email_verified"}
		}
		return []string{"user.contact_verified"}
	case "password_reset.code_issued":
		return []string{"user.password_reset.requested"}
	case "user.password_reset":
		return []string{"user.password_reset.completed"}
	case "user.status_changed":
		switch ev.Details["status"] {
		case "suspended":
			return []string{"user.suspended"}
		case "deactivated":
			return []string{"user.deactivated"}
		case "active":
			return []string{"user.reinstated"}
		}
	case "mfa.factor_enabled":
		return []string{"user.mfa.factor_enrolled"}
	case "mfa.factor_disabled":
		return []string{"user.mfa.factor_disabled"}
	case "mfa.step_up":
		if ev.Details["method"] == "recovery_code" {
			return []string{"user.mfa.step_up_succeeded", "user.mfa.recovery_code_used"}
		}
		return []string{"user.mfa.step_up_succeeded"}
	case "app.updated":
		if _, ok := ev.Details["previous_slug"]; ok {
			return []string{"app.slug_changed"}
		}
	}
	return nil
}

// Poster sends one webhook delivery over HTTP (httpapi.NewPoster), so the
// scheduler and its records stay free of net/http.
type Poster interface {
	Post(url string, body []byte, header map[string]string) (status int, err error)
	CloseIdle()
}

// errNoPoster is a delivery's error when the domain was made without a
// Poster: the attempt is recorded as failed rather than lost.
var errNoPoster = errors.New("webhooks: the mock was started without an HTTP client for deliveries")

// webhookLoop is the delivery scheduler: started on first use, stopped by
// Close. inflight keeps an attempt from starting twice; d.mu guards it.
type webhookLoop struct {
	start    sync.Once
	stop     chan struct{}
	closed   bool
	wg       sync.WaitGroup
	inflight map[string]bool
	post     Poster
}

// emitWebhook queues the webhook events an audit event fires. Caller holds
// d.mu.
func (d *Domain) emitWebhook(a *appRec, ev *auditRec) {
	wh := a.Webhook
	if wh == nil || wh.DisabledAt != nil {
		return
	}
	for _, typ := range webhookEvents(ev) {
		if !slices.Contains(wh.EventTypes, typ) {
			continue
		}
		data := map[string]any{}
		for k, v := range ev.Details {
			data[k] = v
		}
		data["actor_id"], data["resource_type"], data["resource_id"] = ev.ActorID, ev.ResourceType, ev.ResourceID
		if ev.SubjectID != "" {
			data["user_id"] = ev.SubjectID
		}
		id := "evt_" + randomHex(12)
		body, err := json.Marshal(map[string]any{
			"id": id, "type": typ, "created_at": ts(ev.CreatedAt),
			"app_id": a.ID, "app_slug": a.Slug, "data": data,
		})
		if err != nil { // details are our own plain values
			continue
		}
		a.Deliveries = append(a.Deliveries, &deliveryRec{ID: id, EventType: typ, Payload: body, NextAttemptAt: ev.CreatedAt})
		d.startWebhookLoop()
	}
}

// startWebhookLoop starts the scheduler once. Caller holds d.mu.
func (d *Domain) startWebhookLoop() {
	if d.hooks.closed {
		return
	}
	d.hooks.start.Do(func() {
		d.hooks.stop = make(chan struct{})
		d.hooks.inflight = map[string]bool{}
		d.hooks.post = d.poster
		d.hooks.wg.Add(1)
		go d.webhookLoop(d.hooks.stop)
	})
}

// Close stops the webhook scheduler and waits for deliveries in flight.
// The domain keeps answering requests; events are queued but no longer
// sent.
func (d *Domain) Close() {
	stop := update(d, func() chan struct{} {
		d.hooks.closed = true
		stop := d.hooks.stop
		d.hooks.stop = nil
		return stop
	})
	if stop != nil {
		close(stop)
	}
	d.hooks.wg.Wait()
	if post := read(d, func() Poster { return d.hooks.post }); post != nil {
		post.CloseIdle()
	}
}

func (d *Domain) webhookLoop(stop chan struct{}) {
	defer d.hooks.wg.Done()
	t := time.NewTicker(webhookTick)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			d.deliverDue()
		}
	}
}

// webhookJob is one attempt, copied out of the state so the HTTP call
// runs without d.mu.
type webhookJob struct {
	appID, url, secret, eventID, eventType string
	payload                                []byte
	number                                 int
}

// deliverDue starts every attempt whose time has come on the mock clock.
func (d *Domain) deliverDue() {
	var jobs []webhookJob
	update(d, func() error {
		if d.hooks.closed {
			return nil
		}
		now := d.now()
		for _, a := range d.st.Apps {
			wh := a.Webhook
			if wh == nil || wh.DisabledAt != nil {
				continue
			}
			for _, dl := range a.Deliveries {
				if d.hooks.inflight[dl.ID] || now.Before(dl.NextAttemptAt) {
					continue
				}
				d.hooks.inflight[dl.ID] = true
				jobs = append(jobs, webhookJob{
					appID: a.ID, url: wh.URL, secret: wh.Secret, eventID: dl.ID, eventType: dl.EventType,
					payload: dl.Payload, number: dl.Attempts + 1,
				})
			}
		}
		d.hooks.wg.Add(len(jobs))
		return nil
	})
	for _, j := range jobs {
		go func() {
			defer d.hooks.wg.Done()
			d.attempt(j)
		}()
	}
}

func (d *Domain) post(url string, body []byte, header map[string]string) (int, error) {
	if d.hooks.post == nil {
		return 0, errNoPoster
	}
	return d.hooks.post.Post(url, body, header)
}

// webhookSignature is the signature header value for body sent at t.
func webhookSignature(secret string, t int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	ts := strconv.FormatInt(t, 10)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// attempt sends one delivery and records its outcome.
func (d *Domain) attempt(j webhookJob) {
	sentAt := d.now()
	start := time.Now()
	code, err := d.post(j.url, j.payload, map[string]string{
		"Content-Type":         "application/json",
		"User-Agent":           "heimdall-mock-webhooks",
		"X-Heimdall-Event":     j.eventType,
		"X-Heimdall-Delivery":  j.eventID,
		WebhookSignatureHeader: webhookSignature(j.secret, sentAt.Unix(), j.payload),
	})
	var status *int
	var errMsg *string
	if err == nil {
		status = &code
		if code < 200 || code > 299 {
			errMsg = ptr("HTTP " + strconv.Itoa(code))
		}
	}
	if err != nil {
		errMsg = ptr(err.Error())
	}
	latency := time.Since(start).Milliseconds()

	update(d, func() error {
		delete(d.hooks.inflight, j.eventID)
		a := d.st.appByID[j.appID]
		if a == nil || a.Webhook == nil {
			return nil // reset, imported or removed meanwhile
		}
		i := slices.IndexFunc(a.Deliveries, func(x *deliveryRec) bool { return x.ID == j.eventID })
		if i < 0 {
			return nil
		}
		dl, wh, now := a.Deliveries[i], a.Webhook, d.now()
		at := &attemptRec{
			Seq: d.st.nextSeq(), ID: newID(), EventID: j.eventID, EventType: j.eventType, Number: j.number,
			StatusCode: status, Error: errMsg, LatencyMS: &latency, AttemptedAt: sentAt, URL: j.url,
		}
		dl.Attempts = j.number
		if errMsg == nil {
			wh.ConsecutiveFailures = 0
			a.Deliveries = slices.Delete(a.Deliveries, i, i+1)
		} else {
			wh.ConsecutiveFailures++
			if dl.Attempts >= webhookMaxAttempts {
				a.Deliveries = slices.Delete(a.Deliveries, i, i+1)
			} else {
				// From the attempt's own time, not from when its answer came
				// back: a clock moved meanwhile must not move the retry too.
				dl.NextAttemptAt = sentAt.Add(webhookFirstRetry << (dl.Attempts - 1))
				at.NextRetryAt = ptr(dl.NextAttemptAt)
			}
			if wh.ConsecutiveFailures >= webhookDisableAfter && wh.DisabledAt == nil {
				wh.DisabledAt, wh.DisabledReason = &now, ptr("consecutive_failures")
			}
		}
		a.Attempts = appendCapped(a.Attempts, at, maxWebhookAttemptsKept)
		return nil
	})
}

func webhookJSON(a *appRec, wh *webhookRec, withSecret bool) map[string]any {
	out := map[string]any{
		"id": wh.ID, "app_id": a.ID, "url": wh.URL, "event_types": append([]string{}, wh.EventTypes...),
		"signing_secret_hint": wh.Secret[len(wh.Secret)-4:], "disabled_at": tsPtr(wh.DisabledAt),
		"disabled_reason": wh.DisabledReason, "consecutive_failures": wh.ConsecutiveFailures,
		"created_at": ts(wh.CreatedAt), "updated_at": ts(wh.UpdatedAt),
	}
	if withSecret {
		out["signing_secret"] = wh.Secret
	}
	return out
}

func newWebhookSecret() string { return "whsec_" + randomToken(32) }

func noWebhook() *Error { return fail(statusNotFound, "No webhook configured") }

// getWebhook answers the config. With none configured the spec's text says
// null, but its schema is a non-nullable object, so the mock answers 404.
func (d *Domain) getWebhook(_ *Call, a *appRec, _ *apiKeyRec) *Reply {
	if a.Webhook == nil {
		return refuse(noWebhook())
	}
	return replyJSON(statusOK, webhookJSON(a, a.Webhook, false))
}

func (d *Domain) upsertWebhook(r *Call, a *appRec, k *apiKeyRec) *Reply {
	var in struct {
		URL        string   `json:"url"`
		EventTypes []string `json:"event_types"`
	}
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	var problems []string
	if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(in.URL) > 2048 {
		problems = append(problems, "url must be an http(s) URL of at most 2048 characters")
	}
	if len(in.EventTypes) == 0 {
		problems = append(problems, "event_types should not be empty")
	}
	for _, t := range in.EventTypes {
		if !slices.Contains(webhookEventTypes, t) {
			problems = append(problems, "event_types: unknown event type "+strconv.Quote(t))
		}
	}
	if len(problems) > 0 {
		return badRequest(problems...)
	}
	now := d.now()
	wh := a.Webhook
	if wh == nil {
		wh = &webhookRec{ID: newID(), CreatedAt: now}
		a.Webhook = wh
	}
	// Each upsert hands out a fresh secret: the response is the only place
	// a plaintext secret appears, and it must be usable.
	wh.URL, wh.Secret, wh.UpdatedAt = in.URL, newWebhookSecret(), now
	wh.EventTypes = slices.Compact(slices.Sorted(slices.Values(in.EventTypes)))
	wh.DisabledAt, wh.DisabledReason, wh.ConsecutiveFailures = nil, nil, 0
	d.startWebhookLoop()
	d.audit(a, "webhook.upserted", k.ID, "webhook", wh.ID, "", map[string]any{"url": wh.URL})
	return replyJSON(statusOK, webhookJSON(a, wh, true))
}

func (d *Domain) deleteWebhook(_ *Call, a *appRec, k *apiKeyRec) *Reply {
	if a.Webhook == nil {
		return refuse(noWebhook())
	}
	id := a.Webhook.ID
	a.Webhook, a.Deliveries = nil, nil
	d.audit(a, "webhook.deleted", k.ID, "webhook", id, "", nil)
	return noContent(statusNoContent)
}

func (d *Domain) rotateWebhookSecret(_ *Call, a *appRec, k *apiKeyRec) *Reply {
	wh := a.Webhook
	if wh == nil {
		return refuse(noWebhook())
	}
	wh.Secret, wh.UpdatedAt = newWebhookSecret(), d.now()
	d.audit(a, "webhook.secret_rotated", k.ID, "webhook", wh.ID, "", nil)
	return replyJSON(statusOK, webhookJSON(a, wh, true))
}

func (d *Domain) listWebhookAttempts(r *Call, a *appRec, _ *apiKeyRec) *Reply {
	limit := defaultLimit
	if s := strings.TrimSpace(r.Query("limit")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return badRequest("limit must be a positive integer")
		}
		limit = min(n, maxLimit)
	}
	out := make([]map[string]any, 0, min(limit, len(a.Attempts)))
	for i := len(a.Attempts) - 1; i >= 0 && len(out) < limit; i-- { // newest first
		at := a.Attempts[i]
		row := map[string]any{
			"id": at.ID, "event_id": at.EventID, "event_type": at.EventType, "attempt_number": at.Number,
			"status_code": at.StatusCode, "error_message": at.Error, "latency_ms": at.LatencyMS,
			"attempted_at": ts(at.AttemptedAt), "url": at.URL,
		}
		if at.NextRetryAt != nil {
			row["next_retry_at"] = ts(*at.NextRetryAt)
		}
		out = append(out, row)
	}
	return replyJSON(statusOK, out)
}
