package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxDrain bounds how long the bench waits for the mail a step queued to leave the outbox.
const maxDrain = 3 * time.Minute

// drained is what the courier did after a step: the letters the bench's SMTP server took since the
// last drain (in the step or after it), how long the outbox took to empty after the step, and the
// service CPU that took.
type drained struct {
	letters int
	took    time.Duration
	cpu     time.Duration
}

// drain waits until the service's outbox is empty: the courier delivers what a step queued (or
// drops it, such as a reset for an address nobody has) after the answers, and that work must
// neither slow the next measurement nor count in it.
func (b *bench) drain(ctx context.Context, p *process) drained {
	if p.metrics == "" {
		return drained{}
	}
	client := &http.Client{Timeout: 5 * time.Second}
	began := time.Now()
	cpu0, _ := p.cpu()
	for {
		n, err := mailQueued(client, p.metrics)
		if err != nil {
			progress("outbox backlog: %v; not waiting for it", err)
			break
		}
		if n == 0 {
			break
		}
		if time.Since(began) > maxDrain {
			progress("%d messages still queued %s after the step; measuring on", n, maxDrain)
			break
		}
		select {
		case <-ctx.Done():
			return drained{}
		case <-time.After(250 * time.Millisecond):
		}
	}
	d := drained{took: time.Since(began)}
	cpu1, _ := p.cpu()
	d.cpu = cpu1 - cpu0
	// Held, a step's tens of thousands of letters would be the bench's memory, not the service's.
	d.letters = len(b.mail.Messages())
	b.mail.Reset()
	return d
}

// mailQueued reads the service's outbox backlog: the authd_mail_queued gauge of its GET /metrics.
func mailQueued(client *http.Client, url string) (int, error) {
	resp, err := client.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET /metrics: status %d", resp.StatusCode)
	}
	s := bufio.NewScanner(resp.Body)
	for s.Scan() {
		v, ok := strings.CutPrefix(s.Text(), "authd_mail_queued ")
		if !ok {
			continue
		}
		n, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		switch {
		case err != nil:
			return 0, fmt.Errorf("authd_mail_queued %q: %w", v, err)
		case n < 0:
			return 0, errors.New("the service could not read its outbox")
		}
		return int(n), nil
	}
	if err := s.Err(); err != nil {
		return 0, fmt.Errorf("read /metrics: %w", err)
	}
	return 0, errors.New("no authd_mail_queued in GET /metrics")
}
