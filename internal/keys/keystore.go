package keys

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// kidPrefix names the algorithm in every key id so a JWKS reader can tell
// the mock's keys apart at a glance.
const kidPrefix = "rs256-"

// Key is one signing key of a keystore. RetiredAt is set once a newer key
// took over signing; a retired key is still published and still verifies.
type Key struct {
	KID       string
	Private   *rsa.PrivateKey
	CreatedAt time.Time
	RetiredAt *time.Time
}

// storedKey is a Key plus what signing and publishing need, computed once
// so the per-token path only does the RSA operation and JSON encoding.
type storedKey struct {
	key    Key
	signer jose.Signer
	public jose.JSONWebKey
}

// Keystore holds one app's (or one fake identity provider's) keys: the
// newest signs, all are published so tokens signed before a rotation keep
// verifying. It is safe for concurrent use. Create one with NewKeystore or
// ImportKeystore; the zero value holds no key and cannot sign.
type Keystore struct {
	pool *Pool // nil: SharedPool, resolved at rotation time

	// pending, when set, is closed once the first key arrived from a pool
	// that generates in the background (see Pool.Own); until then every
	// method waits for it.
	pending chan struct{}

	mu       sync.RWMutex
	keys     []*storedKey // newest first; keys[0] signs
	byKID    map[string]*storedKey
	jwks     jose.JSONWebKeySet
	jwksJSON []byte

	verified verifiedTokens
}

// NewKeystore creates a keystore with one key drawn from pool (SharedPool
// when nil), created at now.
//
// With an own pool (NewOwnPool) the keystore is returned at once and its key
// arrives in the background: start-up never waits for RSA generation, and
// only a caller that needs the key before it is ready waits.
func NewKeystore(pool *Pool, now time.Time) *Keystore {
	k := &Keystore{pool: pool, byKID: map[string]*storedKey{}}
	if pool != nil && pool.own {
		k.pending = make(chan struct{})
		go func() {
			k.first(pool.Get(), now)
			close(k.pending)
		}()
		return k
	}
	k.first(pool.Get(), now)
	return k
}

func (k *Keystore) first(key *rsa.PrivateKey, now time.Time) {
	sk, err := newStoredKey(Key{KID: newKID(), Private: key, CreatedAt: now})
	if err != nil {
		// A freshly generated 2048-bit key is always accepted by go-jose.
		panic(fmt.Sprintf("keys: preparing a generated key: %v", err))
	}
	k.keys = []*storedKey{sk}
	k.byKID[sk.key.KID] = sk
	k.republish()
}

// ready waits for the first key of a keystore whose key is generated in
// the background; a closed channel costs nothing afterwards.
func (k *Keystore) ready() {
	if k.pending != nil {
		<-k.pending
	}
}

func newKID() string {
	var id [8]byte
	_, _ = rand.Read(id[:]) // crypto/rand.Read never returns an error
	return kidPrefix + hex.EncodeToString(id[:])
}

func newStoredKey(key Key) (*storedKey, error) {
	if key.Private == nil {
		return nil, errors.New("key has no private part")
	}
	key.Private.Precompute()
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key.Private, KeyID: key.KID}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", key.KID, err)
	}
	return &storedKey{
		key:    key,
		signer: signer,
		public: jose.JSONWebKey{
			Key:       &key.Private.PublicKey,
			KeyID:     key.KID,
			Algorithm: string(jose.RS256),
			Use:       "sig",
		},
	}, nil
}

// republish rebuilds the cached JWKS after the key list changed. Callers
// hold the write lock (or own k exclusively).
func (k *Keystore) republish() {
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, len(k.keys))}
	for i, sk := range k.keys {
		set.Keys[i] = sk.public
	}
	encoded, err := json.Marshal(set)
	if err != nil {
		// Public RSA keys built by newStoredKey always encode.
		panic(fmt.Sprintf("keys: encoding JWKS: %v", err))
	}
	k.jwks, k.jwksJSON = set, encoded
}

// Sign issues an RS256 JWT over claims with the current key; the header
// carries its kid and typ "JWT". Time claims (iat, exp, nbf) must be numbers
// of seconds; a time.Time is converted, anything else is an error.
func (k *Keystore) Sign(claims map[string]any) (string, error) {
	k.ready()
	k.mu.RLock()
	sk := k.keys[0]
	k.mu.RUnlock()
	return sign(sk, claims)
}

// SignWith signs with the named key, current or retired; tests use it to
// mint tokens as they were before a rotation.
func (k *Keystore) SignWith(kid string, claims map[string]any) (string, error) {
	k.ready()
	k.mu.RLock()
	sk := k.byKID[kid]
	k.mu.RUnlock()
	if sk == nil {
		return "", fmt.Errorf("keys: no key with kid %q in this keystore", kid)
	}
	return sign(sk, claims)
}

func sign(sk *storedKey, claims map[string]any) (string, error) {
	claims, err := normalizeTimeClaims(claims)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("keys: encoding claims: %w", err)
	}
	jws, err := sk.signer.Sign(payload)
	if err != nil {
		return "", fmt.Errorf("keys: signing with %q: %w", sk.key.KID, err)
	}
	return jws.CompactSerialize()
}

var timeClaims = [...]string{"iat", "exp", "nbf"}

// normalizeTimeClaims makes sure verifiers see NumericDate seconds: a
// time.Time would otherwise encode as an RFC 3339 string that every JWT
// library rejects. The caller's map is copied, never modified.
func normalizeTimeClaims(claims map[string]any) (map[string]any, error) {
	var copied bool
	for _, name := range timeClaims {
		v, ok := claims[name]
		if !ok {
			continue
		}
		switch t := v.(type) {
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, json.Number:
			continue
		case time.Time:
			if !copied {
				claims = cloneClaims(claims)
				copied = true
			}
			claims[name] = t.Unix()
		case *time.Time:
			if t == nil {
				return nil, fmt.Errorf("keys: claim %q is a nil time", name)
			}
			if !copied {
				claims = cloneClaims(claims)
				copied = true
			}
			claims[name] = t.Unix()
		default:
			return nil, fmt.Errorf("keys: claim %q must be seconds since the epoch, got %T", name, v)
		}
	}
	return claims, nil
}

func cloneClaims(claims map[string]any) map[string]any {
	out := make(map[string]any, len(claims))
	for name, v := range claims {
		out[name] = v
	}
	return out
}

// Rotate makes a new key (drawn from the keystore's pool) the signing key
// and retires the previous one at now. It returns the new kid.
func (k *Keystore) Rotate(now time.Time) (kid string) {
	// Key generation and signer setup happen outside the lock so a rotation
	// on an empty pool never stalls concurrent signing.
	k.ready()
	sk, err := newStoredKey(Key{KID: newKID(), Private: k.pool.Get(), CreatedAt: now})
	if err != nil {
		panic(fmt.Sprintf("keys: preparing a generated key: %v", err))
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	retired := now
	previous := *k.keys[0]
	previous.key.RetiredAt = &retired
	k.keys[0] = &previous
	k.byKID[previous.key.KID] = &previous
	k.keys = append([]*storedKey{sk}, k.keys...)
	k.byKID[sk.key.KID] = sk
	k.republish()
	return sk.key.KID
}

// CurrentKID is the kid of the key that signs new tokens.
func (k *Keystore) CurrentKID() string {
	k.ready()
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.keys[0].key.KID
}

// Keys lists every key, newest first. The slice and times are copies; the
// private keys are shared and must not be modified.
func (k *Keystore) Keys() []Key {
	k.ready()
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]Key, len(k.keys))
	for i, sk := range k.keys {
		out[i] = sk.key
		if sk.key.RetiredAt != nil {
			retired := *sk.key.RetiredAt
			out[i].RetiredAt = &retired
		}
	}
	return out
}

// JWKS is the public key set (use "sig", alg RS256), newest key first.
func (k *Keystore) JWKS() jose.JSONWebKeySet {
	k.ready()
	k.mu.RLock()
	defer k.mu.RUnlock()
	return jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey(nil), k.jwks.Keys...)}
}

// JWKSJSON is the JWKS as served at the well-known endpoint. The encoding
// is computed once per rotation; each call returns a private copy.
func (k *Keystore) JWKSJSON() []byte {
	k.ready()
	k.mu.RLock()
	defer k.mu.RUnlock()
	return bytes.Clone(k.jwksJSON)
}

func (k *Keystore) lookup(kid string) *storedKey {
	k.ready()
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.byKID[kid]
}
