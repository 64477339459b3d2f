package mongostore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/authd/authd/core/audit"
)

var _ audit.Store = (*Timeline)(nil)

// Timeline is the audit.Store on the events collection, one document per event keyed by its id,
// and the checkpoints collection, one document per pruned user keyed by the user's id.
//
// What keeps a chain from forking is the unique index on {user_id: 1, seq: 1}: Append reads the
// user's last event, links after it and inserts, so two appends that read the same last event
// insert the same Seq, and the second insert is a duplicate key. That append reads again and
// links after the winner, within the retry budget. An insert whose duplicate is its _id is an
// event stored already, which Append returns. This is the one unique secondary index of the
// package, and it stays enforced on a sharded cluster: sharded, the events collection's key would
// be {user_id: 1}, a prefix of the index, so that every event of a user is on one shard, and so
// are any two inserts that could collide on {user_id, seq}, or on _id, which a sharded cluster
// keeps unique per shard only: an event's id is only ever appended for its own user. (A user's
// events would sit in one chunk, never split; retention bounds a timeline.)
//
// Prune moves a user's checkpoint, only ever forward, then deletes the events up to it; a
// prune that dies in between leaves events at or below the checkpoint, which Verify skips and
// the next prune deletes. An append reads the user's last event first, and the checkpoint only
// when there is none, so one running meanwhile links to an event still stored, or to one the
// checkpoint replaced, or to the checkpoint itself. What a deleted event would no longer hold
// is its {user_id, seq}: a fork would take a prune deleting an event that another append stored
// while this one ran, which Prune's cutoff, the retention behind now, leaves alone unless an
// event is appended with a time already past retention.
//
// Users and Sessions.Open carry a written user's events in the user's document, in the
// compare-and-swap that makes the change (see Users), and move them here after it.
type Timeline struct {
	events      *mongo.Collection
	checkpoints *mongo.Collection
	users       *mongo.Collection // where the events of written users wait to be moved
	retry       retry
}

func (t *Timeline) createIndexes(ctx context.Context) error {
	for _, ix := range []mongo.IndexModel{
		{Keys: bson.D{{Key: "user_id", Value: 1}, {Key: "seq", Value: 1}}, Options: options.Index().SetName("user_id_seq").SetUnique(true)},
		// Prune: the events older than its cutoff.
		{Keys: bson.D{{Key: "at", Value: 1}}, Options: options.Index().SetName("at")},
	} {
		if _, err := t.events.Indexes().CreateOne(ctx, ix); err != nil {
			return fail("create events indexes", err)
		}
	}
	return nil
}

// Append implements audit.Store.
func (t *Timeline) Append(ctx context.Context, e audit.Event) (audit.Event, error) {
	out, err := t.appendAll(ctx, e.UserID, []audit.Event{e})
	if err != nil {
		return audit.Event{}, err
	}
	return out[0], nil
}

// appendAll appends events, all of userID, in order: it links them after the user's last event
// and inserts them with one ordered insert, so that in the usual case they cost one read and one
// write together. An insert stops at its first duplicate key: an event stored already is
// returned as stored and skipped, a Seq another append took sends the rest round again.
func (t *Timeline) appendAll(ctx context.Context, userID string, events []audit.Event) ([]audit.Event, error) {
	for _, e := range events {
		switch {
		case e.ID == "":
			return nil, fmt.Errorf("mongostore: append a %s event without an id", e.Kind)
		case userID == "" || e.UserID != userID:
			return nil, fmt.Errorf("mongostore: append event %s: it names user %q, where %q was due", e.ID, e.UserID, userID)
		}
	}
	out := make([]audit.Event, len(events))
	next := 0 // events[:next] are stored, as out[:next]
	err := t.retry.do(ctx, "events/"+userID, "append events", nil, func() (bool, error) {
		for next < len(events) {
			head, from, err := t.head(ctx, userID)
			if err != nil {
				return false, err
			}
			linked := make([]audit.Event, 0, len(events)-next)
			docs := make([]any, 0, len(events)-next)
			for _, e := range events[next:] {
				e.At = e.At.UTC().Truncate(time.Millisecond)
				l := audit.Link(head, from, e)
				linked, docs = append(linked, l), append(docs, newEventDoc(l))
				head = &l
			}
			_, err = t.events.InsertMany(ctx, docs)
			if err == nil {
				copy(out[next:], linked)
				next = len(events)
				return true, nil
			}
			i, dup := firstDuplicate(err)
			if !dup {
				return false, fail("append events", err)
			}
			copy(out[next:], linked[:i])
			next += i
			stored, err := t.byID(ctx, events[next].ID)
			if err != nil {
				return false, err
			}
			if stored == nil {
				return false, nil // another append took the Seq: read again, after a pause
			}
			out[next] = *stored
			next++
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// firstDuplicate reports whether an ordered insert stopped at a duplicate key, and at which of
// its documents; those before it were inserted.
func firstDuplicate(err error) (int, bool) {
	var bw mongo.BulkWriteException
	if !errors.As(err, &bw) || bw.WriteConcernError != nil || len(bw.WriteErrors) == 0 {
		return 0, false
	}
	first := slices.MinFunc(bw.WriteErrors, func(a, b mongo.BulkWriteError) int { return a.Index - b.Index })
	return first.Index, mongo.IsDuplicateKeyError(first)
}

// head reads the user's last event, or, when there is none, the checkpoint its chain starts from.
func (t *Timeline) head(ctx context.Context, userID string) (*audit.Event, audit.Checkpoint, error) {
	var d eventDoc
	err := t.events.FindOne(ctx, bson.D{{Key: "user_id", Value: userID}},
		options.FindOne().SetSort(bson.D{{Key: "seq", Value: -1}})).Decode(&d)
	switch {
	case err == nil:
		e := d.event()
		return &e, audit.Checkpoint{}, nil
	case !errors.Is(err, mongo.ErrNoDocuments):
		return nil, audit.Checkpoint{}, fail("find last event", err)
	}
	from, err := t.checkpoint(ctx, userID)
	return nil, from, err
}

func (t *Timeline) checkpoint(ctx context.Context, userID string) (audit.Checkpoint, error) {
	var d checkpointDoc
	switch err := t.checkpoints.FindOne(ctx, byID(userID)).Decode(&d); {
	case errors.Is(err, mongo.ErrNoDocuments):
		return audit.Checkpoint{}, nil
	case err != nil:
		return audit.Checkpoint{}, fail("find checkpoint", err)
	}
	return audit.Checkpoint{Seq: d.Seq, Hash: d.Hash}, nil
}

func (t *Timeline) byID(ctx context.Context, id string) (*audit.Event, error) {
	var d eventDoc
	switch err := t.events.FindOne(ctx, byID(id)).Decode(&d); {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil, nil
	case err != nil:
		return nil, fail("find event", err)
	}
	e := d.event()
	return &e, nil
}

// Page implements audit.Store: one query on the user_id_seq index, walked backwards.
func (t *Timeline) Page(ctx context.Context, userID string, before int64, limit int) ([]audit.Event, error) {
	if limit <= 0 {
		return nil, nil // a limit of 0 would be none to the server
	}
	filter := bson.D{{Key: "user_id", Value: userID}}
	if before != 0 {
		filter = append(filter, bson.E{Key: "seq", Value: bson.D{{Key: "$lt", Value: before}}})
	}
	return t.find(ctx, "page events", filter, options.Find().SetSort(bson.D{{Key: "seq", Value: -1}}).SetLimit(int64(limit)))
}

// Chain implements audit.Store: the events first, then the checkpoint, as the port asks.
func (t *Timeline) Chain(ctx context.Context, userID string) (audit.Checkpoint, []audit.Event, error) {
	events, err := t.find(ctx, "read chain", bson.D{{Key: "user_id", Value: userID}}, options.Find().SetSort(bson.D{{Key: "seq", Value: 1}}))
	if err != nil {
		return audit.Checkpoint{}, nil, err
	}
	from, err := t.checkpoint(ctx, userID)
	if err != nil {
		return audit.Checkpoint{}, nil, err
	}
	return from, events, nil
}

func (t *Timeline) find(ctx context.Context, op string, filter bson.D, opts *options.FindOptionsBuilder) ([]audit.Event, error) {
	cur, err := t.events.Find(ctx, filter, opts)
	if err != nil {
		return nil, fail(op, err)
	}
	var docs []eventDoc
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fail(op, err)
	}
	out := make([]audit.Event, 0, len(docs))
	for i := range docs {
		out = append(out, docs[i].event())
	}
	return out, nil
}

// Users implements audit.Store with two distinct queries, one on each collection.
func (t *Timeline) Users(ctx context.Context, fn func(userID string) error) error {
	var withEvents, withCheckpoints []string
	if err := t.events.Distinct(ctx, "user_id", bson.D{}).Decode(&withEvents); err != nil {
		return fail("list users with events", err)
	}
	if err := t.checkpoints.Distinct(ctx, "_id", bson.D{}).Decode(&withCheckpoints); err != nil {
		return fail("list users with checkpoints", err)
	}
	ids := slices.Compact(slices.Sorted(slices.Values(append(withEvents, withCheckpoints...))))
	for _, id := range ids {
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

// move appends the events pending in the document of user id, in order, then pulls exactly
// those from the document. Either step may run again, by the writer, a later writer of the
// user or a sweep: Append stores an event once.
func (t *Timeline) move(ctx context.Context, id string, pending []bson.Raw) error {
	if len(pending) == 0 {
		return nil
	}
	events := make([]audit.Event, 0, len(pending))
	for _, raw := range pending {
		e, err := decodePendingEvent(raw)
		if err != nil {
			return fmt.Errorf("mongostore: move events of %s: %w", id, err)
		}
		events = append(events, e)
	}
	if _, err := t.appendAll(ctx, id, events); err != nil {
		return err
	}
	_, err := t.users.UpdateOne(ctx, byID(id), bson.D{{Key: "$pullAll", Value: bson.D{{Key: "events", Value: pending}}}})
	if err != nil {
		return fail("move events", err)
	}
	return nil
}

// movable is those of raws, events pending in the document of user id, that a move can append:
// each decodes and is of that user. Others stay in the document, for whoever repairs it, rather
// than keep every later write's events from moving.
func movable(id string, raws []bson.Raw) []bson.Raw {
	var ok []bson.Raw
	for _, raw := range raws {
		if e, err := decodePendingEvent(raw); err == nil && e.UserID == id && e.ID != "" {
			ok = append(ok, raw)
		}
	}
	return ok
}
