package mongostore_test

import (
	"context"
	"strings"
	"testing"

	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/authd/authd/core/user"
	"github.com/authd/authd/test/contract"
)

// TestListLeavesOutUsersTheirEmailsKeyDoesNotName: a registration that failed after writing its
// user, and whose cleanup failed too, leaves a document no email reaches, possibly with another
// account's email. List shows neither, and paging one by one still walks every account once.
func TestListLeavesOutUsersTheirEmailsKeyDoesNotName(t *testing.T) {
	ctx := context.Background()
	s, db := connect(t)
	for i, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
		if err := s.Users().Insert(ctx, contract.NewUser(hexID(i+1), email)); err != nil {
			t.Fatal(err)
		}
	}
	users := rawDB(t, db).Collection("users")
	var doc bson.M
	if err := users.FindOne(ctx, bson.D{{Key: "_id", Value: hexID(2)}}).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	// Strays sorting just before and just after b's account, and one of an address no key has.
	for i, stray := range []struct{ id, email string }{{hexID(0), "b@example.com"}, {hexID(9), "b@example.com"}, {hexID(8), "bb@example.com"}} {
		doc["_id"], doc["email"] = stray.id, stray.email
		if _, err := users.InsertOne(ctx, doc); err != nil {
			t.Fatalf("stray %d: %v", i, err)
		}
	}
	for _, limit := range []int{1, 2, 10} {
		var got []string
		q := user.Query{Limit: limit}
		for range 10 {
			page, err := s.Users().List(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range page {
				got = append(got, u.Email+"="+string(u.ID))
			}
			if len(page) < limit {
				break
			}
			q.After = page[len(page)-1].Email
		}
		want := []string{"a@example.com=" + hexID(1), "b@example.com=" + hexID(2), "c@example.com=" + hexID(3)}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("pages of %d: %v, want %v", limit, got, want)
		}
	}
}
