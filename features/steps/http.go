package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/cucumber/godog"
)

func (w *world) registerHTTP(sc *godog.ScenarioContext) {
	sc.Step(`^I send a (\w+) request to "([^"]*)"$`, w.sendEmpty)
	sc.Step(`^I send a (\w+) request to "([^"]*)" with body:$`, w.sendJSON)
	sc.Step(`^I send a (\w+) request to "([^"]*)" with content type "([^"]*)" and body:$`, w.sendTyped)
	sc.Step(`^I send a (\w+) request to "([^"]*)" with a JSON body of (\d+) bytes$`, w.sendLarge)
	sc.Step(`^I send a (\w+) request to "([^"]*)" with JSON nested (\d+) levels deep$`, w.sendDeep)
	sc.Step(`^I send a (\w+) request to "([^"]*)" with invalid UTF-8 in the field "([^"]*)"$`, w.sendInvalidUTF8)
	sc.Step(`^the next request has header "([^"]*)" set to "([^"]*)"$`, w.setHeader)
	sc.Step(`^the next request has the headers:$`, w.setHeaders)
	sc.Step(`^I use the bearer token "([^"]*)"$`, w.useBearer)
	sc.Step(`^I send no credentials$`, func() { w.bearer = "" })

	sc.Step(`^the response status should be (\d+)$`, w.statusIs)
	sc.Step(`^the response should match JSON:$`, w.matchesJSON)
	sc.Step(`^the response field "([^"]*)" should be "([^"]*)"$`, w.fieldIs)
	sc.Step(`^the response field "([^"]*)" should equal (.+)$`, w.fieldEquals)
	sc.Step(`^the response field "([^"]*)" should not exist$`, w.fieldAbsent)
	sc.Step(`^the response field "([^"]*)" should not be "([^"]*)"$`, w.fieldIsNot)
	sc.Step(`^the response field "([^"]*)" should match "([^"]*)"$`, w.fieldMatches)
	sc.Step(`^the response header "([^"]*)" should be "([^"]*)"$`, w.headerIs)
	sc.Step(`^the response header "([^"]*)" should be present$`, w.headerPresent)
	sc.Step(`^the response header "([^"]*)" should not be present$`, w.headerAbsent)
	sc.Step(`^the response header "([^"]*)" should contain "([^"]*)"$`, w.headerContains)
	sc.Step(`^the response body should be empty$`, w.bodyEmpty)
	sc.Step(`^the response should not contain "([^"]*)"$`, w.bodyLacks)
	sc.Step(`^the response should be a validation error at "([^"]*)"$`, func(loc string) error { return w.validationAt(loc, "") })
	sc.Step(`^the response should be a validation error at "([^"]*)" of type "([^"]*)"$`, w.validationAt)
	sc.Step(`^the response should be an error with code "([^"]*)"$`, w.errorCode)
	sc.Step(`^I remember the response field "([^"]*)" as "([^"]*)"$`, w.remember)

	sc.Step(`^I send (\d+) concurrent (\w+) requests to "([^"]*)" with body:$`, w.sendConcurrent)
	sc.Step(`^exactly (\d+) of them should have status (\d+)$`, w.exactlyStatus)
	sc.Step(`^the others should have status (\d+)$`, w.othersStatus)
	w.registerMetrics(sc)
}

func (w *world) sendEmpty(method, path string) error { return w.send(method, path, nil, "") }

func (w *world) sendJSON(method, path string, doc *godog.DocString) error {
	return w.sendTyped(method, path, "application/json", doc)
}

func (w *world) sendTyped(method, path, contentType string, doc *godog.DocString) error {
	body, err := w.expand(doc.Content)
	if err != nil {
		return err
	}
	return w.send(method, path, []byte(body), contentType)
}

func (w *world) sendLarge(method, path string, n int) error {
	filler := strings.Repeat("a", max(n-20, 0))
	return w.send(method, path, []byte(`{"email":"`+filler+`"}`), "application/json")
}

func (w *world) sendDeep(method, path string, depth int) error {
	body := `{"email":` + strings.Repeat(`{"a":`, depth) + `1` + strings.Repeat(`}`, depth) + `}`
	return w.send(method, path, []byte(body), "application/json")
}

func (w *world) sendInvalidUTF8(method, path, field string) error {
	body := append([]byte(`{"`+field+`": "`), 0xff, 0xfe)
	body = append(body, []byte(`@example.com", "password": "SecurePass123!"}`)...)
	return w.send(method, path, body, "application/json")
}

func (w *world) setHeader(name, value string) error {
	v, err := w.expand(value)
	if err != nil {
		return err
	}
	w.headers.Add(name, v)
	return nil
}

func (w *world) setHeaders(table *godog.Table) error {
	for _, row := range table.Rows {
		if len(row.Cells) != 2 {
			return fmt.Errorf("each header row needs a name and a value")
		}
		if err := w.setHeader(row.Cells[0].Value, row.Cells[1].Value); err != nil {
			return err
		}
	}
	return nil
}

func (w *world) useBearer(token string) error {
	t, err := w.expand(token)
	w.bearer = t
	return err
}

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
	if want, err = w.expand(want); err != nil {
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
	if unwanted, err = w.expand(unwanted); err != nil {
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
	re, err := regexp.Compile(pattern)
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
	if got := w.resp.Header.Get(name); got != want {
		return fmt.Errorf("header %s is %q, want %q", name, got, want)
	}
	return nil
}

func (w *world) headerContains(name, part string) error {
	if err := w.requireResponse(); err != nil {
		return err
	}
	if got := w.resp.Header.Get(name); !strings.Contains(got, part) {
		return fmt.Errorf("header %s is %q, which does not contain %q", name, got, part)
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
	t, err := w.expand(text)
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

func (w *world) remember(path, name string) error {
	v, err := w.field(path)
	if err != nil {
		return err
	}
	s, ok := v.(string)
	if !ok {
		s = show(v)
	}
	w.vars[name] = s
	return nil
}

func (w *world) sendConcurrent(n int, method, path string, doc *godog.DocString) error {
	body, err := w.expand(doc.Content)
	if err != nil {
		return err
	}
	statuses := make([]int, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			resp, _, err := w.do(context.Background(), method, path, []byte(body), "application/json", nil)
			if err != nil {
				errs[i] = err
				return
			}
			statuses[i] = resp.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	w.parallel = statuses
	return nil
}

func (w *world) exactlyStatus(n, status int) error {
	count := 0
	for _, s := range w.parallel {
		if s == status {
			count++
		}
	}
	w.exactly = status
	if count != n {
		return fmt.Errorf("%d of %d responses had status %d, want %d; statuses: %v", count, len(w.parallel), status, n, w.parallel)
	}
	return nil
}

func (w *world) othersStatus(status int) error {
	for _, s := range w.parallel {
		if s != w.exactly && s != status {
			return fmt.Errorf("statuses %v: want only %d and %d", w.parallel, w.exactly, status)
		}
	}
	return nil
}
