package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
	"golang.org/x/text/unicode/norm"
)

// MaxBodyBytes is the largest request body read; larger ones get 413.
const MaxBodyBytes = 1 << 20

var (
	errTooLarge         = errors.New("request body is larger than 1 MiB")
	errUnsupportedMedia = errors.New("request body must be application/json")
)

// field describes one member of a request object.
type field struct {
	name     string
	required bool
	nullable bool // null is a value of its own (it clears), not a type error
	// verbatim fields must arrive in NFC and are not normalised: for an identifier like an email,
	// normalising would merge addresses that differ (the Kelvin sign U+212A would become "K").
	verbatim bool
	// opaque fields are secrets the core judges whole (a link's token): passed on exactly as sent,
	// neither normalised nor held to NFC, so that a near miss is a bad link like any other and the
	// answer gives no hint about the token's alphabet.
	opaque bool
	// minLen and maxLen are the document's minLength and maxLength (0: none). They count code
	// points of the string as sent, as JSON Schema does, before any normalising or trimming, so
	// the service and the document refuse the same strings for their length.
	minLen, maxLen int
}

// value is one decoded member: absent, null, or a string.
type value struct {
	present bool
	null    bool
	s       string
}

// ptr returns the string, or nil for null or absent.
func (v value) ptr() *string {
	if !v.present || v.null {
		return nil
	}
	s := v.s
	return &s
}

// decodeObject reads a JSON object whose members are all strings (or null where allowed).
// It is strict where encoding/json is lenient: names match case-sensitively, duplicates, unknown
// members, invalid UTF-8, NUL characters and anything after the object are all rejected, so no
// request value can reach the core except as a plain string it was declared to be.
func decodeObject(r *http.Request, fields []field, optionalBody bool) (map[string]value, error) {
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		if optionalBody {
			return map[string]value{}, nil
		}
		return nil, fieldProblems{bodyProblem("", typeMissing, "Field required")}
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	if kind := dec.PeekKind(); kind != '{' {
		if kind == 0 {
			return nil, jsonInvalid(dec)
		}
		return nil, fieldProblems{bodyProblem("", typeNotAnObject, "Input should be a JSON object")}
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, jsonInvalid(dec)
	}
	known := make(map[string]field, len(fields))
	for _, f := range fields {
		known[f.name] = f
	}
	out := make(map[string]value, len(fields))
	var errs fieldProblems
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return nil, jsonInvalid(dec)
		}
		name := tok.String() // the token is only valid until the next read
		raw, err := dec.ReadValue()
		if err != nil {
			return nil, jsonInvalid(dec)
		}
		f, ok := known[name]
		if !ok {
			errs = append(errs, bodyProblem(name, typeExtraForbidden, "Extra inputs are not permitted"))
			continue
		}
		v, verr := stringValue(f, raw)
		if verr != nil {
			errs = append(errs, verr)
			continue
		}
		out[f.name] = v
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, jsonInvalid(dec)
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, fieldProblems{bodyProblem("", typeJSONInvalid, fmt.Sprintf("JSON decode error: unexpected data after the object at byte %d", dec.InputOffset()))}
	}
	for _, f := range fields {
		if _, ok := out[f.name]; f.required && !ok && !hasFieldErr(errs, f.name) {
			errs = append(errs, bodyProblem(f.name, typeMissing, "Field required"))
		}
	}
	return out, errs.err()
}

func stringValue(f field, raw jsontext.Value) (value, *fieldProblem) {
	switch raw.Kind() {
	case 'n':
		if f.nullable {
			return value{present: true, null: true}, nil
		}
	case '"':
		unquoted, err := jsontext.AppendUnquote(nil, raw)
		if err != nil {
			return value{}, bodyProblem(f.name, typeStringType, "Input should be a valid string")
		}
		tok := string(unquoted)
		if strings.ContainsRune(tok, 0) {
			return value{}, bodyProblem(f.name, typeValue, "String must not contain NUL characters")
		}
		if n := utf8.RuneCountInString(tok); n < f.minLen {
			return value{}, bodyProblem(f.name, typeStringTooShort, "String should have at least "+characters(f.minLen))
		} else if f.maxLen > 0 && n > f.maxLen {
			return value{}, bodyProblem(f.name, typeStringTooLong, "String should have at most "+characters(f.maxLen))
		}
		if f.opaque {
			return value{present: true, s: tok}, nil
		}
		if f.verbatim {
			if !norm.NFC.IsNormalString(tok) {
				return value{}, bodyProblem(f.name, typeValue, "String must be in Unicode normalization form C (NFC)")
			}
			return value{present: true, s: tok}, nil
		}
		// Composed and decomposed spellings of one text are one value from here on.
		return value{present: true, s: norm.NFC.String(tok)}, nil
	}
	return value{}, bodyProblem(f.name, typeStringType, "Input should be a valid string")
}

// characters says "1 character" or "n characters", as pydantic's messages do.
func characters(n int) string {
	if n == 1 {
		return "1 character"
	}
	return strconv.Itoa(n) + " characters"
}

func hasFieldErr(errs fieldProblems, name string) bool {
	for _, e := range errs {
		if e.field == name {
			return true
		}
	}
	return false
}

// bodyProblem is a problem the decoder found in the body; field is empty for the body as a whole.
func bodyProblem(field, typ, msg string) *fieldProblem {
	return &fieldProblem{in: inBody, field: field, typ: typ, msg: msg}
}

func jsonInvalid(dec *jsontext.Decoder) error {
	return fieldProblems{bodyProblem("", typeJSONInvalid, fmt.Sprintf("JSON decode error at byte %d", dec.InputOffset()))}
}

func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength > MaxBodyBytes {
		return nil, errTooLarge
	}
	ct := r.Header.Get("Content-Type")
	if ct != "" && !isJSON(ct) {
		return nil, errUnsupportedMedia
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBodyBytes))
	if err != nil {
		return nil, bodyReadError(r, err)
	}
	if ct == "" && len(bytes.TrimSpace(body)) > 0 {
		return nil, errUnsupportedMedia
	}
	return body, nil
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}
