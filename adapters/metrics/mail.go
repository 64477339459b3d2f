package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/authd/authd/core/mail"
)

// Mail counts the outbox's deliveries (a mail.Observer) and reports its backlog on every scrape.
type Mail struct {
	sent   *prometheus.CounterVec
	failed *prometheus.CounterVec
}

var _ mail.Observer = (*Mail)(nil)

// backlogTimeout bounds how long a scrape waits for the outbox's backlog.
const backlogTimeout = 2 * time.Second

// NewMail registers the mail metrics on reg; backlog is asked for the outbox's size at each scrape.
func NewMail(reg prometheus.Registerer, backlog func(context.Context) (mail.Backlog, error), now func() time.Time) (*Mail, error) {
	m := &Mail{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authd_mail_sent_total",
			Help: "Messages handed to the mail server (or the spool), or dropped because they no longer applied, by kind.",
		}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "authd_mail_failed_attempts_total",
			Help: "Delivery attempts that failed and will be retried, by kind.",
		}, []string{"kind"}),
	}
	read := func() mail.Backlog {
		ctx, cancel := context.WithTimeout(context.Background(), backlogTimeout)
		defer cancel()
		b, err := backlog(ctx)
		if err != nil {
			return mail.Backlog{Count: -1}
		}
		return b
	}
	queued := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "authd_mail_queued",
		Help: "Messages in the outbox not yet delivered (-1: the outbox could not be read).",
	}, func() float64 { return float64(read().Count) })
	oldest := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "authd_mail_oldest_undelivered_seconds",
		Help: "Age of the oldest message not yet delivered; 0 when the outbox is empty.",
	}, func() float64 {
		b := read()
		if b.Count <= 0 || b.Oldest.IsZero() {
			return 0
		}
		return now().Sub(b.Oldest).Seconds()
	})
	for _, c := range []prometheus.Collector{m.sent, m.failed, queued, oldest} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Delivered implements mail.Observer.
func (m *Mail) Delivered(msg *mail.Message) { m.sent.WithLabelValues(string(msg.Kind)).Inc() }

// Failed implements mail.Observer.
func (m *Mail) Failed(msg *mail.Message, _ error) { m.failed.WithLabelValues(string(msg.Kind)).Inc() }
