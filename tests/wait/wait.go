// Package wait is the one "eventually" of yizhan's tests: a bounded wait
// for a condition, for tests that assert on behaviour that happens
// asynchronously (a server starting, a change reaching a follower) rather
// than on how long it takes. The bound is a limit beyond which the test
// fails, not a speed claim.
package wait

import (
	"testing"
	"time"
)

// Poll is how often For checks its condition.
const Poll = 10 * time.Millisecond

// For polls cond every Poll until it holds, and returns how long that
// took; if it does not hold within d, the test fails, naming what it
// waited for.
func For(t testing.TB, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if cond() {
			return time.Since(start)
		}
		if time.Since(start) >= d {
			t.Fatalf("%s: not within %v", what, d)
			return 0
		}
		time.Sleep(Poll)
	}
}
