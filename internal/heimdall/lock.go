package heimdall

// read and update are the only code that takes the state lock. A handler
// states which kind of access it needs and cannot return with the lock
// held, however many early refusals it has; slow work (RSA, password
// hashing) stays outside them, between two calls.
//
// Both take the same exclusive lock today: many reads refresh derived
// state on the way (expired sessions, last-seen times, audit rows), so a
// shared lock would need each of them proven write-free first. The two
// names keep that intent visible for when it is.

// read runs fn with the state lock held, for code that only looks.
func (d *Domain) read(fn func() error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return fn()
}

// update runs fn with the state lock held, for code that changes state.
func (d *Domain) update(fn func() error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return fn()
}
