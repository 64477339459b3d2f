package mongostore

import (
	"context"
	"errors"
	"fmt"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/authd/authd/core/storage"
)

// fail turns a driver error that no operation-specific rule claimed into what core may see.
// Sentinels such as ErrNotFound are the caller's business; this only separates "the database is
// out of reach" from everything else.
func fail(op string, err error) error {
	if unreachable(err) {
		// The driver's message names hosts and topology; nothing above the adapter can act on it.
		return fmt.Errorf("mongostore: %s: %w", op, storage.ErrUnavailable)
	}
	return fmt.Errorf("mongostore: %s: %w", op, err)
}

func unreachable(err error) bool {
	if errors.Is(err, context.Canceled) {
		// The caller gave up; the database may be perfectly healthy.
		return false
	}
	var sel topology.ServerSelectionError
	return errors.As(err, &sel) || mongo.IsTimeout(err) || mongo.IsNetworkError(err)
}

// notSupported reports whether the server refused a command or option it does not implement,
// as FerretDB does for TTL indexes.
func notSupported(err error) bool {
	var ce mongo.CommandError
	if !errors.As(err, &ce) {
		return false
	}
	const commandNotSupported, notImplemented = 115, 238
	return ce.Code == commandNotSupported || ce.Code == notImplemented
}
