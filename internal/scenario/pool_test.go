package scenario

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeTarget counts resets; it is never a mock.
type fakeTarget struct{ resets atomic.Int32 }

func (f *fakeTarget) Do(context.Context, *http.Request) (*http.Response, error) {
	return nil, errors.New("unused")
}
func (f *fakeTarget) Reset(context.Context) error { f.resets.Add(1); return nil }
func (f *fakeTarget) Name() string                { return "fake" }

func TestPooledTargetsBuildsAtMostSize(t *testing.T) {
	var built atomic.Int32
	next := PooledTargets(3, func() (Target, error) { built.Add(1); return &fakeTarget{}, nil })
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tgt, err := next()
			if err != nil {
				t.Error(err)
				return
			}
			tgt.(io.Closer).Close()
			tgt.(io.Closer).Close() // a second Close must not hand it out twice
		}()
	}
	wg.Wait()
	if n := built.Load(); n < 1 || n > 3 {
		t.Errorf("built %d targets, want 1 to 3", n)
	}
}

func TestPooledTargetsRetriesAFailedBuild(t *testing.T) {
	fail := true
	next := PooledTargets(1, func() (Target, error) {
		if fail {
			fail = false
			return nil, errors.New("boom")
		}
		return &fakeTarget{}, nil
	})
	if _, err := next(); err == nil {
		t.Fatal("the failed build was not reported")
	}
	tgt, err := next()
	if err != nil {
		t.Fatalf("the slot of the failed build was lost: %v", err)
	}
	tgt.(io.Closer).Close()
}
