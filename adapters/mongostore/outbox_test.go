package mongostore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/authd/authd/adapters/mongostore"
	"github.com/authd/authd/core/mail"
	"github.com/authd/authd/test/contract"
	"github.com/authd/authd/test/ferret"
)

// TestSweepMovesNoticesLeftInAUserDocument: notices that a writer which died after its write left
// in the user's document reach the outbox through Claim's sweep, and leave the document; only
// once a sweep found them there before, so that a sweep never races a live writer to them.
func TestSweepMovesNoticesLeftInAUserDocument(t *testing.T) {
	ctx := context.Background()
	db := ferret.Database(t)
	const every = 50 * time.Millisecond
	s, err := mongostore.Connect(ctx, mongostore.Config{URI: ferret.URI(t), Database: db, NoticeSweep: every})
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	t.Cleanup(func() { _ = s.Close(ctx) })
	u := contract.NewUser(hexID(1), "left@example.com")
	if err := s.Users().Insert(ctx, u); err != nil {
		t.Fatalf("Insert: %v", err)
	}
	created := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	n := contract.NewNotice("left-behind", created)
	users := rawDB(t, db).Collection("users")
	_, err = users.UpdateOne(ctx, bson.D{{Key: "_id", Value: string(u.ID)}}, bson.D{{Key: "$push", Value: bson.D{{Key: "outbox", Value: bson.D{
		{Key: "id", Value: n.ID}, {Key: "kind", Value: string(n.Kind)}, {Key: "user_id", Value: string(n.UserID)},
		{Key: "to", Value: n.To}, {Key: "new_email", Value: n.NewEmail}, {Key: "created_at", Value: n.CreatedAt},
	}}}}})
	if err != nil {
		t.Fatalf("leave a notice behind: %v", err)
	}
	now := created.Add(time.Hour)
	if m, err := s.Outbox().Claim(ctx, now, time.Hour); !errors.Is(err, mail.ErrEmpty) {
		t.Fatalf("Claim at the first sight of the notice: got %+v, %v; want ErrEmpty", m, err)
	}
	time.Sleep(2 * every)
	m, err := s.Outbox().Claim(ctx, now, time.Hour)
	if err != nil {
		t.Fatalf("Claim after a second sweep: %v", err)
	}
	if m.ID != n.ID || m.To != n.To || m.Kind != n.Kind || !m.DueAt.Equal(created) {
		t.Fatalf("claimed %+v, want the notice left behind, due at %v", m, created)
	}
	var doc struct {
		Outbox []bson.Raw `bson:"outbox"`
	}
	if err := users.FindOne(ctx, bson.D{{Key: "_id", Value: string(u.ID)}}).Decode(&doc); err != nil {
		t.Fatalf("read the user document: %v", err)
	}
	if len(doc.Outbox) != 0 {
		t.Errorf("the user document still holds %d notices", len(doc.Outbox))
	}
	time.Sleep(2 * every)
	if _, err := s.Outbox().Claim(ctx, now, time.Hour); !errors.Is(err, mail.ErrEmpty) {
		t.Errorf("Claim after further sweeps: got %v, want ErrEmpty", err)
	}
	if b, err := s.Outbox().Backlog(ctx); err != nil || b.Count != 1 {
		t.Errorf("Backlog = %+v, %v; want the one message", b, err)
	}
}
