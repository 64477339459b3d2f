package mongostore_test

import (
	"context"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/authd/authd/test/contract"
)

// TestSessionsByUserHasItsIndex: ByUser's query, an equality on user_id and a range on
// expires_at, has an index to read, in that order.
func TestSessionsByUserHasItsIndex(t *testing.T) {
	ctx := context.Background()
	_, db := connect(t)
	cur, err := rawDB(t, db).Collection("sessions").Indexes().List(ctx)
	if err != nil {
		t.Fatalf("list indexes: %v", err)
	}
	var indexes []struct {
		Name string `bson:"name"`
		Key  bson.D `bson:"key"`
	}
	if err := cur.All(ctx, &indexes); err != nil {
		t.Fatalf("list indexes: %v", err)
	}
	for _, ix := range indexes {
		if len(ix.Key) == 2 && ix.Key[0].Key == "user_id" && ix.Key[1].Key == "expires_at" {
			return
		}
	}
	t.Fatalf("no {user_id, expires_at} index on sessions: %+v", indexes)
}

// TestSessionWrittenBeforeItsDeviceAndRotationReads: a session stored before sessions kept their
// last use, device and rotation reads with none of them, and is listed.
func TestSessionWrittenBeforeItsDeviceAndRotationReads(t *testing.T) {
	ctx := context.Background()
	s, db := connect(t)
	want := contract.NewSession(hexID(1))
	want.LastUsedAt = time.Time{}
	old := bson.D{
		{Key: "_id", Value: want.ID}, {Key: "user_id", Value: want.UserID}, {Key: "refresh_id", Value: want.RefreshID},
		{Key: "epoch", Value: want.Epoch}, {Key: "created_at", Value: want.CreatedAt}, {Key: "expires_at", Value: want.ExpiresAt},
		{Key: "revoked_at", Value: nil}, {Key: "version", Value: int64(2)},
	}
	if _, err := rawDB(t, db).Collection("sessions").InsertOne(ctx, old); err != nil {
		t.Fatalf("insert: %v", err)
	}
	got, err := s.Sessions().ByID(ctx, want.ID)
	if err != nil {
		t.Fatalf("ByID: %v", err)
	}
	if !got.LastUsedAt.IsZero() || got.Rotation != nil || got.Device.IP != "" || got.Device.UserAgent != "" {
		t.Errorf("session = %+v, want no last use, device or rotation", got)
	}
	listed, err := s.Sessions().ByUser(ctx, want.UserID, want.CreatedAt)
	if err != nil || len(listed) != 1 || listed[0].ID != want.ID {
		t.Errorf("ByUser = %v, %v; want the one session", listed, err)
	}
}
