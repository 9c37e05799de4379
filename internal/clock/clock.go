// Package clock is the mock's single source of time. Every iat/exp, session,
// invite, reset-code and nonce expiry reads it, so tests can move time with
// the control plane instead of sleeping.
package clock

import (
	"sync"
	"time"
)

// Clock is wall time plus an offset; frozen, it stands still at one instant.
// The zero value is not usable: call New.
type Clock struct {
	mu       sync.RWMutex
	offset   time.Duration
	frozen   bool
	frozenAt time.Time
	wall     func() time.Time
}

// New returns a clock that reads wall time.
func New() *Clock { return &Clock{wall: time.Now} }

// NewAt returns a frozen clock standing at t; handy for deterministic tests.
func NewAt(t time.Time) *Clock {
	c := New()
	c.frozen, c.frozenAt = true, t
	return c
}

// Now is the mock's current time.
func (c *Clock) Now() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.frozen {
		return c.frozenAt
	}
	return c.wall().Add(c.offset)
}

// Advance moves the clock forward (or back, for a negative d).
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		c.frozenAt = c.frozenAt.Add(d)
		return c.frozenAt
	}
	c.offset += d
	return c.wall().Add(c.offset)
}

// Set puts the clock at t; a running clock keeps ticking from there.
func (c *Clock) Set(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		c.frozenAt = t
		return t
	}
	c.offset = t.Sub(c.wall())
	return t
}

// Freeze stops (true) or restarts (false) the clock at its current reading.
func (c *Clock) Freeze(on bool) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.wall()
	switch {
	case on && !c.frozen:
		c.frozen, c.frozenAt = true, now.Add(c.offset)
	case !on && c.frozen:
		c.frozen, c.offset = false, c.frozenAt.Sub(now)
	}
	if c.frozen {
		return c.frozenAt
	}
	return now.Add(c.offset)
}

// Frozen reports whether the clock stands still.
func (c *Clock) Frozen() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.frozen
}

// Reset returns to running wall time with no offset.
func (c *Clock) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset, c.frozen = 0, false
}
