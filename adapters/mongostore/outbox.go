package mongostore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/user"
)

var _ mail.Outbox = (*Outbox)(nil)

// DefaultNoticeSweep is how often Claim looks for notices left in user documents when
// Config.NoticeSweep is zero.
const DefaultNoticeSweep = 5 * time.Second

// sweepBatch bounds the user documents one sweep moves notices out of.
const sweepBatch = 100

// noLease is the lease of a message no courier holds: over before any claim.
var noLease = time.Unix(0, 0).UTC()

// Outbox is the mail.Outbox on the mail collection, one document per message keyed by its
// notice's id, so that enqueueing one twice is a duplicate key and nothing more. Claim is one
// FindOneAndUpdate, sorted by due time, that leases what it finds: of couriers claiming at once,
// each message goes to one.
//
// The users store writes a user's notices into the user's own document, in the compare-and-swap
// that makes the change, and moves them here once that write is stored: it inserts each by id,
// then pulls from the document exactly those it inserted. A writer that dies in between leaves
// them in the document; so Claim, at most every NoticeSweep, also sweeps: it moves the notices it
// finds pending in user documents that its previous sweep found pending too. A live writer moves
// its own within a round trip, so a notice still there a whole interval later was left behind,
// and a sweep does not race the writer to it (a message moved twice after it was sent would go
// out twice). The sweep finishes the moves of the events users' documents carry to the timeline
// (see Timeline) the same way.
//
// Due and lease times are the couriers' clocks, compared by other couriers: the port defines them
// so. Skew between replicas moves when a message is tried, and may let a replica whose clock runs
// ahead take over a lease early, which at-least-once delivery allows; it never gives one claim's
// message to two claimants.
type Outbox struct {
	mail       *mongo.Collection
	users      *mongo.Collection
	timeline   *Timeline
	sweepEvery time.Duration

	mu        sync.Mutex
	sweeping  bool
	lastSweep time.Time
	seen      map[string]bool // notices and events the last sweep found pending, see sweep
}

func (o *Outbox) createIndexes(ctx context.Context) error {
	for _, ix := range []mongo.IndexModel{
		// Claim: due by now, lease over, soonest first.
		{Keys: bson.D{{Key: "due_at", Value: 1}, {Key: "lease_until", Value: 1}}, Options: options.Index().SetName("due_at_lease_until")},
		// Backlog: the oldest message.
		{Keys: bson.D{{Key: "created_at", Value: 1}}, Options: options.Index().SetName("created_at")},
	} {
		if _, err := o.mail.Indexes().CreateOne(ctx, ix); err != nil {
			return fail("create mail indexes", err)
		}
	}
	// The sweep: only documents holding notices or events are indexed, a handful at any time; each
	// clause of its $or has an index. A server without partial indexes (FerretDB 1.x) makes the
	// sweep a collection scan, every few seconds.
	for _, field := range []string{"outbox", "events"} {
		_, err := o.users.Indexes().CreateOne(ctx, mongo.IndexModel{
			Keys: bson.D{{Key: field + ".id", Value: 1}},
			Options: options.Index().SetName(field + "_pending").
				SetPartialFilterExpression(holds(field)),
		})
		if err != nil && !notSupported(err) {
			return fail("create users "+field+" index", err)
		}
	}
	return nil
}

// holds matches the user documents whose field, outbox or events, holds something to move.
func holds(field string) bson.D {
	return bson.D{{Key: field + ".id", Value: bson.D{{Key: "$exists", Value: true}}}}
}

func pendingFilter() bson.D {
	return bson.D{{Key: "$or", Value: bson.A{holds("outbox"), holds("events")}}}
}

// Enqueue implements mail.Outbox.
func (o *Outbox) Enqueue(ctx context.Context, n user.Notice) error {
	d := newMessageDoc(noticeDoc{
		ID: n.ID, Kind: string(n.Kind), UserID: string(n.UserID), To: n.To, NewEmail: n.NewEmail, CreatedAt: n.CreatedAt,
	})
	if _, err := o.mail.InsertOne(ctx, d); err != nil && !mongo.IsDuplicateKeyError(err) {
		return fail("enqueue message", err)
	}
	return nil
}

// Claim implements mail.Outbox, sweeping first when a sweep is due.
func (o *Outbox) Claim(ctx context.Context, now time.Time, lease time.Duration) (*mail.Message, error) {
	o.sweepIfDue(ctx)
	due := bson.D{{Key: "$lte", Value: now}}
	var d messageDoc
	err := o.mail.FindOneAndUpdate(ctx,
		bson.D{{Key: "due_at", Value: due}, {Key: "lease_until", Value: due}},
		bson.D{{Key: "$set", Value: bson.D{{Key: "lease_until", Value: now.Add(lease)}}}},
		options.FindOneAndUpdate().SetSort(bson.D{{Key: "due_at", Value: 1}}).SetReturnDocument(options.After),
	).Decode(&d)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return nil, mail.ErrEmpty
	case err != nil:
		return nil, fail("claim message", err)
	}
	return d.message(), nil
}

// Sent implements mail.Outbox.
func (o *Outbox) Sent(ctx context.Context, id string) error {
	if _, err := o.mail.DeleteOne(ctx, byID(id)); err != nil {
		return fail("delete message", err)
	}
	return nil
}

// Retry implements mail.Outbox; a message no longer stored (sent meanwhile) stays gone.
func (o *Outbox) Retry(ctx context.Context, id string, at time.Time, reason string) error {
	_, err := o.mail.UpdateOne(ctx, byID(id), bson.D{
		{Key: "$inc", Value: bson.D{{Key: "attempts", Value: 1}}},
		{Key: "$set", Value: bson.D{{Key: "due_at", Value: at}, {Key: "last_error", Value: reason}, {Key: "lease_until", Value: noLease}}},
	})
	if err != nil {
		return fail("retry message", err)
	}
	return nil
}

// Backlog implements mail.Outbox. The count reads every message: the collection holds only those
// not yet delivered.
func (o *Outbox) Backlog(ctx context.Context) (mail.Backlog, error) {
	n, err := o.mail.CountDocuments(ctx, bson.D{})
	if err != nil {
		return mail.Backlog{}, fail("count messages", err)
	}
	if n == 0 {
		return mail.Backlog{}, nil
	}
	var oldest messageDoc
	err = o.mail.FindOne(ctx, bson.D{}, options.FindOne().
		SetSort(bson.D{{Key: "created_at", Value: 1}}).SetProjection(bson.D{{Key: "created_at", Value: 1}})).Decode(&oldest)
	switch {
	case errors.Is(err, mongo.ErrNoDocuments):
		return mail.Backlog{}, nil // sent in between
	case err != nil:
		return mail.Backlog{}, fail("find oldest message", err)
	}
	return mail.Backlog{Count: int(n), Oldest: oldest.CreatedAt.UTC()}, nil
}

// move copies the notices pending in the document of user id into the mail collection, by their
// ids, then pulls exactly those from the document. Either step may run again, by the writer or a
// sweep: a duplicate id is a notice already moved.
func (o *Outbox) move(ctx context.Context, id string, pending []bson.Raw) error {
	if len(pending) == 0 {
		return nil
	}
	msgs := make([]any, 0, len(pending))
	for _, raw := range pending {
		var n noticeDoc
		if err := bson.Unmarshal(raw, &n); err != nil {
			return fmt.Errorf("mongostore: move notices of %s: corrupt notice: %w", id, err)
		}
		msgs = append(msgs, newMessageDoc(n))
	}
	_, err := o.mail.InsertMany(ctx, msgs, options.InsertMany().SetOrdered(false))
	if err != nil && !onlyDuplicates(err) {
		return fail("move notices", err)
	}
	_, err = o.users.UpdateOne(ctx, byID(id), bson.D{{Key: "$pullAll", Value: bson.D{{Key: "outbox", Value: pending}}}})
	if err != nil {
		return fail("move notices", err)
	}
	return nil
}

// onlyDuplicates reports whether every write of a bulk insert that failed failed for a duplicate key.
func onlyDuplicates(err error) bool {
	var bw mongo.BulkWriteException
	if !errors.As(err, &bw) || bw.WriteConcernError != nil || len(bw.WriteErrors) == 0 {
		return false
	}
	for _, we := range bw.WriteErrors {
		if !mongo.IsDuplicateKeyError(we) {
			return false
		}
	}
	return true
}

// sweepIfDue sweeps if no sweep of this process ran for an interval and none is running. A failed
// sweep is tried again at the next interval: it must not keep due messages from going out.
func (o *Outbox) sweepIfDue(ctx context.Context) {
	o.mu.Lock()
	if o.sweeping || time.Since(o.lastSweep) < o.sweepEvery {
		o.mu.Unlock()
		return
	}
	o.sweeping = true
	seen := o.seen
	o.mu.Unlock()
	next, err := o.sweep(ctx, seen)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sweeping, o.lastSweep = false, time.Now()
	if err == nil {
		o.seen = next
	}
}

// sweep moves the notices and events pending in user documents that seen holds, and returns
// those it found and left. Its keys are "outbox/" or "events/" and the notice's or event's id.
func (o *Outbox) sweep(ctx context.Context, seen map[string]bool) (map[string]bool, error) {
	cur, err := o.users.Find(ctx, pendingFilter(), options.Find().
		SetProjection(bson.D{{Key: "outbox", Value: 1}, {Key: "events", Value: 1}}).SetLimit(sweepBatch))
	if err != nil {
		return nil, fail("find pending notices", err)
	}
	var docs []struct {
		ID     string     `bson:"_id"`
		Outbox []bson.Raw `bson:"outbox"`
		Events []bson.Raw `bson:"events"`
	}
	if err := cur.All(ctx, &docs); err != nil {
		return nil, fail("find pending notices", err)
	}
	found := map[string]bool{}
	stale := func(field string, raws []bson.Raw) []bson.Raw {
		var out []bson.Raw
		for _, raw := range raws {
			id, _ := raw.Lookup("id").StringValueOK()
			if key := field + "/" + id; seen[key] {
				out = append(out, raw)
			} else {
				found[key] = true
			}
		}
		return out
	}
	for _, d := range docs {
		if err := o.move(ctx, d.ID, stale("outbox", d.Outbox)); err != nil {
			return nil, err
		}
		if err := o.timeline.move(ctx, d.ID, movable(d.ID, stale("events", d.Events))); err != nil {
			return nil, err
		}
	}
	return found, nil
}
