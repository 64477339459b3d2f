package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Clock tells the time and waits.
type Clock interface {
	Now() time.Time
	Sleep(ctx context.Context, d time.Duration) error
}

// Observer hears of every delivery attempt, for metrics.
type Observer interface {
	Delivered(m *Message)
	Failed(m *Message, err error)
}

// Config tunes a Courier; zero fields take the defaults below.
type Config struct {
	// Lease is how long a claimed message is the claimant's alone; it must outlast composing and
	// sending one message, and is how long a message waits after its courier died mid-delivery.
	Lease time.Duration
	// Poll is how often an idle courier looks for due messages queued by other replicas.
	Poll time.Duration
	// FirstRetry is the wait after a first failed attempt; each further failure doubles it, up to MaxRetry.
	FirstRetry time.Duration
	MaxRetry   time.Duration
}

func (c Config) withDefaults() Config {
	if c.Lease <= 0 {
		c.Lease = 2 * time.Minute
	}
	if c.Poll <= 0 {
		c.Poll = time.Second
	}
	if c.FirstRetry <= 0 {
		c.FirstRetry = time.Second
	}
	if c.MaxRetry <= 0 {
		c.MaxRetry = 5 * time.Minute
	}
	return c
}

// Retry is how long a message waits after its nth failed attempt: FirstRetry doubled per further
// failure, capped at MaxRetry. A message is never given up: an outage only delays it.
func (c Config) Retry(n int) time.Duration {
	c = c.withDefaults()
	d := c.FirstRetry
	for i := 1; i < n && d < c.MaxRetry; i++ {
		d *= 2
	}
	return min(d, c.MaxRetry)
}

// CourierDeps is what a Courier is built from.
type CourierDeps struct {
	Outbox   Outbox
	Composer Composer
	Sender   Sender
	Clock    Clock
	Observer Observer // may be nil
	Bell     *Bell    // may be nil: then only polls find new mail
	Log      *slog.Logger
	Config   Config
}

// Bell tells an idle courier that mail was queued, so it need not wait for its next poll. Use
// cases ring it after a write that queued mail; rings while the courier is busy fold into one.
type Bell struct{ c chan struct{} }

// NewBell returns a Bell.
func NewBell() *Bell { return &Bell{c: make(chan struct{}, 1)} }

// Ring wakes the courier, never blocking.
func (b *Bell) Ring() {
	select {
	case b.c <- struct{}{}:
	default:
	}
}

// Courier delivers the outbox's messages. Any number may run, one per replica: the outbox's
// leases give each message to one at a time.
type Courier struct {
	d   CourierDeps
	cfg Config
}

// NewCourier returns a Courier over d.
func NewCourier(d CourierDeps) *Courier {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Bell == nil {
		d.Bell = NewBell()
	}
	return &Courier{d: d, cfg: d.Config.withDefaults()}
}

// Run delivers due messages until ctx ends, then returns ctx's error.
func (c *Courier) Run(ctx context.Context) error {
	for {
		if _, err := c.DeliverDue(ctx); err != nil && ctx.Err() == nil {
			c.d.Log.Warn("mail outbox unreachable; retrying", "error", err)
		}
		if err := c.idle(ctx); err != nil {
			return err
		}
	}
}

// idle waits for a poll interval, or until the bell rings.
func (c *Courier) idle(ctx context.Context) error {
	wait, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-c.d.Bell.c:
			cancel()
		case <-wait.Done():
		}
	}()
	if err := c.d.Clock.Sleep(wait, c.cfg.Poll); err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// DeliverDue delivers every message due now, one after the other, and returns how many it
// handled (delivered, dropped or put back for a retry). It stops at the first outbox error.
func (c *Courier) DeliverDue(ctx context.Context) (int, error) {
	n := 0
	for ctx.Err() == nil {
		m, err := c.d.Outbox.Claim(ctx, c.d.Clock.Now(), c.cfg.Lease)
		if errors.Is(err, ErrEmpty) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("claim a message: %w", err)
		}
		// A message in hand is finished even when ctx ends meanwhile (a shutdown): abandoned, it
		// would wait out its lease. The sender's own timeouts bound it.
		if err := c.deliver(context.WithoutCancel(ctx), m); err != nil {
			return n, err
		}
		n++
	}
	return n, ctx.Err()
}

// deliver composes and sends m, then marks it sent or due again; only an outbox error is returned.
func (c *Courier) deliver(ctx context.Context, m *Message) error {
	err := c.send(ctx, m)
	if err == nil {
		if c.d.Observer != nil {
			c.d.Observer.Delivered(m)
		}
		if err := c.d.Outbox.Sent(ctx, m.ID); err != nil {
			// Delivered but still leased: sent again when the lease ends (at least once).
			return fmt.Errorf("mark message %s sent: %w", m.ID, err)
		}
		return nil
	}
	if c.d.Observer != nil {
		c.d.Observer.Failed(m, err)
	}
	wait := c.cfg.Retry(m.Attempts + 1)
	c.d.Log.Warn("mail not delivered; will retry", "message", m.ID, "kind", m.Kind,
		"attempt", m.Attempts+1, "retry_in", wait, "error", err)
	if err := c.d.Outbox.Retry(ctx, m.ID, c.d.Clock.Now().Add(wait), err.Error()); err != nil {
		return fmt.Errorf("put message %s back: %w", m.ID, err)
	}
	return nil
}

// send composes m and hands it to the sender; a notice that no longer applies is not sent.
func (c *Courier) send(ctx context.Context, m *Message) error {
	l, err := c.d.Composer.Compose(ctx, m.Notice)
	if err != nil {
		return fmt.Errorf("compose: %w", err)
	}
	if l == nil {
		c.d.Log.Info("mail dropped: it no longer applies", "message", m.ID, "kind", m.Kind)
		return nil
	}
	if err := c.d.Sender.Send(ctx, *l); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	c.d.Log.Info("mail sent", "message", m.ID, "kind", m.Kind)
	return nil
}
