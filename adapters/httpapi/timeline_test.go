package httpapi

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/authd/authd/core/audit"
)

const (
	eventsPath = "/api/v1/users/me/security-events"
	verifyPath = eventsPath + "/verify"
	linkBroken = "its link does not match the event before it: that event was changed, or this one was"
)

// events is the page GET /users/me/security-events?query answers bearer with, or fails the test.
func (w *world) events(t *testing.T, bearer, query string) eventPageView {
	t.Helper()
	rec := w.send(t, http.MethodGet, eventsPath+query, bearer, "")
	var page eventPageView
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &page) != nil || page.Events == nil {
		t.Fatalf("list security events%s: %d %s", query, rec.Code, rec.Body)
	}
	return page
}

// userID is the id of bearer's user, as GET /users/me gives it.
func (w *world) userID(t *testing.T, bearer string) string {
	t.Helper()
	var me userView
	if rec := w.send(t, http.MethodGet, "/api/v1/users/me", bearer, ""); rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &me) != nil {
		t.Fatalf("GET /users/me: %d %s", rec.Code, rec.Body)
	}
	return me.ID
}

// changePassword changes the password register gives to NewSecurePass123!, or fails the test.
func (w *world) changePassword(t *testing.T, bearer string) {
	t.Helper()
	body := `{"current_password":"SecurePass123!","new_password":"NewSecurePass123!","confirm_password":"NewSecurePass123!"}`
	if rec := w.send(t, http.MethodPost, "/api/v1/auth/change-password", bearer, body); rec.Code != http.StatusNoContent {
		t.Fatalf("change password: %d %s", rec.Code, rec.Body)
	}
}

// clientHash is the hash of e as a client takes it from the page alone, by the document's canonical
// encoding: the caller's id as user_id, type as kind, client_ip as ip, prev_hash as prev, null as "".
func clientHash(userID string, e eventView) string {
	b, err := json.Marshal(struct {
		ID        string `json:"id"`
		UserID    string `json:"user_id"`
		Seq       int64  `json:"seq"`
		Kind      string `json:"kind"`
		At        string `json:"at"`
		SessionID string `json:"session_id"`
		IP        string `json:"ip"`
		Detail    string `json:"detail"`
		Prev      string `json:"prev"`
	}{e.ID, userID, e.Seq, e.Type, e.At, deref(e.SessionID), deref(e.ClientIP), deref(e.Detail), deref(e.PrevHash)})
	if err != nil {
		panic(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// wantChain fails the test unless events, newest first and ending with the oldest, chain as the
// document says a client can check: each hash is the canonical encoding's, each prev_hash the
// hash of the event before, and the first event links to nothing.
func wantChain(t *testing.T, userID string, events []eventView) {
	t.Helper()
	for i, e := range events {
		if got := clientHash(userID, e); got != e.Hash {
			t.Errorf("event %d: hash %s, but its canonical encoding hashes to %s", e.Seq, e.Hash, got)
		}
		if i == len(events)-1 {
			if e.PrevHash != nil || e.Seq != 1 {
				t.Errorf("the oldest event is %d with prev_hash %v, want 1 with null", e.Seq, deref(e.PrevHash))
			}
			continue
		}
		if older := events[i+1]; e.Seq != older.Seq+1 || deref(e.PrevHash) != older.Hash {
			t.Errorf("event %d links to %s, want %d's hash %s", e.Seq, deref(e.PrevHash), older.Seq, older.Hash)
		}
	}
}

func TestSecurityEvents(t *testing.T) {
	t.Parallel()
	w := newWorld(t, keepDevice)
	wantProblem(t, w.send(t, http.MethodGet, eventsPath, "", ""), http.StatusUnauthorized, "not_authenticated", "Not authenticated")
	alice := w.register(t, "alice@example.com")
	bob := w.register(t, "bob@example.com")
	w.clock.Advance(90*time.Second + 250*time.Millisecond)
	w.ip = "198.51.100.7"
	w.changePassword(t, alice)
	session := w.current(t, alice)

	page := w.events(t, alice, "")
	want := []eventView{
		{Seq: 4, Type: "session_revoked", At: "2026-05-01T12:01:30.250Z", ClientIP: str("198.51.100.0"), Detail: str("password_change")},
		{Seq: 3, Type: "password_changed", At: "2026-05-01T12:01:30.250Z", SessionID: &session, ClientIP: str("198.51.100.0")},
		{Seq: 2, Type: "login_succeeded", At: "2026-05-01T12:00:00.000Z", SessionID: &session, ClientIP: str("192.0.2.0")},
		{Seq: 1, Type: "registered", At: "2026-05-01T12:00:00.000Z", ClientIP: str("192.0.2.0")},
	}
	if len(page.Events) != len(want) || page.Next != nil {
		t.Fatalf("%d events and next %v, want alice's 4 and no next: %+v", len(page.Events), deref(page.Next), page.Events)
	}
	for i, got := range page.Events {
		want[i].ID, want[i].PrevHash, want[i].Hash = got.ID, got.PrevHash, got.Hash
		if g := mustJSON(got); string(g) != string(mustJSON(want[i])) {
			t.Errorf("event %d:\n got %s\nwant %s", i, g, mustJSON(want[i]))
		}
	}
	wantChain(t, w.userID(t, alice), page.Events)

	// Bob's timeline is his own, a chain of its own.
	theirs := w.events(t, bob, "").Events
	if len(theirs) != 2 || theirs[0].Type != "login_succeeded" || theirs[1].Type != "registered" {
		t.Errorf("bob's events %+v, want his login and registration", theirs)
	}
	wantChain(t, w.userID(t, bob), theirs)
}

// Without AUTHD_SESSION_CLIENT_INFO the timeline keeps no network either: client_ip is null.
func TestSecurityEventsWithoutClientInfo(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	access := w.register(t, "alice@example.com")
	rec := w.send(t, http.MethodGet, eventsPath, access, "")
	if rec.Code != http.StatusOK || strings.Count(rec.Body.String(), `"client_ip":null,"detail":null`) != 2 {
		t.Errorf("%d %s, want two events with a null client_ip and detail", rec.Code, rec.Body)
	}
}

func TestSecurityEventsPages(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	access := w.register(t, "alice@example.com")
	for range 6 {
		w.login(t, "alice@example.com", "SecurePass123!")
	}
	// Eight events: the registration and seven logins.
	all := w.events(t, access, "")
	if len(all.Events) != 8 || all.Next != nil {
		t.Fatalf("default page: %d events, next %v; want all 8 and no next", len(all.Events), deref(all.Next))
	}
	wantChain(t, w.userID(t, access), all.Events)

	var seqs []int64
	query, pages := "?limit=3", 0
	for {
		page := w.events(t, access, query)
		pages++
		for _, e := range page.Events {
			seqs = append(seqs, e.Seq)
		}
		if pages == 1 {
			w.login(t, "alice@example.com", "SecurePass123!") // newer than every page: shifts none
		}
		if page.Next == nil {
			break
		}
		if pages > 3 {
			t.Fatalf("still a next after %d pages of 3: %v", pages, seqs)
		}
		query = "?limit=3&before=" + *page.Next
	}
	if want := []int64{8, 7, 6, 5, 4, 3, 2, 1}; !slices.Equal(seqs, want) || pages != 3 {
		t.Errorf("paging by 3 gave %v in %d pages, want %v in 3", seqs, pages, want)
	}

	// A page that ends exactly with the oldest event has no next; one short of it has one, and the
	// page it leads to holds the rest.
	if page := w.events(t, access, "?limit=9"); len(page.Events) != 9 || page.Next != nil {
		t.Errorf("limit=9 of 9: %d events, next %v; want 9 and no next", len(page.Events), deref(page.Next))
	}
	page := w.events(t, access, "?limit=8")
	if len(page.Events) != 8 || page.Next == nil {
		t.Fatalf("limit=8 of 9: %d events, next %v; want 8 and a next", len(page.Events), deref(page.Next))
	}
	if rest := w.events(t, access, "?before="+*page.Next); len(rest.Events) != 1 || rest.Events[0].Seq != 1 || rest.Next != nil {
		t.Errorf("after 8 of 9: %+v, want the registration alone and no next", rest)
	}
	// The document's integer syntax is the service's: a sign and leading zeros are allowed.
	for query, want := range map[string]int{"?limit=%2B2": 2, "?limit=02": 2, "?limit=100": 9} {
		if got := len(w.events(t, access, query).Events); got != want {
			t.Errorf("%s: %d events, want %d", query, got, want)
		}
	}
}

func TestSecurityEventsRefuseABadQuery(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	access := w.register(t, "alice@example.com")
	tests := []struct {
		query, loc, typ, msg string
		documented           bool // the document refuses it too; an opaque cursor's content it cannot judge
	}{
		{"limit=0", "limit", typeGreaterEqual, "Input should be greater than or equal to 1", true},
		{"limit=-3", "limit", typeGreaterEqual, "Input should be greater than or equal to 1", true},
		{"limit=101", "limit", typeLessEqual, "Input should be less than or equal to 100", true},
		{"limit=ten", "limit", typeIntParsing, "Input should be a valid integer, unable to parse string as an integer", true},
		{"limit=", "limit", typeIntParsing, "Input should be a valid integer, unable to parse string as an integer", true},
		{"limit=2.5", "limit", typeIntParsing, "Input should be a valid integer, unable to parse string as an integer", true},
		{"limit=99999999999999999999", "limit", typeIntParsing, "Input should be a valid integer, unable to parse string as an integer", true},
		{"limit=2&limit=3", "limit", typeValue, "Input should be sent once, not 2 times", false},
		{"before=", "before", typeValue, badCursor, true},
		{"before=not+a+cursor", "before", typeValue, badCursor, true},
		{"before=AAAAAAAAAAM%0A", "before", typeValue, badCursor, true}, // base64 alone would skip the line feed
		{"before=AAAAAAAAAAN", "before", typeValue, badCursor, false},   // the same bytes as ...M, spelt otherwise
		{"before=AAAAAAAAAAA", "before", typeValue, badCursor, false},   // seq 0
		{"before=" + cursor(-1), "before", typeValue, badCursor, false},
		{"before=AAAAAAAAAAAAAAM", "before", typeValue, badCursor, false},
		{"limit=%zz", "", typeValue, `The query string is malformed: invalid URL escape "%zz"`, false},
	}
	for _, tt := range tests {
		rec := w.send(t, http.MethodGet, eventsPath+"?"+tt.query, access, "")
		loc := []any{inQuery}
		if tt.loc != "" {
			loc = append(loc, tt.loc)
		}
		want := mustJSON(map[string][]validationItem{"detail": {{Loc: loc, Msg: tt.msg, Type: tt.typ}}})
		if rec.Code != http.StatusUnprocessableEntity || strings.TrimSpace(rec.Body.String()) != string(want) {
			t.Errorf("?%s: %d %s, want 422 %s", tt.query, rec.Code, rec.Body, want)
		}
		if tt.documented {
			wantRefusedByDocument(t, http.MethodGet, eventsPath+"?"+tt.query)
		}
	}

	// Every problem at once, each at its parameter.
	rec := w.send(t, http.MethodGet, eventsPath+"?limit=0&before=x", access, "")
	if body := rec.Body.String(); rec.Code != http.StatusUnprocessableEntity || !strings.Contains(body, `"loc":["query","limit"]`) || !strings.Contains(body, `"loc":["query","before"]`) {
		t.Errorf("a bad limit and cursor: %d %s, want both", rec.Code, body)
	}
	wantProblem(t, w.send(t, http.MethodGet, eventsPath+"?limit=0", "", ""), http.StatusUnauthorized, "not_authenticated", "Not authenticated")
}

const badCursor = "value is not a valid cursor: pass a page's next as it is"

// A cursor gives back the seq it was made of, and is what the document's Cursor schema allows.
func TestCursorsRoundTrip(t *testing.T) {
	t.Parallel()
	doc, err := loadDocument()
	if err != nil {
		t.Fatal(err)
	}
	schema := doc.spec.Components.Schemas["Cursor"].Value
	for _, seq := range []int64{1, 2, 255, 1 << 40, math.MaxInt64} {
		c := cursor(seq)
		if got, ok := parseCursor(c); !ok || got != seq {
			t.Errorf("cursor %q of %d parses to %d, %t", c, seq, got, ok)
		}
		if err := schema.VisitJSON(c, openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("cursor %q of %d breaks the document: %v", c, seq, err)
		}
	}
}

func TestVerifyTimeline(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	wantProblem(t, w.send(t, http.MethodGet, verifyPath, "", ""), http.StatusUnauthorized, "not_authenticated", "Not authenticated")
	alice := w.register(t, "alice@example.com")
	bob := w.register(t, "bob@example.com")
	w.changePassword(t, alice)
	events := w.events(t, alice, "").Events

	rec := w.send(t, http.MethodGet, verifyPath, alice, "")
	if want := `{"valid":true,"events":4,"head":"` + events[0].Hash + `"}`; rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != want {
		t.Fatalf("verify: %d %s, want 200 %s", rec.Code, rec.Body, want)
	}

	// An attacker with the database edits the login: the link of the event after it breaks.
	w.users.Timeline.Tamper(w.userID(t, alice), 2, func(e *audit.Event) { e.IP = "198.51.100.0" })
	edited := w.events(t, alice, "").Events
	if edited[2].Hash == events[2].Hash || deref(edited[1].PrevHash) == edited[2].Hash {
		t.Fatalf("the edited event still chains: %+v", edited)
	}
	rec = w.send(t, http.MethodGet, verifyPath, alice, "")
	want := fmt.Sprintf(`{"valid":false,"events":2,"head":"%s","broken":{"seq":3,"id":"%s","reason":"%s"}}`, edited[2].Hash, events[1].ID, linkBroken)
	if rec.Code != http.StatusOK || strings.TrimSpace(rec.Body.String()) != want {
		t.Errorf("verify after tampering: %d %s\nwant 200 %s", rec.Code, rec.Body, want)
	}
	if rec := w.send(t, http.MethodGet, verifyPath, bob, ""); rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), `{"valid":true,"events":2,`) {
		t.Errorf("bob's timeline: %d %s, want valid with his 2 events", rec.Code, rec.Body)
	}
}

// Every report the service can give is one the document describes, an empty timeline's included,
// and the document refuses a report that is valid and broken at once.
func TestReportsMatchTheDocument(t *testing.T) {
	t.Parallel()
	doc, err := loadDocument()
	if err != nil {
		t.Fatal(err)
	}
	schema := doc.spec.Components.Schemas["TimelineReport"].Value
	head := strings.Repeat("ab", 32)
	for _, r := range []audit.Report{
		{Valid: true},
		{Valid: true, Events: 3, Head: head},
		{Events: 0, Broken: &audit.Break{Seq: 1, ID: "x", Reason: "sequence 1 where 5 was due: an event is missing or was added"}},
		{Events: 2, Head: head, Broken: &audit.Break{Seq: 3, ID: "y", Reason: linkBroken}},
	} {
		var v any
		if err := json.Unmarshal(mustJSON(viewReport(r)), &v); err != nil {
			t.Fatal(err)
		}
		if err := schema.VisitJSON(v, openapi3.EnableJSONSchema2020()); err != nil {
			t.Errorf("%s breaks the document: %v", mustJSON(viewReport(r)), err)
		}
	}
	if got := mustJSON(viewReport(audit.Report{Valid: true})); string(got) != `{"valid":true,"events":0,"head":null}` {
		t.Errorf("an empty timeline's report %s, want a null head", got)
	}
	both := map[string]any{"valid": true, "events": 1.0, "head": head, "broken": map[string]any{"seq": 2.0, "id": "z", "reason": linkBroken}}
	if schema.VisitJSON(both, openapi3.EnableJSONSchema2020()) == nil {
		t.Error("the document allows a valid report with a break")
	}
}

// The document's bounds for limit and its list of event types are the service's.
func TestTimelineMatchesTheDocument(t *testing.T) {
	t.Parallel()
	doc, err := loadDocument()
	if err != nil {
		t.Fatal(err)
	}
	op := doc.spec.Paths.Value(eventsPath).Get
	limit := op.Parameters.GetByInAndName("query", "limit").Schema.Value
	if limit.Min == nil || *limit.Min != 1 || limit.Max == nil || *limit.Max != maxEventLimit || limit.Default != float64(defaultEventLimit) {
		t.Errorf("the document's limit is %v to %v, default %v; the service's 1 to %d, default %d", limit.Min, limit.Max, limit.Default, maxEventLimit, defaultEventLimit)
	}
	if page := doc.spec.Components.Schemas["SecurityEventPage"].Value.Properties["events"].Value; page.MaxItems == nil || *page.MaxItems != maxEventLimit {
		t.Errorf("the document's page holds up to %v events, the service's %d", page.MaxItems, maxEventLimit)
	}
	kinds := []audit.Kind{
		audit.Registered, audit.LoginSucceeded, audit.LoginFailed, audit.LockoutStarted, audit.PasswordChanged, audit.PasswordReset,
		audit.EmailVerified, audit.EmailChangeRequested, audit.EmailChanged, audit.SessionRevoked, audit.RefreshReuseDetected,
		audit.AccountDeactivated, audit.AccountActivated, audit.PasswordResetRequired, audit.AccountDeleted, audit.RoleGranted,
		audit.RoleRevoked, audit.AccountExported,
	}
	var documented []string
	for _, v := range doc.spec.Components.Schemas["SecurityEvent"].Value.Properties["type"].Value.Enum {
		documented = append(documented, fmt.Sprint(v))
	}
	for _, k := range kinds {
		if !slices.Contains(documented, string(k)) {
			t.Errorf("the document's event types %v lack %s", documented, k)
		}
	}
	if len(documented) != len(kinds) {
		t.Errorf("the document lists %d event types, the core has %d", len(documented), len(kinds))
	}
}
