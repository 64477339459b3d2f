// Package storage holds what every store adapter reports the same way, whatever it stores.
package storage

import "errors"

// ErrUnavailable means the database could not be reached in time; the request may be retried later.
var ErrUnavailable = errors.New("storage is unavailable")
