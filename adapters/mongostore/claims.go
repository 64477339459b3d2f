package mongostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// staleClaimAge is how old a write claim must be before another writer may take it over. A writer
// holds its claim for one conditional write, so only a crash leaves a claim this old behind.
// Claims are dated by their writer's clock, so the instances sharing a database must agree on the
// time to well within this.
const staleClaimAge = time.Minute

// claimExpiry is when the server's TTL monitor drops a claim. It is housekeeping for claims left by
// crashes that nobody ever contends for again, long past staleClaimAge so that it only removes
// claims a writer could take over anyway.
const claimExpiry = 10 * time.Minute

// errClaimed means another writer holds a live claim on the same version.
var errClaimed = errors.New("claimed by another writer")

// claims makes conditional writes exclusive on servers that do not apply them atomically.
// FerretDB 1.x runs update, findAndModify and filtered delete as a find followed by a write by _id
// (https://github.com/FerretDB/FerretDB/issues/3040), so concurrent writers filtering on the same
// version can all match. An insert by _id is atomic everywhere, so a writer first inserts a claim
// keyed by the document and the version it means to replace, and only the one whose insert
// succeeds writes. On MongoDB the version filter alone would do; the claims cost a round trip
// or two and keep a single code path.
type claims struct {
	coll *mongo.Collection
}

type claimDoc struct {
	ID        string    `bson:"_id"`
	CreatedAt time.Time `bson:"created_at"`
}

// claimKey names the claim on version v of the document id in collection.
func claimKey(collection, id string, v int64) string {
	return fmt.Sprintf("%s/%s/%d", collection, id, v)
}

// createIndexes asks for a TTL index on created_at, ignored where unsupported (FerretDB 1.x):
// the stale takeover in take is what keeps crashed writers from blocking anyone.
func (c *claims) createIndexes(ctx context.Context) error {
	_, err := c.coll.Indexes().CreateOne(ctx, mongo.IndexModel{
		Keys:    bson.D{{Key: "created_at", Value: 1}},
		Options: options.Index().SetName("created_at_ttl").SetExpireAfterSeconds(int32(claimExpiry / time.Second)),
	})
	if err != nil && !notSupported(err) {
		return translate("create claims TTL index", err)
	}
	return nil
}

// take claims key for the caller, who must release it. It returns errClaimed while another
// writer holds a live claim on key; one older than staleAfter (staleClaimAge unless a store has
// reason to be quicker) is taken over once.
func (c *claims) take(ctx context.Context, key string, staleAfter time.Duration) (claimDoc, error) {
	for attempt := 0; ; attempt++ {
		// Truncated to what BSON stores, so that release can match the claim exactly.
		mine := claimDoc{ID: key, CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
		_, err := c.coll.InsertOne(ctx, mine)
		switch {
		case err == nil:
			return mine, nil
		case !mongo.IsDuplicateKeyError(err):
			return claimDoc{}, err
		case attempt == 1:
			return claimDoc{}, errClaimed
		}
		var cur claimDoc
		switch err := c.coll.FindOne(ctx, byID(key)).Decode(&cur); {
		case errors.Is(err, mongo.ErrNoDocuments):
			continue // released in between
		case err != nil:
			return claimDoc{}, err
		}
		if time.Since(cur.CreatedAt) < staleAfter {
			return claimDoc{}, errClaimed
		}
		if err := c.clear(ctx, cur, staleAfter); err != nil {
			return claimDoc{}, err
		}
	}
}

// clear deletes the stale claim cur. Clearing is claimed in turn, on a key naming that very claim:
// a filtered delete is not atomic on FerretDB either, so two writers clearing cur at once could
// otherwise delete the fresh claim one of them inserted in between. A stale clearing claim, left
// by a crash mid-clear, is itself cleared the same way.
func (c *claims) clear(ctx context.Context, cur claimDoc, staleAfter time.Duration) error {
	guard, err := c.take(ctx, fmt.Sprintf("%s@%d", cur.ID, cur.CreatedAt.UnixMilli()), staleAfter)
	if err != nil {
		return err
	}
	defer c.release(ctx, guard)
	_, err = c.coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: cur.ID}, {Key: "created_at", Value: cur.CreatedAt}})
	return err
}

// release deletes the caller's claim, and only it: a claim held so long that it was taken over
// belongs to its new holder. It is best effort, on its own context because the caller's may be
// spent: a claim left behind turns stale, and a writer that then claims the same version fails
// its version filter, which is the right answer.
func (c *claims) release(ctx context.Context, mine claimDoc) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	_, _ = c.coll.DeleteOne(rctx, bson.D{{Key: "_id", Value: mine.ID}, {Key: "created_at", Value: mine.CreatedAt}})
}
