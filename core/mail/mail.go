// Package mail delivers the notices the service owes (see user.Notice) from a durable outbox: a
// change that owes a message commits it with the change, and a Courier delivers it later, again
// and again until the mail server takes it. A message is delivered once in normal operation and
// at least once across crashes: a courier that dies after the server took a message but before
// marking it sent leaves it to be sent again once its lease runs out.
package mail

import (
	"context"
	"errors"
	"time"

	"github.com/authd/authd/core/user"
)

// Message is a notice in the outbox, with its delivery so far.
type Message struct {
	user.Notice
	Attempts  int       // deliveries tried and failed
	DueAt     time.Time // not to be tried before
	LastError string    // why the latest attempt failed
}

// Outbox keeps messages until they are delivered, in storage every replica shares.
type Outbox interface {
	// Enqueue stores n as a message due now. Enqueueing an id already stored does nothing: a
	// notice moved into the outbox twice is one message.
	Enqueue(ctx context.Context, n user.Notice) error
	// Claim leases the message due soonest (DueAt at or before now and not leased, or its lease
	// ended) to the caller until now+lease, atomically: of couriers claiming at once, each message
	// goes to one. ErrEmpty when nothing is due.
	Claim(ctx context.Context, now time.Time, lease time.Duration) (*Message, error)
	// Sent removes a delivered message.
	Sent(ctx context.Context, id string) error
	// Retry ends the lease of a message whose delivery failed: it counts the attempt, keeps why,
	// and makes it due again at at.
	Retry(ctx context.Context, id string, at time.Time, reason string) error
	// Backlog counts the messages not yet delivered.
	Backlog(ctx context.Context) (Backlog, error)
}

// Backlog is what an outbox holds.
type Backlog struct {
	Count  int
	Oldest time.Time // CreatedAt of the oldest message; zero when Count is 0
}

// ErrEmpty means no message is due.
var ErrEmpty = errors.New("no message is due")

// Letter is a message ready for a mail adapter: a notice and what it needs to say.
type Letter struct {
	Kind      user.NoticeKind
	To        string
	FirstName string
	NewEmail  string
	Token     string    // the one-time token of a message with a link; empty otherwise
	ExpiresAt time.Time // when Token stops working
}

// Sender hands letters to a mail server. An error means the server did not take the letter.
type Sender interface {
	Send(ctx context.Context, l Letter) error
}

// Composer turns a notice into a letter, minting the token of a notice with a link. A nil letter
// means the notice no longer applies (the account is gone, already verified, or moved on) and is
// dropped. Composing a notice again mints a token that supersedes the last one.
type Composer interface {
	Compose(ctx context.Context, n user.Notice) (*Letter, error)
}
