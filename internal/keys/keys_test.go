package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	testIssuer   = "https://auth.example.test"
	testAudience = "app_123"
)

func baseClaims(now time.Time) map[string]any {
	return map[string]any{
		"sub": "user_1",
		"iss": testIssuer,
		"aud": testAudience,
		"iat": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
}

func strictExpect(now time.Time) Expect {
	return Expect{Issuers: []string{testIssuer}, Audience: testAudience, Now: now}
}

func mustSign(t *testing.T, ks *Keystore, claims map[string]any) string {
	t.Helper()
	token, err := ks.Sign(claims)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return token
}

func b64(data []byte) string { return base64.RawURLEncoding.EncodeToString(data) }

func b64JSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b64(data)
}

// signRaw builds a compact JWS with an arbitrary header, signed PKCS #1 v1.5
// SHA-256 with priv; it lets tests forge what the keystore never emits.
func signRaw(t *testing.T, priv *rsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	input := b64JSON(t, header) + "." + b64JSON(t, claims)
	sig := rawRS256(t, priv, input)
	return input + "." + b64(sig)
}

func rawRS256(t *testing.T, priv *rsa.PrivateKey, input string) []byte {
	t.Helper()
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(nil, priv, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestSignVerifyRoundTrip(t *testing.T) {
	ks := NewKeystore(nil, t0)
	claims := baseClaims(t0)
	claims["email"] = "a@example.test"
	token := mustSign(t, ks, claims)

	header, _, err := DecodeUnverified(token)
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := map[string]any{"alg": "RS256", "typ": "JWT", "kid": ks.CurrentKID()}
	if diff := cmp.Diff(wantHeader, header); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if !strings.HasPrefix(ks.CurrentKID(), "rs256-") || len(ks.CurrentKID()) <= len("rs256-") {
		t.Errorf("kid %q should be rs256-<random id>", ks.CurrentKID())
	}

	got, err := ks.Verify(token, strictExpect(t0.Add(time.Minute)))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	want := map[string]any{
		"sub": "user_1", "iss": testIssuer, "aud": testAudience, "email": "a@example.test",
		"iat": float64(t0.Unix()), "exp": float64(t0.Add(time.Hour).Unix()),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
}

func TestKeystoresGetDistinctKeysAndKIDs(t *testing.T) {
	a, b := NewKeystore(nil, t0), NewKeystore(nil, t0)
	if a.CurrentKID() == b.CurrentKID() {
		t.Errorf("two keystores share kid %q", a.CurrentKID())
	}
	if a.Keys()[0].Private.Equal(b.Keys()[0].Private) {
		t.Error("two keystores share a private key")
	}
}

func TestSignTimeClaims(t *testing.T) {
	ks := NewKeystore(nil, t0)
	claims := map[string]any{"sub": "u", "iat": t0, "exp": new(t0.Add(time.Hour))}
	token := mustSign(t, ks, claims)
	if _, ok := claims["iat"].(time.Time); !ok {
		t.Error("Sign modified the caller's claims map")
	}
	_, decoded, err := DecodeUnverified(token)
	if err != nil {
		t.Fatal(err)
	}
	if decoded["iat"] != float64(t0.Unix()) || decoded["exp"] != float64(t0.Add(time.Hour).Unix()) {
		t.Errorf("time claims not encoded as seconds: iat=%v exp=%v", decoded["iat"], decoded["exp"])
	}

	for _, bad := range []map[string]any{
		{"exp": "2026-03-01T12:00:00Z"},
		{"nbf": true},
		{"iat": (*time.Time)(nil)},
	} {
		if _, err := ks.Sign(bad); err == nil {
			t.Errorf("Sign(%v) accepted a non-numeric time claim", bad)
		}
	}
	if _, err := ks.Sign(map[string]any{"x": make(chan int)}); err == nil {
		t.Error("Sign accepted a claim that cannot be JSON encoded")
	}
}

func TestJWKSJSONIsRFC7517(t *testing.T) {
	ks := NewKeystore(nil, t0)
	ks.Rotate(t0.Add(time.Hour))
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal(ks.JWKSJSON(), &set); err != nil {
		t.Fatalf("JWKS is not JSON: %v", err)
	}
	if len(set.Keys) != 2 {
		t.Fatalf("JWKS has %d keys, want 2", len(set.Keys))
	}
	for i, key := range set.Keys {
		for field, want := range map[string]string{"kty": "RSA", "alg": "RS256", "use": "sig", "e": "AQAB"} {
			if key[field] != want {
				t.Errorf("key %d: %s = %v, want %q", i, field, key[field], want)
			}
		}
		if key["kid"] != ks.Keys()[i].KID {
			t.Errorf("key %d: kid %v, want %q (newest first)", i, key["kid"], ks.Keys()[i].KID)
		}
		n, _ := key["n"].(string)
		modulus, err := base64.RawURLEncoding.DecodeString(n)
		if err != nil || len(modulus) != 256 {
			t.Errorf("key %d: n is not a base64url 2048-bit modulus (%d bytes, err %v)", i, len(modulus), err)
		}
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if _, leaked := key[private]; leaked {
				t.Errorf("key %d: JWKS publishes private member %q", i, private)
			}
		}
	}
}

func TestJWKSJSONIsACopy(t *testing.T) {
	ks := NewKeystore(nil, t0)
	first := ks.JWKSJSON()
	first[0] = 'X'
	if ks.JWKSJSON()[0] != '{' {
		t.Error("modifying a returned JWKS changed the keystore's cached encoding")
	}
}

// A relying party holds only the published JWKS; go-jose's own JWT
// verifier must accept the token from it.
func TestGoJoseVerifiesFromJWKSAlone(t *testing.T) {
	ks := NewKeystore(nil, t0)
	token := mustSign(t, ks, baseClaims(t0))

	var set jose.JSONWebKeySet
	if err := json.Unmarshal(ks.JWKSJSON(), &set); err != nil {
		t.Fatal(err)
	}
	parsed, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	kid := parsed.Headers[0].KeyID
	candidates := set.Key(kid)
	if len(candidates) != 1 {
		t.Fatalf("JWKS has %d keys for kid %q", len(candidates), kid)
	}
	var claims jwt.Claims
	if err := parsed.Claims(candidates[0], &claims); err != nil {
		t.Fatalf("go-jose rejected the signature: %v", err)
	}
	err = claims.Validate(jwt.Expected{Issuer: testIssuer, AnyAudience: jwt.Audience{testAudience}, Time: t0.Add(time.Minute)})
	if err != nil {
		t.Errorf("go-jose rejected the claims: %v", err)
	}
}

func TestRotationKeepsOldTokensVerifying(t *testing.T) {
	ks := NewKeystore(nil, t0)
	oldKID := ks.CurrentKID()
	oldJWKS := ks.JWKSJSON()
	oldToken := mustSign(t, ks, baseClaims(t0))

	rotatedAt := t0.Add(10 * time.Minute)
	newKID := ks.Rotate(rotatedAt)
	if newKID == oldKID || ks.CurrentKID() != newKID {
		t.Fatalf("Rotate returned %q, current %q, old %q", newKID, ks.CurrentKID(), oldKID)
	}
	newToken := mustSign(t, ks, baseClaims(rotatedAt))
	if header, _, _ := DecodeUnverified(newToken); header["kid"] != newKID {
		t.Errorf("token after rotation has kid %v, want %q", header["kid"], newKID)
	}
	for name, token := range map[string]string{"old": oldToken, "new": newToken} {
		if _, err := ks.Verify(token, strictExpect(rotatedAt)); err != nil {
			t.Errorf("%s token: %v", name, err)
		}
	}

	keys := ks.Keys()
	if len(keys) != 2 || keys[0].KID != newKID || keys[1].KID != oldKID {
		t.Fatalf("Keys() not newest first: %+v", keys)
	}
	if keys[0].RetiredAt != nil || !keys[0].CreatedAt.Equal(rotatedAt) {
		t.Errorf("new key: created %v retired %v", keys[0].CreatedAt, keys[0].RetiredAt)
	}
	if keys[1].RetiredAt == nil || !keys[1].RetiredAt.Equal(rotatedAt) {
		t.Errorf("old key retired at %v, want %v", keys[1].RetiredAt, rotatedAt)
	}
	*keys[1].RetiredAt = time.Time{}
	if ks.Keys()[1].RetiredAt.IsZero() {
		t.Error("Keys() exposes the keystore's own RetiredAt")
	}
	if string(ks.JWKSJSON()) == string(oldJWKS) || len(ks.JWKS().Keys) != 2 {
		t.Error("JWKS not republished after rotation")
	}

	// A retired key can still sign on request, for tests of pre-rotation tokens.
	signedOld, err := ks.SignWith(oldKID, baseClaims(rotatedAt))
	if err != nil {
		t.Fatal(err)
	}
	if header, _, _ := DecodeUnverified(signedOld); header["kid"] != oldKID {
		t.Errorf("SignWith used kid %v, want %q", header["kid"], oldKID)
	}
	if _, err := ks.SignWith("rs256-nope", baseClaims(t0)); err == nil {
		t.Error("SignWith accepted an unknown kid")
	}
}

func TestVerifyRejections(t *testing.T) {
	ks := NewKeystore(nil, t0)
	kid := ks.CurrentKID()
	priv := ks.Keys()[0].Private
	now := t0.Add(time.Minute)
	valid := mustSign(t, ks, baseClaims(t0))
	parts := strings.Split(valid, ".")

	with := func(change func(map[string]any)) string {
		claims := baseClaims(t0)
		change(claims)
		return mustSign(t, ks, claims)
	}
	rs256Header := map[string]any{"alg": "RS256", "typ": "JWT", "kid": kid}

	tamperedClaims := baseClaims(t0)
	tamperedClaims["sub"] = "admin"
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[10] ^= 0x01

	publicDER, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	publicPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: publicDER})
	hsInput := b64JSON(t, map[string]any{"alg": "HS256", "typ": "JWT", "kid": kid}) + "." + parts[1]
	mac := hmac.New(sha256.New, publicPEM)
	mac.Write([]byte(hsInput))
	hs256 := hsInput + "." + b64(mac.Sum(nil))

	rs512Signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS512, Key: jose.JSONWebKey{Key: priv, KeyID: kid}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs512JWS, err := rs512Signer.Sign([]byte(`{"sub":"user_1"}`))
	if err != nil {
		t.Fatal(err)
	}
	rs512, _ := rs512JWS.CompactSerialize()

	cases := []struct {
		name   string
		token  string
		expect Expect
		reason string
	}{
		{"expired", with(func(c map[string]any) { c["exp"] = now.Add(-time.Second).Unix() }), strictExpect(now), ReasonExpired},
		{"expires at exactly now", with(func(c map[string]any) { c["exp"] = now.Unix() }), strictExpect(now), ReasonExpired},
		{"nbf in the future", with(func(c map[string]any) { c["nbf"] = now.Add(time.Minute).Unix() }), strictExpect(now), ReasonNotYetValid},
		{"wrong iss", with(func(c map[string]any) { c["iss"] = "https://evil.test" }), strictExpect(now), ReasonIssuer},
		{"missing iss", with(func(c map[string]any) { delete(c, "iss") }), strictExpect(now), ReasonIssuer},
		{"wrong aud", with(func(c map[string]any) { c["aud"] = "app_other" }), strictExpect(now), ReasonAudience},
		{"aud array without ours", with(func(c map[string]any) { c["aud"] = []string{"a", "b"} }), strictExpect(now), ReasonAudience},
		{"missing aud when required", with(func(c map[string]any) { delete(c, "aud") }), strictExpect(now), ReasonAudience},
		{"unknown kid", signRaw(t, priv, map[string]any{"alg": "RS256", "typ": "JWT", "kid": "rs256-unknown"}, baseClaims(t0)), strictExpect(now), ReasonUnknownKey},
		{"no kid", signRaw(t, priv, map[string]any{"alg": "RS256", "typ": "JWT"}, baseClaims(t0)), strictExpect(now), ReasonUnknownKey},
		{"tampered payload", parts[0] + "." + b64JSON(t, tamperedClaims) + "." + parts[2], strictExpect(now), ReasonSignature},
		{"tampered signature", parts[0] + "." + parts[1] + "." + b64(sig), strictExpect(now), ReasonSignature},
		{"signature stripped", parts[0] + "." + parts[1] + ".", strictExpect(now), ReasonSignature},
		{"alg none", b64JSON(t, map[string]any{"alg": "none", "typ": "JWT", "kid": kid}) + "." + parts[1] + ".", strictExpect(now), ReasonAlgorithm},
		{"alg NONE", b64JSON(t, map[string]any{"alg": "NONE", "kid": kid}) + "." + parts[1] + ".", strictExpect(now), ReasonAlgorithm},
		{"HS256 keyed with the public key PEM", hs256, strictExpect(now), ReasonAlgorithm},
		{"RS512", rs512, Expect{Now: now}, ReasonAlgorithm},
		{"no alg", signRaw(t, priv, map[string]any{"typ": "JWT", "kid": kid}, baseClaims(t0)), strictExpect(now), ReasonAlgorithm},
		{"garbage", "not a token", strictExpect(now), ReasonMalformed},
		{"empty", "", strictExpect(now), ReasonMalformed},
		{"four parts", valid + ".x", strictExpect(now), ReasonMalformed},
		{"header not base64", "%%%." + parts[1] + "." + parts[2], strictExpect(now), ReasonMalformed},
		{"header not JSON", b64([]byte("nope")) + "." + parts[1] + "." + parts[2], strictExpect(now), ReasonMalformed},
		{"payload not base64", parts[0] + ".%%%." + parts[2], strictExpect(now), ReasonMalformed},
		{"payload not an object", signRawPayload(t, priv, rs256Header, []byte(`[1,2]`)), strictExpect(now), ReasonMalformed},
		{"exp not a number", signRaw(t, priv, rs256Header, map[string]any{"exp": "tomorrow"}), Expect{Now: now}, ReasonMalformed},
		{"aud neither string nor array", signRaw(t, priv, rs256Header, map[string]any{"aud": 7}), Expect{Now: now, Audience: testAudience}, ReasonMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			claims, err := ks.Verify(tc.token, tc.expect)
			if err == nil {
				t.Fatalf("accepted, claims %v", claims)
			}
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("error %T (%v) is not a *VerifyError", err, err)
			}
			if ve.Reason != tc.reason {
				t.Errorf("reason %q (%v), want %q", ve.Reason, err, tc.reason)
			}
			if ve.Detail == "" || err.Error() != "token "+ve.Reason+": "+ve.Detail {
				t.Errorf("Error() = %q", err.Error())
			}
			if claims != nil {
				t.Errorf("rejected token still returned claims %v", claims)
			}
		})
	}
}

func signRawPayload(t *testing.T, priv *rsa.PrivateKey, header map[string]any, payload []byte) string {
	t.Helper()
	input := b64JSON(t, header) + "." + b64(payload)
	return input + "." + b64(rawRS256(t, priv, input))
}

func TestVerifyAccepts(t *testing.T) {
	ks := NewKeystore(nil, t0)
	now := t0.Add(time.Minute)
	cases := []struct {
		name   string
		change func(map[string]any)
		expect Expect
	}{
		{"aud array containing ours", func(c map[string]any) { c["aud"] = []string{"other", testAudience} }, strictExpect(now)},
		{"no aud when none required", func(c map[string]any) { delete(c, "aud") }, Expect{Now: now}},
		{"any issuer of several", func(c map[string]any) { c["iss"] = "https://b.test" }, Expect{Issuers: []string{"https://a.test", "https://b.test"}, Now: now}},
		{"expired within leeway", func(c map[string]any) { c["exp"] = now.Add(-5 * time.Second).Unix() }, Expect{Now: now, Leeway: 10 * time.Second}},
		{"nbf within leeway", func(c map[string]any) { c["nbf"] = now.Add(5 * time.Second).Unix() }, Expect{Now: now, Leeway: 10 * time.Second}},
		{"nbf exactly now", func(c map[string]any) { c["nbf"] = now.Unix() }, Expect{Now: now}},
		{"no exp at all", func(c map[string]any) { delete(c, "exp") }, Expect{Now: now}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			claims := baseClaims(t0)
			tc.change(claims)
			if _, err := ks.Verify(mustSign(t, ks, claims), tc.expect); err != nil {
				t.Errorf("rejected: %v", err)
			}
		})
	}
}

func TestVerifyZeroNowUsesWallTime(t *testing.T) {
	ks := NewKeystore(nil, t0)
	stale := mustSign(t, ks, map[string]any{"exp": t0.Unix()}) // long past by the wall clock
	if reason := ReasonOf(verifyErr(ks.Verify(stale, Expect{}))); reason != ReasonExpired {
		t.Errorf("reason %q, want %q", reason, ReasonExpired)
	}
}

func verifyErr(_ map[string]any, err error) error { return err }

func TestTokenFromAnotherKeystoreFails(t *testing.T) {
	ours, theirs := NewKeystore(nil, t0), NewKeystore(nil, t0)
	now := t0.Add(time.Minute)
	foreign := mustSign(t, theirs, baseClaims(t0))
	if reason := ReasonOf(verifyErr(ours.Verify(foreign, strictExpect(now)))); reason != ReasonUnknownKey {
		t.Errorf("foreign token: reason %q, want %q", reason, ReasonUnknownKey)
	}
	// Their key, but claiming our kid: only the signature can tell.
	spoofed := signRaw(t, theirs.Keys()[0].Private,
		map[string]any{"alg": "RS256", "typ": "JWT", "kid": ours.CurrentKID()}, baseClaims(t0))
	if reason := ReasonOf(verifyErr(ours.Verify(spoofed, strictExpect(now)))); reason != ReasonSignature {
		t.Errorf("spoofed kid: reason %q, want %q", reason, ReasonSignature)
	}
}

func TestReasonOf(t *testing.T) {
	wrapped := errors.Join(errors.New("context"), &VerifyError{Reason: ReasonExpired, Detail: "x"})
	if got := ReasonOf(wrapped); got != ReasonExpired {
		t.Errorf("ReasonOf(wrapped) = %q", got)
	}
	if got := ReasonOf(errors.New("other")); got != "" {
		t.Errorf("ReasonOf(other) = %q", got)
	}
	if got := ReasonOf(nil); got != "" {
		t.Errorf("ReasonOf(nil) = %q", got)
	}
}

func TestExportImport(t *testing.T) {
	ks := NewKeystore(nil, t0)
	oldToken := mustSign(t, ks, baseClaims(t0))
	ks.Rotate(t0.Add(time.Hour))
	newToken := mustSign(t, ks, baseClaims(t0))

	// Through JSON, as the mock's state file stores it.
	encoded, err := json.Marshal(ks.Export())
	if err != nil {
		t.Fatal(err)
	}
	var state Exported
	if err := json.Unmarshal(encoded, &state); err != nil {
		t.Fatal(err)
	}
	restored, err := ImportKeystore(state)
	if err != nil {
		t.Fatalf("ImportKeystore: %v", err)
	}

	before, after := ks.Keys(), restored.Keys()
	if len(after) != len(before) {
		t.Fatalf("restored %d keys, want %d", len(after), len(before))
	}
	for i := range before {
		if before[i].KID != after[i].KID || !before[i].Private.Equal(after[i].Private) ||
			!before[i].CreatedAt.Equal(after[i].CreatedAt) ||
			(before[i].RetiredAt == nil) != (after[i].RetiredAt == nil) ||
			(before[i].RetiredAt != nil && !before[i].RetiredAt.Equal(*after[i].RetiredAt)) {
			t.Errorf("key %d differs after import: %+v vs %+v", i, before[i], after[i])
		}
	}
	if restored.CurrentKID() != ks.CurrentKID() {
		t.Errorf("restored signs with %q, want %q", restored.CurrentKID(), ks.CurrentKID())
	}
	if string(restored.JWKSJSON()) != string(ks.JWKSJSON()) {
		t.Error("restored JWKS differs")
	}
	now := t0.Add(time.Minute)
	for name, token := range map[string]string{"pre-rotation": oldToken, "current": newToken} {
		if _, err := restored.Verify(token, strictExpect(now)); err != nil {
			t.Errorf("%s token after import: %v", name, err)
		}
	}
	if _, err := ks.Verify(mustSign(t, restored, baseClaims(t0)), strictExpect(now)); err != nil {
		t.Errorf("original rejects a token signed after import: %v", err)
	}
}

func TestImportAcceptsPKCS1(t *testing.T) {
	priv := NewKeystore(nil, t0).Keys()[0].Private
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(priv)})
	ks, err := ImportKeystore(Exported{Keys: []ExportedKey{{KID: "legacy", PEM: string(pkcs1), CreatedAt: t0}}})
	if err != nil {
		t.Fatal(err)
	}
	if !ks.Keys()[0].Private.Equal(priv) || ks.CurrentKID() != "legacy" {
		t.Error("PKCS #1 key not restored")
	}
}

func TestImportRejectsBadState(t *testing.T) {
	good := NewKeystore(nil, t0).Export().Keys[0]

	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallDER, _ := x509.MarshalPKCS8PrivateKey(small)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	broken := *NewKeystore(nil, t0).Keys()[0].Private
	broken.D = new(big.Int).Add(broken.D, big.NewInt(2))
	brokenDER := x509.MarshalPKCS1PrivateKey(&broken)

	withPEM := func(blockType string, der []byte) ExportedKey {
		return ExportedKey{KID: "k", PEM: string(pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}))}
	}
	cases := map[string]Exported{
		"no keys":        {},
		"empty kid":      {Keys: []ExportedKey{{PEM: good.PEM}}},
		"duplicate kid":  {Keys: []ExportedKey{good, good}},
		"not PEM":        {Keys: []ExportedKey{{KID: "k", PEM: "hello"}}},
		"two PEM blocks": {Keys: []ExportedKey{{KID: "k", PEM: good.PEM + good.PEM}}},
		"public key":     {Keys: []ExportedKey{withPEM("PUBLIC KEY", []byte{1, 2})}},
		"bad DER":        {Keys: []ExportedKey{withPEM("PRIVATE KEY", []byte{1, 2, 3})}},
		"1024-bit key":   {Keys: []ExportedKey{withPEM("PRIVATE KEY", smallDER)}},
		"EC key":         {Keys: []ExportedKey{withPEM("PRIVATE KEY", ecDER)}},
		"inconsistent":   {Keys: []ExportedKey{withPEM("RSA PRIVATE KEY", brokenDER)}},
	}
	for name, state := range cases {
		t.Run(name, func(t *testing.T) {
			if ks, err := ImportKeystore(state); err == nil {
				t.Errorf("accepted, keystore with %d keys", len(ks.Keys()))
			}
		})
	}
}

func TestDecodeUnverified(t *testing.T) {
	ks := NewKeystore(nil, t0)
	expired := mustSign(t, ks, map[string]any{"sub": "u", "exp": 1})
	header, claims, err := DecodeUnverified(expired)
	if err != nil {
		t.Fatal(err)
	}
	if header["kid"] != ks.CurrentKID() || claims["sub"] != "u" || claims["exp"] != float64(1) {
		t.Errorf("header %v claims %v", header, claims)
	}
	for _, bad := range []string{"", "a.b", "a.b.c", b64([]byte(`{}`)) + "." + b64([]byte(`"s"`)) + "."} {
		if _, _, err := DecodeUnverified(bad); err == nil {
			t.Errorf("DecodeUnverified(%q) succeeded", bad)
		}
	}
}

func TestPoolGetWhenEmpty(t *testing.T) {
	for _, size := range []int{0, -3} {
		p := NewPool(size)
		key := p.Get()
		if key == nil || key.N.BitLen() != keyBits || key.Validate() != nil {
			t.Fatalf("NewPool(%d).Get() gave an unusable key", size)
		}
		if p.Len() != 0 {
			t.Errorf("NewPool(%d) holds %d keys", size, p.Len())
		}
		p.Close()
	}
}

func TestPoolFillsAndCloses(t *testing.T) {
	p := NewPool(2)
	// Generous bound: filling takes a fraction of a second; the test checks
	// that it happens, not how fast.
	deadline := time.Now().Add(30 * time.Second)
	for p.Len() < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("pool still holds %d of 2 keys", p.Len())
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.Close()
	p.Close() // idempotent
	a, b := p.Get(), p.Get()
	if a == nil || b == nil || a.Equal(b) {
		t.Fatal("pool handed out a nil or repeated key")
	}
	if p.Len() != 0 {
		t.Errorf("closed pool refilled to %d", p.Len())
	}
	if c := p.Get(); c == nil || c.Equal(a) || c.Equal(b) {
		t.Error("closed, drained pool did not generate a fresh key")
	}
}

func TestNilPoolUsesShared(t *testing.T) {
	var p *Pool
	if p.Get() == nil {
		t.Fatal("nil pool gave no key")
	}
	if SharedPool() != SharedPool() {
		t.Error("SharedPool is not a single pool")
	}
	p.Close() // must not stop the shared pool or panic
}

func TestConcurrentSignVerifyRotate(t *testing.T) {
	ks := NewKeystore(nil, t0)
	now := t0.Add(time.Minute)
	const signers, perSigner, rotations = 4, 20, 3
	tokens := make(chan string, signers*perSigner)
	var wg sync.WaitGroup
	errs := make(chan error, signers*perSigner+rotations)
	for range signers {
		wg.Go(func() {
			for range perSigner {
				token, err := ks.Sign(baseClaims(t0))
				if err != nil {
					errs <- err
					return
				}
				if _, err := ks.Verify(token, strictExpect(now)); err != nil {
					errs <- err
					return
				}
				_ = ks.JWKSJSON()
				_ = ks.Keys()
				tokens <- token
			}
		})
	}
	wg.Go(func() {
		for i := range rotations {
			ks.Rotate(t0.Add(time.Duration(i+1) * time.Second))
			_ = ks.Export()
		}
	})
	wg.Wait()
	close(tokens)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := len(ks.Keys()); got != rotations+1 {
		t.Errorf("%d keys after %d rotations", got, rotations)
	}
	for token := range tokens {
		if _, err := ks.Verify(token, strictExpect(now)); err != nil {
			t.Errorf("token signed during rotation no longer verifies: %v", err)
		}
	}
}

func TestReservedKeysAreDistinctRSA2048(t *testing.T) {
	seen := map[string]bool{}
	for block, rest := pem.Decode(reservePEM); block != nil; block, rest = pem.Decode(rest) {
		parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		key := parsed.(*rsa.PrivateKey)
		if key.N.BitLen() != 2048 {
			t.Errorf("reserved key of %d bits", key.N.BitLen())
		}
		if seen[key.N.String()] {
			t.Error("a reserved key appears twice")
		}
		seen[key.N.String()] = true
	}
	if len(seen) < 100 {
		t.Errorf("only %d reserved keys; a burst of 100 app creations would generate inline", len(seen))
	}
}

func TestLazyPoolIdlesWhileTheReserveLasts(t *testing.T) {
	resetReserve()
	t.Cleanup(resetReserve)
	p := newPool(2)
	p.lazy = true
	defer p.Close()
	if p.Get() == nil || p.started.Load() {
		t.Fatal("a lazy pool started generating with the reserve full")
	}
	for {
		if _, left := reserved(); left < reserveLowWater+1 {
			break
		}
	}
	if p.Get() == nil || !p.started.Load() {
		t.Fatal("a lazy pool did not start generating when the reserve ran low")
	}
}

// A recycling pool never generates, and although its keys recur, a token
// signed by one keystore is refused by another that holds the same key:
// kids are per keystore.
func TestRecyclingPoolKeysNeverCrossKeystores(t *testing.T) {
	p := RecyclingPool()
	n := strings.Count(string(reservePEM), "-----BEGIN ")
	now := time.Now()
	a := NewKeystore(p, now)
	for range n - 1 {
		if p.Get() == nil {
			t.Fatal("nil key")
		}
	}
	same := NewKeystore(p, now)
	if !same.Keys()[0].Private.Equal(a.Keys()[0].Private) {
		t.Fatal("the pool should have come round to the first keystore's key")
	}
	token, err := a.Sign(map[string]any{"sub": "u1", "exp": now.Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Verify(token, Expect{Now: now}); err != nil {
		t.Fatalf("own token refused: %v", err)
	}
	if _, err := same.Verify(token, Expect{Now: now}); ReasonOf(err) == "" {
		t.Errorf("a keystore holding the same key accepted another keystore's token: %v", err)
	}
}

// A token verified once is not checked against RSA again, but what can
// change still is: the clock, the expected issuer, and whether its key is
// still in the keystore.
func TestVerifiedTokensAreJudgedAgainOnEveryCall(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	ks := NewKeystore(RecyclingPool(), now)
	token, err := ks.Sign(map[string]any{"sub": "u1", "iss": "http://a", "exp": now.Add(time.Minute).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		claims, err := ks.Verify(token, Expect{Issuers: []string{"http://a"}, Now: now})
		if err != nil || claims["sub"] != "u1" {
			t.Fatalf("claims %v, err %v", claims, err)
		}
		claims["sub"] = "changed by a caller"
	}
	if _, err := ks.Verify(token, Expect{Now: now.Add(time.Hour)}); ReasonOf(err) != ReasonExpired {
		t.Errorf("an hour later: %v, want expired", err)
	}
	if _, err := ks.Verify(token, Expect{Now: now}); err != nil {
		t.Errorf("the clock set back: %v, want valid again", err)
	}
	if _, err := ks.Verify(token, Expect{Issuers: []string{"http://b"}, Now: now}); ReasonOf(err) != ReasonIssuer {
		t.Errorf("another issuer: %v, want wrong issuer", err)
	}
	kid := ks.CurrentKID()
	ks.mu.Lock()
	delete(ks.byKID, kid)
	ks.mu.Unlock()
	if _, err := ks.Verify(token, Expect{Now: now}); ReasonOf(err) != ReasonUnknownKey {
		t.Errorf("key gone from the keystore: %v, want unknown kid", err)
	}
	tampered := token[:len(token)-4] + "AAAA"
	if _, err := ks.Verify(tampered, Expect{Now: now}); err == nil {
		t.Error("a tampered token passed")
	}
}
