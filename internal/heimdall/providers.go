package heimdall

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// knownProviders are the native sign-in providers, with their display names.
var knownProviders = map[string]string{"apple": "Apple", "google": "Google"}

// setNativeClient configures a provider, enabled, for one client id: the
// Apple service/bundle id or the Google OAuth client id.
func setNativeClient(a *appRec, provider, clientID string, now time.Time) {
	cfg := map[string]any{"client_id": clientID}
	if provider == "apple" {
		cfg = map[string]any{"service_id": clientID, "bundle_ids": []any{clientID}}
	}
	if p := a.provider(provider); p != nil {
		p.Config, p.Enabled, p.UpdatedAt = cfg, true, now
		return
	}
	a.Providers = append(a.Providers, &providerRec{Provider: provider, Enabled: true, Config: cfg, CreatedAt: now, UpdatedAt: now})
}

// isSecretField names the config fields that never leave the mock.
func isSecretField(name string) bool {
	return strings.Contains(name, "secret") || strings.Contains(name, "private_key")
}

// storeProviderConfig keeps secrets only as hashes, so exports hold none.
func storeProviderConfig(cfg map[string]any) map[string]any {
	out := make(map[string]any, len(cfg))
	for k, v := range cfg {
		if s, ok := v.(string); ok && isSecretField(k) && !strings.HasPrefix(s, "sha256:") {
			v = "sha256:" + tokenHash(s)
		}
		out[k] = v
	}
	return out
}

// publicConfig is the customer-safe view: each secret becomes
// <name>_present: true.
func publicConfig(cfg map[string]any) map[string]any {
	out := make(map[string]any, len(cfg))
	for k, v := range cfg {
		if isSecretField(k) {
			out[strings.TrimSuffix(k, "_pem")+"_present"] = true
			continue
		}
		out[k] = v
	}
	return out
}

// checkProviderConfig is the provider's parseConfig: the fields without
// which no token could be verified.
func checkProviderConfig(provider string, cfg map[string]any) string {
	str := func(k string) bool { s, ok := cfg[k].(string); return ok && s != "" }
	switch provider {
	case "apple":
		ids, _ := cfg["bundle_ids"].([]any)
		if !str("service_id") && len(ids) == 0 {
			return "apple config needs service_id or bundle_ids"
		}
		for _, id := range ids {
			if s, ok := id.(string); !ok || s == "" {
				return "bundle_ids must be non-empty strings"
			}
		}
	case "google":
		if !str("client_id") {
			return "google config needs client_id"
		}
	}
	return ""
}

func providerJSON(p *providerRec) map[string]any {
	return map[string]any{
		"provider": p.Provider, "enabled": p.Enabled, "config": publicConfig(p.Config),
		"created_at": ts(p.CreatedAt), "updated_at": ts(p.UpdatedAt),
	}
}

func unknownProvider() *Error {
	return fail(statusBadRequest, "Unknown provider id")
}

func (d *Domain) listProviders(_ *Call, a *appRec, _ *apiKeyRec) *Reply {
	names := slices.Sorted(maps.Keys(knownProviders))
	out := make([]map[string]any, 0, len(names))
	for _, name := range names {
		row := map[string]any{"provider": name, "display_name": knownProviders[name], "configured": false, "enabled": false, "updated_at": nil}
		if p := a.provider(name); p != nil {
			row["configured"], row["enabled"], row["updated_at"] = true, p.Enabled, ts(p.UpdatedAt)
		}
		out = append(out, row)
	}
	return replyJSON(statusOK, out)
}

// configuredProvider resolves {provider} to the app's config of it: 400
// for a provider the mock does not know, 404 for one not configured.
func configuredProvider(r *Call, a *appRec) (*providerRec, *Error) {
	name := r.Param(1)
	if knownProviders[name] == "" {
		return nil, unknownProvider()
	}
	p := a.provider(name)
	if p == nil {
		return nil, fail(statusNotFound, "Provider not configured for this app")
	}
	return p, nil
}

func (d *Domain) getProvider(r *Call, a *appRec, _ *apiKeyRec) *Reply {
	p, denied := configuredProvider(r, a)
	if denied != nil {
		return refuse(denied)
	}
	return replyJSON(statusOK, providerJSON(p))
}

type providerDTO struct {
	Config  map[string]any `json:"config"`
	Enabled *bool          `json:"enabled"`
}

func (d *Domain) upsertProvider(r *Call, a *appRec, k *apiKeyRec) *Reply {
	name := r.Param(1)
	if knownProviders[name] == "" {
		return refuse(unknownProvider())
	}
	var in providerDTO
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	if in.Config == nil {
		return badRequest("config must be an object")
	}
	if msg := checkProviderConfig(name, in.Config); msg != "" {
		return badRequest(msg)
	}
	now := d.now()
	p := a.provider(name)
	if p == nil {
		p = &providerRec{Provider: name, CreatedAt: now}
		a.Providers = append(a.Providers, p)
	}
	// A new config starts disabled unless enabled is sent, as the spec
	// advises: verify end to end first, then flip it on.
	p.Config, p.Enabled, p.UpdatedAt = storeProviderConfig(in.Config), in.Enabled != nil && *in.Enabled, now
	d.audit(a, "provider.upserted", k.ID, "provider", name, "", map[string]any{"enabled": p.Enabled})
	return replyJSON(statusOK, providerJSON(p))
}

func (d *Domain) patchProvider(r *Call, a *appRec, k *apiKeyRec) *Reply {
	p, denied := configuredProvider(r, a)
	if denied != nil {
		return refuse(denied)
	}
	var in providerDTO
	if err := r.Decode(&in); err != nil {
		return badRequest(err.Error())
	}
	merged := maps.Clone(p.Config)
	maps.Copy(merged, in.Config)
	if msg := checkProviderConfig(p.Provider, merged); msg != "" {
		return badRequest(msg)
	}
	p.Config = storeProviderConfig(merged)
	if in.Enabled != nil {
		p.Enabled = *in.Enabled
	}
	p.UpdatedAt = d.now()
	d.audit(a, "provider.updated", k.ID, "provider", p.Provider, "", map[string]any{"enabled": p.Enabled})
	return replyJSON(statusOK, providerJSON(p))
}

func (d *Domain) deleteProvider(r *Call, a *appRec, k *apiKeyRec) *Reply {
	name := r.Param(1)
	if knownProviders[name] == "" {
		return refuse(unknownProvider())
	}
	if a.provider(name) != nil {
		a.Providers = slices.DeleteFunc(a.Providers, func(p *providerRec) bool { return p.Provider == name })
		d.audit(a, "provider.deleted", k.ID, "provider", name, "", nil)
	}
	return noContent(statusNoContent)
}
