// Package idgen makes identifiers in MongoDB's ObjectId format for every store.
package idgen

import "go.mongodb.org/mongo-driver/v2/bson"

// ObjectID generates 24-hex-digit ObjectIds: roughly time-ordered, unique across processes.
type ObjectID struct{}

// NewID returns a new ObjectId as lower-case hex.
func (ObjectID) NewID() string { return bson.NewObjectID().Hex() }
