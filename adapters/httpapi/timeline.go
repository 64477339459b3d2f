package httpapi

import (
	"encoding/base64"
	"encoding/binary"
	"net/http"

	"github.com/authd/authd/core/credential"
)

// Bounds of a page of security events, as the document's limit parameter gives them.
const (
	defaultEventLimit = 20
	maxEventLimit     = 100
)

func (a *API) securityEvents(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	q := readQuery(r)
	limit := q.integer("limit", defaultEventLimit, 1, maxEventLimit)
	var before int64
	if raw, ok := q.value("before"); ok {
		seq, valid := parseCursor(raw)
		if !valid {
			q.errs = append(q.errs, queryProblem("before", typeValue, "value is not a valid cursor: pass a page's next as it is"))
		}
		before = seq
	}
	if err := q.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	// One more than the page holds says whether another follows, so the last page has no next
	// that would only lead to an empty one.
	events, err := a.creds.SecurityEvents(r.Context(), p, before, limit+1)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewEventPage(events, limit))
}

func (a *API) verifyTimeline(w http.ResponseWriter, r *http.Request, p *credential.Principal) {
	report, err := a.creds.VerifyTimeline(r.Context(), p)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewReport(report))
}

// cursor is the next of a page whose last event has seq: the page after it holds the events
// before seq. Clients pass it back as it is; its encoding is this adapter's to change.
func cursor(seq int64) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(seq))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// parseCursor returns the seq a cursor holds. Only what cursor writes is one: base64 decoding
// alone would also take line breaks and other spellings of the same bytes.
func parseCursor(s string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 8 {
		return 0, false
	}
	seq := int64(binary.BigEndian.Uint64(b))
	return seq, seq > 0 && cursor(seq) == s
}
