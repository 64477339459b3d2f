package steps

import (
	"fmt"
	"strings"

	"github.com/cucumber/godog"
)

func (w *world) registerHTTP(sc *godog.ScenarioContext) {
	sc.Step(`^I send a (\w+) request to "([^"]*)"$`, w.sendEmpty)
	sc.Step(`^I send a (\w+) request to "([^"]*)" with body:$`, w.sendJSON)
	sc.Step(`^I send a (\w+) request to "([^"]*)" with content type "([^"]*)" and body:$`, w.sendTyped)
	sc.Step(`^I send a (\w+) request to "([^"]*)" with a JSON body of (\d+) bytes$`, w.sendLarge)
	sc.Step(`^I send a (\w+) request to "([^"]*)" with JSON nested (\d+) levels deep$`, w.sendDeep)
	sc.Step(`^I send a (\w+) request to "([^"]*)" with invalid UTF-8 in the field "([^"]*)"$`, w.sendInvalidUTF8)
	sc.Step(`^the next request has header "([^"]*)" set to `+quoted+`$`, w.setHeader)
	sc.Step(`^the next request has the headers:$`, w.setHeaders)
	sc.Step(`^I use the bearer token "([^"]*)"$`, w.useBearer)
	sc.Step(`^I send no credentials$`, func() { w.bearer = "" })

	sc.Step(`^the response status should be (\d+)$`, w.statusIs)
	sc.Step(`^the response should match JSON:$`, w.matchesJSON)
	sc.Step(`^the response field "([^"]*)" should be `+quoted+`$`, w.fieldIs)
	sc.Step(`^the response field "([^"]*)" should equal (.+)$`, w.fieldEquals)
	sc.Step(`^the response field "([^"]*)" should not exist$`, w.fieldAbsent)
	sc.Step(`^the response field "([^"]*)" should not be `+quoted+`$`, w.fieldIsNot)
	sc.Step(`^the response field "([^"]*)" should match `+quoted+`$`, w.fieldMatches)
	sc.Step(`^the response header "([^"]*)" should be `+quoted+`$`, w.headerIs)
	sc.Step(`^the response header "([^"]*)" should be present$`, w.headerPresent)
	sc.Step(`^the response header "([^"]*)" should not (?:be present|exist)$`, w.headerAbsent)
	sc.Step(`^the response header "([^"]*)" should contain `+quoted+`$`, w.headerContains)
	sc.Step(`^the response header "([^"]*)" should match `+quoted+`$`, w.headerMatches)
	sc.Step(`^the response body should be empty$`, w.bodyEmpty)
	sc.Step(`^the response should not contain `+quoted+`$`, w.bodyLacks)
	sc.Step(`^the response should be a validation error at "([^"]*)"$`, func(loc string) error { return w.validationAt(loc, "") })
	sc.Step(`^the response should be a validation error at "([^"]*)" of type "([^"]*)"$`, w.validationAt)
	sc.Step(`^the response should be an error with code "([^"]*)"$`, w.errorCode)
	sc.Step(`^I remember the response field "([^"]*)" as "([^"]*)"$`, w.remember)

	w.registerBatch(sc)
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
	if err := w.needs("@direct"); err != nil {
		return err
	}
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
	v, err := w.expand(unquote(value))
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
