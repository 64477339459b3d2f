package httpapi

import (
	"net/http"
	"net/url"
	"strconv"
)

// query is a request's query string, read as strictly as a body: every problem it has is a 422
// at ["query", name], in the words FastAPI and pydantic use for query parameters.
type query struct {
	values url.Values
	errs   fieldProblems
}

// readQuery parses r's query string. One that does not parse (a bad %-escape, a semicolon) is a
// problem of the query as a whole: net/url would drop the pair silently, and with it a limit the
// client meant to send.
func readQuery(r *http.Request) *query {
	values, err := url.ParseQuery(r.URL.RawQuery)
	q := &query{values: values}
	if err != nil {
		q.errs = append(q.errs, queryProblem("", typeValue, "The query string is malformed: "+err.Error()))
	}
	return q
}

// value returns the parameter name, and whether it was sent. Sent twice it is a problem: which
// of two values counts is where a proxy and this service could disagree.
func (q *query) value(name string) (string, bool) {
	vs := q.values[name]
	switch len(vs) {
	case 0:
		return "", false
	case 1:
		return vs[0], true
	}
	q.errs = append(q.errs, queryProblem(name, typeValue, "Input should be sent once, not "+strconv.Itoa(len(vs))+" times"))
	return "", false
}

// integer returns the parameter name as an integer from lo to hi, or def when it was not sent.
// It reads what the document's integer schema reads (strconv.ParseInt's syntax, so "+5" and
// "05" are 5), so that the service and the document refuse the same values.
func (q *query) integer(name string, def, lo, hi int) int {
	raw, ok := q.value(name)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	switch {
	case err != nil:
		q.errs = append(q.errs, queryProblem(name, typeIntParsing, "Input should be a valid integer, unable to parse string as an integer"))
	case n < int64(lo):
		q.errs = append(q.errs, queryProblem(name, typeGreaterEqual, "Input should be greater than or equal to "+strconv.Itoa(lo)))
	case n > int64(hi):
		q.errs = append(q.errs, queryProblem(name, typeLessEqual, "Input should be less than or equal to "+strconv.Itoa(hi)))
	default:
		return int(n)
	}
	return def
}

// err is every problem found so far, or nil.
func (q *query) err() error { return q.errs.err() }

// queryProblem is a problem with the query parameter field; empty for the query string as a whole.
func queryProblem(field, typ, msg string) *fieldProblem {
	return &fieldProblem{in: inQuery, field: field, typ: typ, msg: msg}
}
