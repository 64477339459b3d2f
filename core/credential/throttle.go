package credential

import "github.com/authd/authd/core/throttle"

// The throttle's names, for adapters that still know them by these; new code uses package throttle.
type (
	// Attempts is throttle.Attempts.
	Attempts = throttle.Attempts
	// AttemptStore is throttle.Store.
	AttemptStore = throttle.Store
	// ThrottledError is throttle.ThrottledError.
	ThrottledError = throttle.ThrottledError
)

// ErrThrottled is throttle.ErrThrottled.
var ErrThrottled = throttle.ErrThrottled
