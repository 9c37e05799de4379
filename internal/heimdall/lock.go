package heimdall

// read and update (and updateAside, below) are the only code that takes
// the state lock. A caller states which kind of access it needs and
// cannot return with the lock held, however many early refusals it has;
// slow work (RSA, password hashing) stays outside them, between two
// calls. fn's result is read's and update's: an error (a refusal is an
// *Error, which refusal() turns into the wire answer) or, for a handler
// whose whole body runs locked, its response.
//
// Both take the same exclusive lock today: many reads refresh derived
// state on the way (expired sessions, last-seen times, audit rows), so a
// shared lock would need each of them proven write-free first. The two
// names keep that intent visible for when it is.

// read runs fn with the state lock held, for code that only looks.
func read[T any](d *Domain, fn func() T) T {
	d.mu.Lock()
	defer d.mu.Unlock()
	return fn()
}

// update runs fn with the state lock held, for code that changes state.
func update[T any](d *Domain, fn func() T) T {
	d.mu.Lock()
	defer d.mu.Unlock()
	return fn()
}

// updateAside takes the state lock now and runs fn with it on a goroutine
// of its own, releasing it after: for work the caller need not wait for
// that must still come before anyone else's access.
func updateAside(d *Domain, fn func()) {
	d.mu.Lock()
	go func() {
		defer d.mu.Unlock()
		fn()
	}()
}
