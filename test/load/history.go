package load

import (
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

// A lister is an account with a month of use behind it, written as the service writes it: the
// steps that list sessions and page through the security timeline read it.
const (
	// ListerSessions is how many live sessions each lister has, one per device it signed in on;
	// the worker's requests come from the newest. One more, logged out but not yet expired, is in
	// the store's index of the user's sessions too, and the service leaves it out of the list.
	ListerSessions = 4
	// ListerEvents is how many events each lister's timeline holds: more than EventsPerPage, so every
	// page the step asks for is full and has a next cursor.
	ListerEvents = 30
	// EventsPerPage is how many events the security-events step asks for, the service's default.
	EventsPerPage = 20
)

// historySpan is how long before the fixture each lister registered.
const historySpan = 30 * 24 * time.Hour

// device is a client a lister signs in from, as sessions and the timeline keep it: its network,
// not its address, and its user agent.
type device struct{ ip, userAgent string }

var devices = []device{
	{"198.51.100.0", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"},
	{"2001:db8:4a1c::", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"},
	{"203.0.113.0", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15"},
	{"192.0.2.0", "Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36"},
}

// entry is one event of a history before it has an id and a time.
type entry struct {
	kind    audit.Kind
	session int // index into the history's logins; -1: none
	device  device
	detail  string
}

// history gives u a month of use: registration, logins from several devices each ended by a
// logout, a wrong password, and at the end ListerSessions live sessions and one logged out,
// ListerEvents events in all, recorded on u so that inserting it appends them to its timeline.
// It returns the sessions the store still holds, the newest last; the older ones were ended and
// swept after they expired, and only their events are left.
func history(u *user.User, now time.Time) []*credential.Session {
	var logins []device
	var entries []entry
	add := func(kind audit.Kind, session int, d device, detail string) {
		entries = append(entries, entry{kind: kind, session: session, device: d, detail: detail})
	}
	login := func(d device) int {
		logins = append(logins, d)
		add(audit.LoginSucceeded, len(logins)-1, d, "")
		return len(logins) - 1
	}
	add(audit.Registered, -1, devices[0], "")
	// The end of the history: a session logged out while the live ones began, and a mistyped
	// password on the way.
	const recent = ListerSessions + 3
	for older := ListerEvents - 1 - recent; older > 0; older -= 2 {
		if older == 1 {
			add(audit.LoginFailed, -1, devices[0], "wrong_password")
			break
		}
		d := devices[len(logins)%len(devices)]
		add(audit.SessionRevoked, login(d), d, "logout")
	}
	first := len(logins)
	ended := login(devices[0])
	for j := 1; j <= ListerSessions; j++ {
		d := devices[j%len(devices)]
		switch j {
		case 2:
			add(audit.SessionRevoked, ended, devices[0], "logout")
		case 3:
			add(audit.LoginFailed, -1, d, "wrong_password")
		}
		login(d)
	}

	// Evenly spread over the month, the newest an hour ago: the live sessions all began within a
	// refresh token's lifetime.
	gap := (historySpan - time.Hour) / time.Duration(len(entries)-1)
	start := now.Add(-historySpan)
	ids := make([]string, len(logins))
	at := make([]time.Time, len(logins))
	var revoked time.Time
	for i, e := range entries {
		t := start.Add(time.Duration(i) * gap).UTC()
		ev := audit.New(newID(), "", e.kind, t)
		ev.IP, ev.Detail = e.device.ip, e.detail
		if e.session >= 0 {
			if e.kind == audit.LoginSucceeded {
				ids[e.session], at[e.session] = newID(), t
			}
			ev.SessionID = ids[e.session]
			if e.kind == audit.SessionRevoked && e.session == ended {
				revoked = t
			}
		}
		u.Record(ev)
	}
	u.CreatedAt, u.LastLogin = start.UTC(), &at[len(at)-1]

	var kept []*credential.Session
	for k := first; k < len(logins); k++ {
		s := &credential.Session{
			ID: ids[k], UserID: string(u.ID), RefreshID: newID(),
			CreatedAt: at[k], LastUsedAt: at[k],
			// Refreshed since it began: a refresh moves the expiry on.
			ExpiresAt: now.Add(sessionLifetime).UTC(),
			Device:    credential.Device{IP: logins[k].ip, UserAgent: logins[k].userAgent},
		}
		if k == ended {
			s.RevokedAt = &revoked
		}
		kept = append(kept, s)
	}
	// The worker's session is in use now: no request of the steps has to note its use first.
	kept[len(kept)-1].LastUsedAt = now.UTC()
	return kept
}
