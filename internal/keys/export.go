package keys

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"
	"weak"
)

// minImportBits refuses keys weaker than what the mock itself issues; a
// verifier that would reject them would make restored tokens useless.
const minImportBits = keyBits

// Exported is a keystore's state, private keys included, so a restarted
// mock keeps verifying the tokens it issued. Keys are newest first: the
// first one signs.
type Exported struct {
	Keys []ExportedKey `json:"keys"`
}

// ExportedKey is one key in PKCS #8 PEM form.
type ExportedKey struct {
	KID       string     `json:"kid"`
	PEM       string     `json:"private_key_pem"`
	CreatedAt time.Time  `json:"created_at"`
	RetiredAt *time.Time `json:"retired_at,omitempty"`
}

// Export captures every key, newest first.
func (k *Keystore) Export() Exported {
	keys := k.Keys()
	out := Exported{Keys: make([]ExportedKey, len(keys))}
	for i, key := range keys {
		out.Keys[i] = ExportedKey{
			KID:       key.KID,
			PEM:       privatePEM(key),
			CreatedAt: key.CreatedAt,
			RetiredAt: key.RetiredAt,
		}
	}
	return out
}

// pemByKey remembers each live key's PEM: every mock snapshots its state
// at start (the baseline Reset returns to), and keys drawn from a
// RecyclingPool would otherwise be encoded again for every server. Entries
// go with their keys.
var pemByKey sync.Map // weak.Pointer[rsa.PrivateKey] -> string

func privatePEM(key Key) string {
	id := weak.Make(key.Private)
	if v, ok := pemByKey.Load(id); ok {
		return v.(string)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key.Private)
	if err != nil {
		// Only keys this package generated or validated on import get
		// here, and PKCS #8 encodes every valid RSA key.
		panic(fmt.Sprintf("keys: encoding key %q: %v", key.KID, err))
	}
	text := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if _, loaded := pemByKey.LoadOrStore(id, text); !loaded {
		runtime.AddCleanup(key.Private, func(id weak.Pointer[rsa.PrivateKey]) { pemByKey.Delete(id) }, id)
	}
	return text
}

// ImportKeystore rebuilds a keystore from Export's output. It accepts PKCS #8
// ("PRIVATE KEY") and PKCS #1 ("RSA PRIVATE KEY") PEM, and refuses an empty
// set, duplicate or empty kids and RSA keys under 2048 bits. Later rotations
// draw from SharedPool.
func ImportKeystore(e Exported) (*Keystore, error) {
	if len(e.Keys) == 0 {
		return nil, errors.New("keys: import: no keys")
	}
	k := &Keystore{byKID: make(map[string]*storedKey, len(e.Keys))}
	for i, ek := range e.Keys {
		if ek.KID == "" {
			return nil, fmt.Errorf("keys: import: key %d has no kid", i)
		}
		if k.byKID[ek.KID] != nil {
			return nil, fmt.Errorf("keys: import: kid %q appears twice", ek.KID)
		}
		priv, err := parsePrivatePEM(ek.PEM)
		if err != nil {
			return nil, fmt.Errorf("keys: import: key %q: %w", ek.KID, err)
		}
		key := Key{KID: ek.KID, Private: priv, CreatedAt: ek.CreatedAt}
		if ek.RetiredAt != nil {
			retired := *ek.RetiredAt
			key.RetiredAt = &retired
		}
		sk, err := newStoredKey(key)
		if err != nil {
			return nil, fmt.Errorf("keys: import: %w", err)
		}
		k.keys = append(k.keys, sk)
		k.byKID[ek.KID] = sk
	}
	k.republish()
	return k, nil
}

func parsePrivatePEM(text string) (*rsa.PrivateKey, error) {
	block, rest := pem.Decode([]byte(text))
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if next, _ := pem.Decode(rest); next != nil {
		return nil, errors.New("more than one PEM block")
	}
	var priv *rsa.PrivateKey
	switch block.Type {
	case "PRIVATE KEY":
		parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PKCS #8: %w", err)
		}
		rsaKey, ok := parsed.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("PKCS #8 holds a %T, not an RSA key", parsed)
		}
		priv = rsaKey
	case "RSA PRIVATE KEY":
		parsed, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PKCS #1: %w", err)
		}
		priv = parsed
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key", block.Type)
	}
	if bits := priv.N.BitLen(); bits < minImportBits {
		return nil, fmt.Errorf("RSA key has %d bits, need at least %d", bits, minImportBits)
	}
	if err := priv.Validate(); err != nil {
		return nil, fmt.Errorf("invalid RSA key: %w", err)
	}
	return priv, nil
}
