package keys

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"
)

func TestOwnPoolNeverHandsOutTheShippedKeys(t *testing.T) {
	public := map[string]bool{}
	for rest := reservePEM; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := x509.MarshalPKIXPublicKey(key.(*rsa.PrivateKey).Public())
		public[string(der)] = true
	}
	pool := NewOwnPool(2)
	defer pool.Close()
	now := time.Now()
	ks := NewKeystore(pool, now) // returns before its key exists
	tok, err := ks.Sign(map[string]any{"sub": "x", "iat": now.Unix()})
	if err != nil || tok == "" {
		t.Fatalf("sign: %v", err)
	}
	ks.Rotate(now)
	for _, k := range ks.Keys() {
		der, _ := x509.MarshalPKIXPublicKey(&k.Private.PublicKey)
		if public[string(der)] {
			t.Fatalf("key %s is one of the shipped (public) keys", k.KID)
		}
	}
	if !bytes.Contains(ks.JWKSJSON(), []byte(ks.CurrentKID())) {
		t.Error("the JWKS lacks the current key")
	}
}
