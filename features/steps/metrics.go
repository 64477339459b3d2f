package steps

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/cucumber/godog"
)

func (w *world) registerMetrics(sc *godog.ScenarioContext) {
	sc.Step(`^the metric "([^"]*)" should be at least (\d+)$`, func(name string, min int) error { return w.metricAtLeast(name, "", min) })
	sc.Step(`^the metric "([^"]*)" with labels "([^"]*)" should be at least (\d+)$`, w.metricAtLeast)
	sc.Step(`^I remember the metric "([^"]*)" with labels "([^"]*)" as "([^"]*)"$`, w.rememberMetric)
	sc.Step(`^the metric "([^"]*)" with labels "([^"]*)" should have grown by at least (\d+) since "([^"]*)"$`, w.metricGrew)
}

var (
	sampleLine = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)`)
	labelPair  = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"`)
)

// metric sums, in the last response (Prometheus' text format), every sample of name whose labels
// include the wanted ones, written "route=/api/v1/auth/login,status=200", and says whether there
// was any. Summing lets a scenario ask about a subset of labels (all statuses of a route, say).
func (w *world) metric(name, labels string) (sum float64, found bool, err error) {
	// Each process counts its own: through a load balancer two reads may be two replicas.
	if err := w.needs("@direct"); err != nil {
		return 0, false, err
	}
	if err := w.requireResponse(); err != nil {
		return 0, false, err
	}
	// Labels are taken as written, not expanded: route templates have braces of their own.
	want := map[string]string{}
	for _, pair := range strings.Split(labels, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return 0, false, fmt.Errorf("label %q: write name=value", pair)
		}
		want[k] = v
	}
	for _, line := range strings.Split(string(w.body), "\n") {
		m := sampleLine.FindStringSubmatch(line)
		if m == nil || m[1] != name {
			continue
		}
		got := map[string]string{}
		for _, l := range labelPair.FindAllStringSubmatch(m[2], -1) {
			got[l[1]] = l[2]
		}
		if !includes(got, want) {
			continue
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			return 0, false, fmt.Errorf("metric line %q: %w", line, err)
		}
		sum, found = sum+v, true
	}
	return sum, found, nil
}

// sampled is metric for a sample that must be there.
func (w *world) sampled(name, labels string) (float64, error) {
	v, found, err := w.metric(name, labels)
	if err == nil && !found {
		err = fmt.Errorf("no sample of %s with labels {%s} in the response:\n%.3000s", name, labels, w.body)
	}
	return v, err
}

func includes(got, want map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func (w *world) metricAtLeast(name, labels string, min int) error {
	v, err := w.sampled(name, labels)
	if err != nil {
		return err
	}
	if v < float64(min) {
		return fmt.Errorf("%s{%s} = %v, want at least %d", name, labels, v, min)
	}
	return nil
}

// rememberMetric keeps a metric's value (0 when it has no sample yet) to compare a later one with.
func (w *world) rememberMetric(name, labels, as string) error {
	v, _, err := w.metric(name, labels)
	if err != nil {
		return err
	}
	w.vars[as] = strconv.FormatFloat(v, 'g', -1, 64)
	return nil
}

func (w *world) metricGrew(name, labels string, by int, since string) error {
	before, err := strconv.ParseFloat(w.vars[since], 64)
	if err != nil {
		return fmt.Errorf("remember the metric as %q first: %w", since, err)
	}
	now, err := w.sampled(name, labels)
	if err != nil {
		return err
	}
	if now-before < float64(by) {
		return fmt.Errorf("%s{%s} went from %v to %v, want it to grow by at least %d", name, labels, before, now, by)
	}
	return nil
}
