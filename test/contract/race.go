package contract

import (
	"errors"
	"sync"
	"testing"
)

// Race runs write(0) … write(n-1) at once and counts the writes that succeeded and those refused
// with loser; any other error fails t. The store contracts use it to prove that of n writers
// racing for one thing exactly one wins.
func Race(t testing.TB, n int, loser error, write func(i int) error) (wins, losses int) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = write(i) })
	}
	wg.Wait()
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, loser):
			losses++
		default:
			t.Errorf("writer %d: %v", i, err)
		}
	}
	return wins, losses
}
