package steps

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/cucumber/godog"
)

// quoted is a step's value argument in double quotes, in which \" stands for a quote:
// "Bearer error=\"invalid_token\"". Every other backslash is kept as written, so a regular
// expression's \d needs no doubling.
const quoted = `"((?:[^"\\]|\\.)*)"`

// unquote turns a quoted argument's \" back into ".
func unquote(s string) string { return strings.ReplaceAll(s, `\"`, `"`) }

func (w *world) statusIs(want int) error {
	if err := w.requireResponse(); err != nil {
		return err
	}
	if w.resp.StatusCode != want {
		return fmt.Errorf("status %d, want %d; body: %s", w.resp.StatusCode, want, w.body)
	}
	return nil
}

func (w *world) matchesJSON(doc *godog.DocString) error {
	if err := w.requireResponse(); err != nil {
		return err
	}
	text, err := w.expand(doc.Content)
	if err != nil {
		return err
	}
	var want any
	if err := json.Unmarshal([]byte(text), &want); err != nil {
		return fmt.Errorf("the expected JSON in the scenario is invalid: %w", err)
	}
	if err := contains("", want, w.json); err != nil {
		return fmt.Errorf("%w\nbody: %s", err, w.body)
	}
	return nil
}

func (w *world) field(path string) (any, error) {
	if err := w.requireResponse(); err != nil {
		return nil, err
	}
	v, ok := lookup(w.json, path)
	if !ok {
		return nil, fmt.Errorf("response has no field %q; body: %s", path, w.body)
	}
	return v, nil
}

func (w *world) fieldIs(path, want string) error {
	v, err := w.field(path)
	if err != nil {
		return err
	}
	if want, err = w.expand(unquote(want)); err != nil {
		return err
	}
	if s, ok := v.(string); !ok || s != want {
		return fmt.Errorf("field %q is %s, want %q", path, show(v), want)
	}
	return nil
}

func (w *world) fieldEquals(path, literal string) error {
	v, err := w.field(path)
	if err != nil {
		return err
	}
	text, err := w.expand(literal)
	if err != nil {
		return err
	}
	var want any
	if err := json.Unmarshal([]byte(text), &want); err != nil {
		return fmt.Errorf("%q is not a JSON value: %w", literal, err)
	}
	return contains(path, want, v)
}

func (w *world) fieldIsNot(path, unwanted string) error {
	v, err := w.field(path)
	if err != nil {
		return err
	}
	if unwanted, err = w.expand(unquote(unwanted)); err != nil {
		return err
	}
	if s, ok := v.(string); ok && s == unwanted {
		return fmt.Errorf("field %q is %q", path, s)
	}
	return nil
}

func (w *world) fieldAbsent(path string) error {
	if err := w.requireResponse(); err != nil {
		return err
	}
	if v, ok := lookup(w.json, path); ok {
		return fmt.Errorf("field %q exists with value %s", path, show(v))
	}
	return nil
}

func (w *world) fieldMatches(path, pattern string) error {
	v, err := w.field(path)
	if err != nil {
		return err
	}
	re, err := regexp.Compile(unquote(pattern))
	if err != nil {
		return err
	}
	if s, ok := v.(string); !ok || !re.MatchString(s) {
		return fmt.Errorf("field %q is %s, which does not match /%s/", path, show(v), pattern)
	}
	return nil
}

func (w *world) headerIs(name, want string) error {
	if err := w.requireResponse(); err != nil {
		return err
	}
	want, err := w.expand(unquote(want))
	if err != nil {
		return err
	}
	if got := w.resp.Header.Get(name); got != want {
		return fmt.Errorf("header %s is %q, want %q", name, got, want)
	}
	return nil
}

func (w *world) headerContains(name, part string) error {
	if err := w.requireResponse(); err != nil {
		return err
	}
	part = unquote(part)
	if got := w.resp.Header.Get(name); !strings.Contains(got, part) {
		return fmt.Errorf("header %s is %q, which does not contain %q", name, got, part)
	}
	return nil
}

// headerMatches checks the header's values, joined with ", " as HTTP combines repeated fields,
// against a regular expression; a missing header is the empty string.
func (w *world) headerMatches(name, pattern string) error {
	if err := w.requireResponse(); err != nil {
		return err
	}
	re, err := regexp.Compile(unquote(pattern))
	if err != nil {
		return err
	}
	if got := strings.Join(w.resp.Header.Values(name), ", "); !re.MatchString(got) {
		return fmt.Errorf("header %s is %q, which does not match /%s/", name, got, re)
	}
	return nil
}

func (w *world) headerPresent(name string) error {
	if err := w.requireResponse(); err != nil {
		return err
	}
	if w.resp.Header.Get(name) == "" {
		return fmt.Errorf("header %s is missing", name)
	}
	return nil
}

func (w *world) headerAbsent(name string) error {
	if err := w.requireResponse(); err != nil {
		return err
	}
	if v := w.resp.Header.Values(name); len(v) > 0 {
		return fmt.Errorf("header %s is present: %q", name, v)
	}
	return nil
}

func (w *world) bodyEmpty() error {
	if err := w.requireResponse(); err != nil {
		return err
	}
	if len(w.body) != 0 {
		return fmt.Errorf("body is not empty: %s", w.body)
	}
	return nil
}

func (w *world) bodyLacks(text string) error {
	if err := w.requireResponse(); err != nil {
		return err
	}
	t, err := w.expand(unquote(text))
	if err != nil {
		return err
	}
	if strings.Contains(string(w.body), t) {
		return fmt.Errorf("body contains %q: %s", t, w.body)
	}
	return nil
}

// validationAt checks for a 422 whose detail has an entry at loc ("body.confirm_password").
func (w *world) validationAt(loc, typ string) error {
	if err := w.statusIs(http.StatusUnprocessableEntity); err != nil {
		return err
	}
	detail, ok := lookup(w.json, "detail")
	items, isList := detail.([]any)
	if !ok || !isList || len(items) == 0 {
		return fmt.Errorf("422 body has no detail list: %s", w.body)
	}
	for _, it := range items {
		m, _ := it.(map[string]any)
		parts, _ := m["loc"].([]any)
		strs := make([]string, len(parts))
		for i, p := range parts {
			strs[i] = fmt.Sprint(p)
		}
		msg, _ := m["msg"].(string)
		if strings.Join(strs, ".") == loc && msg != "" && (typ == "" || m["type"] == typ) {
			return nil
		}
	}
	return fmt.Errorf("no validation error at %q (type %q) in %s", loc, typ, w.body)
}

func (w *world) errorCode(code string) error {
	if err := w.requireResponse(); err != nil {
		return err
	}
	detail, _ := lookup(w.json, "detail")
	got, _ := lookup(w.json, "code")
	if s, ok := detail.(string); !ok || s == "" || got != code {
		return fmt.Errorf(`want {"detail": "<message>", "code": %q}, got %s`, code, w.body)
	}
	return nil
}
