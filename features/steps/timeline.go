package steps

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/cucumber/godog"
)

func (w *world) registerTimeline(sc *godog.ScenarioContext) {
	sc.Step(`^within (\d+) seconds my timeline has (\d+) events?$`, w.timelineHas)
	sc.Step(`^the service allows a refresh grace$`, func() error { return w.needs("@refresh-grace") })
}

// timelineHas polls the caller's security timeline until it holds n events: a failed login's
// event is recorded just after its answer.
func (w *world) timelineHas(seconds, n int) error {
	deadline := time.Now().Add(time.Duration(seconds) * time.Second)
	for {
		resp, data, err := w.do(context.Background(), http.MethodGet, "/api/v1/users/me/security-events?limit=100", nil, "", nil)
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /api/v1/users/me/security-events: status %d: %s", resp.StatusCode, data)
		}
		var page struct {
			Events []json.RawMessage `json:"events"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			return err
		}
		if len(page.Events) >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the timeline has %d events after %ds, want %d", len(page.Events), seconds, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
