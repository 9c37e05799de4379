package scenario

import "sync"

// PooledTargets lends each scenario one of at most size targets, built by
// build when none is free, and takes it back when the scenario ends. The
// runner resets a target before each scenario, so on mocks this isolates
// scenarios as well as a new server each would, at a fraction of the cost:
// a new mock server generates RSA keys, a reset reuses them. size should be
// the runner's Parallel, so no scenario waits for a target.
func PooledTargets(size int, build func() (Target, error)) func() (Target, error) {
	if size < 1 {
		size = 1
	}
	p := &targetPool{free: make(chan Target, size), slots: make(chan struct{}, size), build: build}
	return p.lend
}

type targetPool struct {
	free  chan Target
	slots chan struct{} // one token per target built
	build func() (Target, error)
}

func (p *targetPool) lend() (Target, error) {
	select {
	case t := <-p.free:
		return &pooledTarget{Target: t, pool: p}, nil
	default:
	}
	select {
	case p.slots <- struct{}{}:
		t, err := p.build()
		if err != nil {
			<-p.slots // the slot stays free for the next attempt
			return nil, err
		}
		return &pooledTarget{Target: t, pool: p}, nil
	case t := <-p.free:
		return &pooledTarget{Target: t, pool: p}, nil
	}
}

// pooledTarget gives its target back to the pool on Close, once.
type pooledTarget struct {
	Target
	pool *targetPool
	once sync.Once
}

func (l *pooledTarget) Close() error {
	l.once.Do(func() { l.pool.free <- l.Target })
	return nil
}
