package steps

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/cucumber/godog"
)

// registerBatch adds the steps that send a request several times, at once or one after another,
// and check the statuses of the batch.
func (w *world) registerBatch(sc *godog.ScenarioContext) {
	sc.Step(`^I send (\d+) concurrent (\w+) requests to "([^"]*)" with body:$`, w.sendConcurrent)
	sc.Step(`^I send (\d+) concurrent (\w+) requests to "([^"]*)" with bodies:$`, w.sendConcurrentBodies)
	sc.Step(`^I send a (\w+) request to "([^"]*)" (\d+) times$`, func(method, path string, n int) error { return w.sendTimes(method, path, n, nil) })
	sc.Step(`^I send a (\w+) request to "([^"]*)" (\d+) times with body:$`, func(method, path string, n int, doc *godog.DocString) error {
		return w.sendTimes(method, path, n, doc)
	})
	sc.Step(`^I send the same request again$`, func() error { return w.sendAgain(1) })
	sc.Step(`^I send the same request (\d+) more times?$`, w.sendAgain)
	sc.Step(`^exactly (\d+) of them should have status (\d+)$`, w.exactlyStatus)
	sc.Step(`^the others should have status (\d+)$`, w.othersStatus)
	sc.Step(`^each of them should have status (\d+)$`, w.eachStatus)
}

func (w *world) sendConcurrent(n int, method, path string, doc *godog.DocString) error {
	bodies := make([]string, n)
	for i := range bodies {
		bodies[i] = doc.Content
	}
	return w.sendAtOnce(method, path, bodies)
}

// sendConcurrentBodies sends one request per line of doc, all at once.
func (w *world) sendConcurrentBodies(n int, method, path string, doc *godog.DocString) error {
	var bodies []string
	for _, line := range strings.Split(doc.Content, "\n") {
		if strings.TrimSpace(line) != "" {
			bodies = append(bodies, line)
		}
	}
	if len(bodies) != n {
		return fmt.Errorf("the step names %d requests but gives %d bodies, one per line", n, len(bodies))
	}
	return w.sendAtOnce(method, path, bodies)
}

// sendAtOnce sends a request per body, released together, and keeps their statuses.
func (w *world) sendAtOnce(method, path string, bodies []string) error {
	statuses := make([]int, len(bodies))
	errs := make([]error, len(bodies))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, raw := range bodies {
		body, err := w.expand(raw)
		if err != nil {
			return err
		}
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
	w.batch = statuses
	return nil
}

func (w *world) exactlyStatus(n, status int) error {
	count := 0
	for _, s := range w.batch {
		if s == status {
			count++
		}
	}
	w.exactly = status
	if count != n {
		return fmt.Errorf("%d of %d responses had status %d, want %d; statuses: %v", count, len(w.batch), status, n, w.batch)
	}
	return nil
}

func (w *world) othersStatus(status int) error {
	for _, s := range w.batch {
		if s != w.exactly && s != status {
			return fmt.Errorf("statuses %v: want only %d and %d", w.batch, w.exactly, status)
		}
	}
	return nil
}

// sendTimes sends one request n times, each once the one before was answered; the batch steps
// look at all of them, the response steps at the last.
func (w *world) sendTimes(method, path string, n int, doc *godog.DocString) error {
	var body []byte
	contentType := ""
	if doc != nil {
		text, err := w.expand(doc.Content)
		if err != nil {
			return err
		}
		body, contentType = []byte(text), "application/json"
	}
	w.last = &request{method: method, path: path, body: body, contentType: contentType, header: w.headers}
	w.headers = http.Header{}
	return w.repeat(n)
}

// sendAgain sends the last request of a sending step n more times, with the headers it had.
func (w *world) sendAgain(n int) error {
	if w.last == nil {
		return fmt.Errorf("no request to send again: a \"When I send a … request\" step must come first")
	}
	return w.repeat(n)
}

func (w *world) repeat(n int) error {
	if n < 1 {
		return fmt.Errorf("send a request at least once, not %d times", n)
	}
	statuses := make([]int, 0, n)
	for range n {
		if err := w.resend(*w.last); err != nil {
			return err
		}
		statuses = append(statuses, w.resp.StatusCode)
	}
	w.batch = statuses
	return nil
}

func (w *world) eachStatus(status int) error {
	if len(w.batch) == 0 {
		return fmt.Errorf("no batch of requests has been sent: \"each of them\" follows a step that sends several")
	}
	for i, s := range w.batch {
		if s != status {
			return fmt.Errorf("request %d of %d answered %d, want every one %d; statuses: %v", i+1, len(w.batch), s, status, w.batch)
		}
	}
	return nil
}
