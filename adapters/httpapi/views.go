package httpapi

import (
	"time"

	"github.com/authd/authd/core/audit"
	"github.com/authd/authd/core/credential"
	"github.com/authd/authd/core/user"
)

type profileView struct {
	FirstName   string  `json:"first_name"`
	LastName    string  `json:"last_name"`
	Bio         *string `json:"bio"`
	PhoneNumber *string `json:"phone_number"`
}

type userView struct {
	ID         string      `json:"id"`
	Email      string      `json:"email"`
	IsActive   bool        `json:"is_active"`
	IsVerified bool        `json:"is_verified"`
	CreatedAt  string      `json:"created_at"`
	LastLogin  *string     `json:"last_login"`
	Profile    profileView `json:"profile"`
}

type publicProfileView struct {
	FirstName string  `json:"first_name"`
	LastName  string  `json:"last_name"`
	Bio       *string `json:"bio"`
}

type publicUserView struct {
	ID         string            `json:"id"`
	IsActive   bool              `json:"is_active"`
	IsVerified bool              `json:"is_verified"`
	CreatedAt  string            `json:"created_at"`
	Profile    publicProfileView `json:"profile"`
}

// acceptedView answers a request whose work goes on after the answer, such as sending mail.
type acceptedView struct {
	Detail string `json:"detail"`
}

// sessionView is one of the caller's sessions, as GET /users/me/sessions lists it.
type sessionView struct {
	ID         string     `json:"id"`
	CreatedAt  string     `json:"created_at"`
	LastUsedAt string     `json:"last_used_at"`
	ExpiresAt  string     `json:"expires_at"`
	Current    bool       `json:"current"`
	Client     clientView `json:"client"`
}

// clientView is what a session kept of its client; null where it kept nothing.
type clientView struct {
	IP        *string `json:"ip"`
	UserAgent *string `json:"user_agent"`
}

type sessionListView struct {
	Sessions []sessionView `json:"sessions"`
}

// eventView is one event of the caller's timeline, with what a client needs to check its link.
type eventView struct {
	Seq       int64   `json:"seq"`
	ID        string  `json:"id"`
	Type      string  `json:"type"`
	At        string  `json:"at"`
	SessionID *string `json:"session_id"`
	ClientIP  *string `json:"client_ip"`
	Detail    *string `json:"detail"`
	PrevHash  *string `json:"prev_hash"`
	Hash      string  `json:"hash"`
}

// eventPageView is a page of the timeline; Next is the cursor of the page after it, nil at the end.
type eventPageView struct {
	Events []eventView `json:"events"`
	Next   *string     `json:"next"`
}

// reportView is what verifying the caller's timeline found.
type reportView struct {
	Valid  bool       `json:"valid"`
	Events int        `json:"events"`
	Head   *string    `json:"head"`
	Broken *breakView `json:"broken,omitempty"`
}

type breakView struct {
	Seq    int64  `json:"seq"`
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

type tokenView struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func viewUser(u *user.User) userView {
	v := userView{
		ID: string(u.ID), Email: u.Email, IsActive: u.IsActive, IsVerified: u.IsVerified,
		CreatedAt: timestamp(u.CreatedAt),
		Profile: profileView{
			FirstName: u.Profile.FirstName, LastName: u.Profile.LastName,
			Bio: u.Profile.Bio, PhoneNumber: u.Profile.PhoneNumber,
		},
	}
	if u.LastLogin != nil {
		s := timestamp(*u.LastLogin)
		v.LastLogin = &s
	}
	return v
}

func viewPublic(p user.Public) publicUserView {
	return publicUserView{
		ID: string(p.ID), IsActive: p.IsActive, IsVerified: p.IsVerified, CreatedAt: timestamp(p.CreatedAt),
		Profile: publicProfileView{FirstName: p.FirstName, LastName: p.LastName, Bio: p.Bio},
	}
}

func viewTokens(p credential.Pair) tokenView {
	return tokenView{AccessToken: p.AccessToken, RefreshToken: p.RefreshToken, TokenType: "bearer", ExpiresIn: int64(p.ExpiresIn / time.Second)}
}

func viewSessions(live []credential.SessionView) sessionListView {
	// Never null: a session ended between its authentication and the list leaves it empty.
	out := sessionListView{Sessions: make([]sessionView, 0, len(live))}
	for _, s := range live {
		out.Sessions = append(out.Sessions, sessionView{
			ID: s.ID, CreatedAt: timestamp(s.CreatedAt), LastUsedAt: timestamp(s.LastUsedAt), ExpiresAt: timestamp(s.ExpiresAt),
			Current: s.Current, Client: clientView{IP: orNull(s.Device.IP), UserAgent: orNull(s.Device.UserAgent)},
		})
	}
	return out
}

// orNull is s, or nil for "": a value that was not kept is null, never an empty string.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// eventTime is how audit's canonical encoding writes a time. An event's at is given exactly so,
// so that a client can take its hash from the page alone.
const eventTime = audit.TimeLayout

// viewEventPage shows the first limit of events, and a next when there are more.
func viewEventPage(events []audit.Event, limit int) eventPageView {
	var next *string
	if len(events) > limit {
		events = events[:limit]
		c := cursor(events[limit-1].Seq)
		next = &c
	}
	out := eventPageView{Events: make([]eventView, 0, len(events)), Next: next}
	for _, e := range events {
		out.Events = append(out.Events, viewEvent(e))
	}
	return out
}

func viewEvent(e audit.Event) eventView {
	return eventView{
		Seq: e.Seq, ID: e.ID, Type: string(e.Kind), At: e.At.UTC().Format(eventTime),
		SessionID: orNull(e.SessionID), ClientIP: orNull(e.IP), Detail: orNull(e.Detail),
		PrevHash: orNull(e.Prev), Hash: e.Hash(),
	}
}

func viewReport(r audit.Report) reportView {
	v := reportView{Valid: r.Valid, Events: r.Events, Head: orNull(r.Head)}
	if r.Broken != nil {
		v.Broken = &breakView{Seq: r.Broken.Seq, ID: r.Broken.ID, Reason: r.Broken.Reason}
	}
	return v
}
