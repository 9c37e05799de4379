// Package keys holds the mock's RS256 signing keys: a pool of pre-generated
// RSA keys, per-app keystores that sign and publish them as a JWKS, strict
// token verification that names why a token is rejected, and state export.
package keys

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// keyBits is the modulus size every issued key uses; 2048 is what the real
// service publishes and what verifiers expect as a minimum.
const keyBits = 2048

// sharedPoolSize bounds how many idle keys the process keeps ready.
const sharedPoolSize = 16

// Pool hands out pre-generated RSA-2048 private keys so that creating an app
// never waits on key generation (tens of milliseconds per key). Background
// workers refill it up to its size; Get never blocks on an empty pool, it
// generates one key inline instead.
type Pool struct {
	ready     chan *rsa.PrivateKey
	stop      chan struct{}
	workers   sync.WaitGroup
	closeOnce sync.Once
	startOnce sync.Once
	started   atomic.Bool
	// lazy pools start filling only once the reserve runs low (see Get).
	lazy bool
	// recycle pools hand out the reserve round-robin (see RecyclingPool).
	recycle bool
	// own pools never hand out reserved keys: every key is generated in
	// this process (see NewOwnPool).
	own bool
}

// NewOwnPool is a pool for a mock others can reach: the shipped reserve is
// public, so every key it hands out is generated in this process, by
// background workers that start at once. Keystores drawing from it get
// their first key in the background too (see NewKeystore).
func NewOwnPool(size int) *Pool {
	p := newPool(size)
	p.own = true
	p.start()
	return p
}

// NewPool starts filling a pool of up to size keys in the background. A size
// of zero or less gives a pool that always generates on demand.
func NewPool(size int) *Pool {
	p := newPool(size)
	p.start()
	return p
}

func newPool(size int) *Pool {
	return &Pool{
		ready: make(chan *rsa.PrivateKey, max(size, 0)),
		stop:  make(chan struct{}),
	}
}

// start launches the background workers once.
func (p *Pool) start() {
	p.startOnce.Do(func() {
		p.started.Store(true)
		size := cap(p.ready)
		if size == 0 {
			return
		}
		select {
		case <-p.stop:
			return
		default:
		}
		// Leave one CPU to the caller: filling competes with request handling.
		workers := min(size, max(1, runtime.GOMAXPROCS(0)-1))
		p.workers.Add(workers)
		for range workers {
			go p.fill()
		}
	})
}

func (p *Pool) fill() {
	defer p.workers.Done()
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		key := generateKey()
		select {
		case p.ready <- key:
		case <-p.stop:
			return
		}
	}
}

// Get returns an unused key, generating one inline when the pool is empty.
// A nil pool draws from SharedPool.
func (p *Pool) Get() *rsa.PrivateKey {
	if p == nil {
		return SharedPool().Get()
	}
	if p.recycle {
		return recycledKey()
	}
	if p.own {
		if cap(p.ready) == 0 {
			return generateKey()
		}
		select {
		case key := <-p.ready:
			return key
		case <-p.stop:
			return generateKey()
		}
	}
	select {
	case key := <-p.ready:
		return key
	default:
	}
	key, left := reserved()
	// A lazy pool stays idle while the reserve lasts: generating keys in the
	// background would take a CPU from start-up and from the tests for keys
	// nobody asks for. It starts filling before the reserve runs out.
	if p.lazy && left < reserveLowWater {
		p.start()
	}
	if key != nil {
		return key
	}
	return generateKey()
}

// Len reports how many keys are ready to hand out without generating.
func (p *Pool) Len() int {
	if p == nil {
		return SharedPool().Len()
	}
	return len(p.ready)
}

// Close stops the background workers and waits for them to exit. Keys
// already generated stay available to Get; Close is safe to call twice.
func (p *Pool) Close() {
	if p == nil {
		return
	}
	p.closeOnce.Do(func() { close(p.stop) })
	p.workers.Wait()
}

var (
	sharedOnce sync.Once
	shared     *Pool
)

// SharedPool is the process-wide pool (size 16) that keystores draw from
// when given a nil pool. It hands out reserved keys first and starts
// generating in the background only when the reserve runs low. It is never
// closed.
func SharedPool() *Pool {
	sharedOnce.Do(func() {
		shared = newPool(sharedPoolSize)
		shared.lazy = true
	})
	return shared
}

func generateKey() *rsa.PrivateKey {
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		// crypto/rand does not fail on supported platforms; if it ever does
		// there is no safe way to issue keys at all.
		panic(fmt.Sprintf("keys: generating RSA key: %v", err))
	}
	key.Precompute()
	return key
}

// reservePEM is a fixed set of test-only RSA keys generated once and shipped
// with the mock. RSA generation costs tens of milliseconds, so a test suite
// that creates a hundred apps at once would wait seconds on an empty pool;
// the reserve covers such bursts while the pool refills. Each reserved key
// is handed out at most once per process, so no two apps share a key. They
// are mock keys: they sign tokens for a fake service and nothing else.
//
//go:embed reserve.pem
var reservePEM []byte

var reserve struct {
	sync.Mutex
	rest []byte
	left int // keys not yet handed out
}

// reserveLowWater is how many reserved keys remain when a lazy pool starts
// filling: enough to cover a burst while the first generated keys arrive.
const reserveLowWater = 32

func init() { resetReserve() }

func resetReserve() {
	reserve.Lock()
	defer reserve.Unlock()
	reserve.rest = reservePEM
	reserve.left = bytes.Count(reservePEM, []byte("-----BEGIN "))
}

// reserved returns the next unused reserved key (nil once all are used) and
// how many remain after it.
func reserved() (*rsa.PrivateKey, int) {
	reserve.Lock()
	block, rest := pem.Decode(reserve.rest)
	reserve.rest = rest
	if block != nil {
		reserve.left--
	}
	left := reserve.left
	reserve.Unlock()
	if block == nil {
		return nil, 0
	}
	return parseReserved(block.Bytes), left
}

func parseReserved(der []byte) *rsa.PrivateKey {
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		panic(fmt.Sprintf("keys: reserved key does not parse: %v", err))
	}
	key, ok := parsed.(*rsa.PrivateKey)
	if !ok || key.N.BitLen() != keyBits {
		panic("keys: reserved key is not RSA-2048")
	}
	key.Precompute()
	return key
}

// RecyclingPool hands out the reserve's keys round-robin, each parsed once
// per process, and never generates. It is for processes that start a fresh
// mock per test: three keys per server would use up the reserve after a
// few dozen servers, and from then on key generation (tens of milliseconds
// each) would be most of a test's start. Keys recur across keystores, but
// every keystore gives its keys fresh random kids and verification looks
// keys up by kid, so a token one server or app signed is never accepted by
// another.
func RecyclingPool() *Pool {
	return &Pool{recycle: true, stop: make(chan struct{})}
}

var recycled struct {
	once   sync.Once
	blocks [][]byte
	keys   []atomic.Pointer[rsa.PrivateKey]
	next   atomic.Uint64
}

func recycledKey() *rsa.PrivateKey {
	recycled.once.Do(func() {
		for rest := reservePEM; ; {
			var block *pem.Block
			block, rest = pem.Decode(rest)
			if block == nil {
				break
			}
			recycled.blocks = append(recycled.blocks, block.Bytes)
		}
		recycled.keys = make([]atomic.Pointer[rsa.PrivateKey], len(recycled.blocks))
	})
	i := (recycled.next.Add(1) - 1) % uint64(len(recycled.blocks))
	if key := recycled.keys[i].Load(); key != nil {
		return key
	}
	// Two callers may both parse a key the first time round; one wins.
	key := parseReserved(recycled.blocks[i])
	if recycled.keys[i].CompareAndSwap(nil, key) {
		return key
	}
	return recycled.keys[i].Load()
}
