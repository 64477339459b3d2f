package mongostore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/authd/authd/adapters/mongostore"
	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/contract"
	"github.com/authd/authd/test/ferret"
)

func TestTimelineContract(t *testing.T) {
	contract.Timeline(t, func(t *testing.T) (audit.Store, contract.Tamper) {
		r, db := connectReplicas(t, contractReplicas)
		events := rawDB(t, db).Collection("events")
		return replicaTimeline{r}, func(t *testing.T, userID string, seq int64, detail string) {
			t.Helper()
			res, err := events.UpdateOne(context.Background(),
				bson.D{{Key: "user_id", Value: userID}, {Key: "seq", Value: seq}},
				bson.D{{Key: "$set", Value: bson.D{{Key: "detail", Value: detail}}}})
			if err != nil || res.MatchedCount != 1 {
				t.Fatalf("tamper with event %d of %s: %+v, %v", seq, userID, res, err)
			}
		}
	})
}

func TestEventsContract(t *testing.T) {
	contract.Events(t, func(t *testing.T) contract.Stores {
		r, _ := connectReplicas(t, contractReplicas)
		return contract.Stores{Users: replicaUsers{r}, Sessions: replicaSessions{r}, Outbox: replicaOutbox{r}, Timeline: replicaTimeline{r}}
	})
}

// leaveEvent pushes e into the pending events of its user's document, as a writer that died
// after its compare-and-swap leaves it.
func leaveEvent(t *testing.T, users *mongo.Collection, e audit.Event) {
	t.Helper()
	_, err := users.UpdateOne(context.Background(), bson.D{{Key: "_id", Value: e.UserID}}, bson.D{{Key: "$push", Value: bson.D{{Key: "events", Value: bson.D{
		{Key: "id", Value: e.ID}, {Key: "user_id", Value: e.UserID}, {Key: "kind", Value: string(e.Kind)}, {Key: "at", Value: e.At},
		{Key: "session_id", Value: e.SessionID}, {Key: "ip", Value: e.IP}, {Key: "detail", Value: e.Detail},
	}}}}})
	if err != nil {
		t.Fatalf("leave an event behind: %v", err)
	}
}

func pendingEventCount(t *testing.T, users *mongo.Collection, id string) int {
	t.Helper()
	var doc struct {
		Events []bson.Raw `bson:"events"`
	}
	if err := users.FindOne(context.Background(), bson.D{{Key: "_id", Value: id}}).Decode(&doc); err != nil {
		t.Fatalf("read the user document: %v", err)
	}
	return len(doc.Events)
}

// TestSweepAppendsEventsLeftInAUserDocument: events that a writer which died after its write left
// in the user's document reach the timeline through Claim's sweep, once a sweep found them there
// before, and leave the document; one that was appended already before the writer died is not
// appended again.
func TestSweepAppendsEventsLeftInAUserDocument(t *testing.T) {
	ctx := context.Background()
	db := ferret.Database(t)
	const every = 50 * time.Millisecond
	s, err := mongostore.Connect(ctx, mongostore.Config{URI: ferret.URI(t), Database: db, NoticeSweep: every})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	u := contract.NewUser(hexID(1), "left@example.com")
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	u.Record(contract.NewEvent("registered", "", audit.Registered, at))
	if err := s.Users().Insert(ctx, u); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	users := rawDB(t, db).Collection("users")
	leaveEvent(t, users, contract.NewEvent("registered", string(u.ID), audit.Registered, at)) // appended, not pulled
	leaveEvent(t, users, contract.NewEvent("left", string(u.ID), audit.PasswordChanged, at.Add(time.Minute)))

	if _, err := s.Outbox().Claim(ctx, at, time.Hour); !errors.Is(err, mail.ErrEmpty) {
		t.Fatalf("Claim: %v", err)
	}
	if _, chain, err := s.Timeline().Chain(ctx, string(u.ID)); err != nil || len(chain) != 1 {
		t.Fatalf("the timeline at the first sight of the events = %+v, %v; want the registration alone", chain, err)
	}
	time.Sleep(2 * every)
	if _, err := s.Outbox().Claim(ctx, at, time.Hour); !errors.Is(err, mail.ErrEmpty) {
		t.Fatalf("Claim: %v", err)
	}
	_, chain, err := s.Timeline().Chain(ctx, string(u.ID))
	if err != nil || len(chain) != 2 || chain[0].ID != "registered" || chain[1].ID != "left" {
		t.Fatalf("the timeline after a second sweep = %+v, %v; want the registration, then the event left behind", chain, err)
	}
	if n := pendingEventCount(t, users, string(u.ID)); n != 0 {
		t.Errorf("the user document still holds %d events", n)
	}
	if r, err := audit.Verify(ctx, s.Timeline(), string(u.ID)); err != nil || !r.Valid {
		t.Errorf("Verify = %+v, %v", r, err)
	}
}

// TestALaterWriteAppendsTheEventsAnEarlierOneLeft: a write of a user whose document still holds
// an earlier write's events appends those first, so the timeline keeps the order of the writes.
func TestALaterWriteAppendsTheEventsAnEarlierOneLeft(t *testing.T) {
	ctx := context.Background()
	s, db := connect(t)
	u := contract.NewUser(hexID(1), "later@example.com")
	if err := s.Users().Insert(ctx, u); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	users := rawDB(t, db).Collection("users")
	at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	leaveEvent(t, users, contract.NewEvent("earlier", string(u.ID), audit.PasswordChanged, at))
	if _, err := s.Users().Update(ctx, u.ID, func(u *user.User) error {
		u.Record(contract.NewEvent("later", "", audit.LoginSucceeded, at.Add(time.Minute)))
		return nil
	}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	_, chain, err := s.Timeline().Chain(ctx, string(u.ID))
	if err != nil || len(chain) != 2 || chain[0].ID != "earlier" || chain[1].ID != "later" {
		t.Fatalf("timeline = %+v, %v; want the earlier write's event, then the later's", chain, err)
	}
	if n := pendingEventCount(t, users, string(u.ID)); n != 0 {
		t.Errorf("the user document still holds %d events", n)
	}
}
