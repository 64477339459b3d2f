package credential

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/user"
)

// What the timeline says ended a session (audit.SessionRevoked's Detail).
const (
	byUser           = "user"
	byLogout         = "logout"
	byPasswordChange = "password_change"
	byReset          = "password_reset"
	byReuse          = "reuse_detected"
	byOperator       = "operator"
)

// Why a login failed (audit.LoginFailed's Detail).
const (
	wrongPassword = "wrong_password"
	lockedOut     = "locked_out"
	inactive      = "inactive"
	resetRequired = "reset_required"
)

// recordTimeout bounds an event recorded after its request has answered.
const recordTimeout = 5 * time.Second

// event is a new event of kind, in the session with sessionID, from the client at ip (an
// address or an address-limit key, kept only as its network when sessions keep devices).
func (s *Service) event(kind audit.Kind, sessionID, ip, detail string) audit.Event {
	e := audit.New(s.ids.NewID(), "", kind, s.now())
	e.SessionID, e.Detail = sessionID, detail
	if s.cfg.KeepDevice {
		e.IP = network(ip)
	}
	return e
}

// record appends e to the timeline of userID now, in the request.
func (s *Service) record(ctx context.Context, userID user.ID, e audit.Event) {
	e.UserID = string(userID)
	s.events.Record(ctx, e)
}

// recordLater appends e after the request has answered. Events of failed logins go this way:
// only accounts that exist have a timeline, and a write in the request would make a wrong
// password slower to answer than an unknown email.
func (s *Service) recordLater(ctx context.Context, userID user.ID, e audit.Event) {
	e.UserID = string(userID)
	ctx = context.WithoutCancel(ctx)
	go func() {
		ctx, cancel := context.WithTimeout(ctx, recordTimeout)
		defer cancel()
		s.events.Record(ctx, e)
	}()
}

// network is the network of ip kept in the timeline, as sessions keep it (see Client.Device).
// ip may be an address-limit key: a network already.
func network(ip string) string {
	if p, err := netip.ParsePrefix(ip); err == nil {
		ip = p.Addr().String()
	}
	return Client{IP: strings.TrimSpace(ip)}.Device(true).IP
}

// SecurityEvents returns a page of the caller's timeline: at most limit events before the one
// with Seq before (0: from the newest), newest first.
func (s *Service) SecurityEvents(ctx context.Context, p *Principal, before int64, limit int) ([]audit.Event, error) {
	limit = min(max(limit, 1), maxEventPage)
	return s.timeline.Page(ctx, string(p.User.ID), before, limit)
}

// maxEventPage bounds a page of the timeline whatever a caller asks for (the HTTP adapter's
// limit is at most 100, and it asks for one more to know whether there is a next page).
const maxEventPage = 101

// VerifyTimeline checks the hash chain of the caller's timeline.
func (s *Service) VerifyTimeline(ctx context.Context, p *Principal) (audit.Report, error) {
	return audit.Verify(ctx, s.timeline, string(p.User.ID))
}
