package mongostore

import (
	"context"
	"maps"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/authd/authd/core/audit"
)

// Prune implements audit.Store. One query on the at index finds every event older than cutoff
// and keeps each user's last; then, user by user, the checkpoint moves to it and the events up to
// it are deleted.
func (t *Timeline) Prune(ctx context.Context, cutoff time.Time) (int, error) {
	cur, err := t.events.Find(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: cutoff.UTC()}}}})
	if err != nil {
		return 0, fail("find prunable events", err)
	}
	defer func() { _ = cur.Close(context.WithoutCancel(ctx)) }()
	last := map[string]audit.Event{}
	for cur.Next(ctx) {
		var d eventDoc
		if err := cur.Decode(&d); err != nil {
			return 0, fail("find prunable events", err)
		}
		if l, ok := last[d.UserID]; !ok || d.Seq > l.Seq {
			last[d.UserID] = d.event()
		}
	}
	if err := cur.Err(); err != nil {
		return 0, fail("find prunable events", err)
	}
	deleted := 0
	for _, id := range slices.Sorted(maps.Keys(last)) {
		e := last[id]
		if err := t.moveCheckpoint(ctx, id, audit.Checkpoint{Seq: e.Seq, Hash: e.Hash()}); err != nil {
			return deleted, err
		}
		res, err := t.events.DeleteMany(ctx, bson.D{{Key: "user_id", Value: id}, {Key: "seq", Value: bson.D{{Key: "$lte", Value: e.Seq}}}})
		if err != nil {
			return deleted, fail("prune events", err)
		}
		deleted += int(res.DeletedCount)
	}
	return deleted, nil
}

// moveCheckpoint moves the checkpoint of userID to to, unless it is there or further already: an
// upsert filtered on a Seq below to's. When the filter misses, the upsert's insert is a duplicate
// key; the checkpoint is then read, and one still behind to (which another prune's first upsert
// inserted meanwhile) is moved on the next try.
func (t *Timeline) moveCheckpoint(ctx context.Context, userID string, to audit.Checkpoint) error {
	return t.retry.do(ctx, "checkpoints/"+userID, "move checkpoint", nil, func() (bool, error) {
		_, err := t.checkpoints.UpdateOne(ctx,
			bson.D{{Key: "_id", Value: userID}, {Key: "seq", Value: bson.D{{Key: "$lt", Value: to.Seq}}}},
			bson.D{{Key: "$set", Value: bson.D{{Key: "seq", Value: to.Seq}, {Key: "hash", Value: to.Hash}}}},
			options.UpdateOne().SetUpsert(true))
		switch {
		case err == nil:
			return true, nil
		case !mongo.IsDuplicateKeyError(err):
			return false, fail("move checkpoint", err)
		}
		at, err := t.checkpoint(ctx, userID)
		return at.Seq >= to.Seq, err
	})
}
