package lazyre

import (
	"sync"
	"testing"
)

func TestCompilesOnceOnFirstUse(t *testing.T) {
	re := New(`^a+b$`)
	var wg sync.WaitGroup
	got := make([]bool, 8)
	for i := range got {
		wg.Go(func() { got[i] = re().MatchString("aab") })
	}
	wg.Wait()
	for i, ok := range got {
		if !ok {
			t.Errorf("call %d: ^a+b$ does not match aab", i)
		}
	}
	if re() != re() {
		t.Error("each call compiled the expression again")
	}
}

func TestAnInvalidExpressionPanicsAtFirstUse(t *testing.T) {
	re := New(`(`) // no panic yet: that is the point
	defer func() {
		if recover() == nil {
			t.Error("an invalid expression compiled")
		}
	}()
	re()
}
