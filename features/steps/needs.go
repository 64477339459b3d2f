package steps

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cucumber/godog"
)

// Need is a tag that says what its scenarios need of the target beyond HTTP to its base URL.
// A run leaves out the scenarios whose needs its target does not meet (see Lacks), and a step
// that uses one fails unless its scenario carries the tag, so the tags can't drift from the steps.
type Need struct {
	Tag  string // as written in a feature file, "@mail"
	What string // what the scenarios do with it
	met  func(Target) bool
}

// Needs are every tag a step checks for, in the order the coverage table lists them.
var Needs = []Need{
	{"@containers", "stop, restart, kill and add the service's and the database's containers",
		func(t Target) bool { return t.Cluster != nil }},
	{"@admin", "log in as an administrator of the service",
		func(t Target) bool { return t.Admin != nil }},
	{"@database", "grant and revoke the admin role straight in the database, as `authd admin grant|revoke` does (no API does)",
		func(t Target) bool { return t.Roles != nil }},
	{"@mail", "read the mail the service sent, and take its mail server down",
		func(t Target) bool { return t.Mailbox != nil }},
	{"@signing-key", "forge tokens with the service's own HS256 key",
		func(t Target) bool { return len(t.Secret) > 0 }},
	{"@direct", "reach one authd process with nothing in between: raw bytes on its connections, bodies and headers past limits a proxy enforces first, its own /metrics",
		func(t Target) bool { return t.Direct }},
	{"@refresh-grace", "run with a refresh grace (AUTHD_REFRESH_REUSE_GRACE) of at least 10 seconds",
		func(t Target) bool { return t.RefreshGrace >= 10*time.Second }},
}

// Lacks returns the needs t does not meet.
func Lacks(t Target) []Need {
	var out []Need
	for _, n := range Needs {
		if !n.met(t) {
			out = append(out, n)
		}
	}
	return out
}

func need(tag string) Need {
	i := slices.IndexFunc(Needs, func(n Need) bool { return n.Tag == tag })
	if i < 0 {
		panic("steps: no need " + tag)
	}
	return Needs[i]
}

// needs is called by every step that uses what tag stands for: it fails unless the scenario is
// tagged so, since a run without it would otherwise fail the scenario instead of leaving it out.
func (w *world) needs(tag string) error {
	w.used[tag] = true
	if !w.tags[tag] {
		return fmt.Errorf("this step needs the target to %s: tag the scenario %s, so that runs whose target can't are told to leave it out (features/README.md, Tags)",
			need(tag).What, tag)
	}
	return nil
}

// trackTags remembers a scenario's tags before it runs, and afterwards fails a scenario that
// passed carrying a need tag none of its steps used: it would be left out of remote runs for nothing.
func (w *world) trackTags(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		for _, tag := range s.Tags {
			w.tags[tag.Name] = true
		}
		return ctx, nil
	})
	sc.After(func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
		if err != nil {
			return ctx, nil // the scenario failed already; godog adds a hook's error to its own
		}
		var unused []string
		for _, n := range Needs {
			if w.tags[n.Tag] && !w.used[n.Tag] {
				unused = append(unused, n.Tag)
			}
		}
		if len(unused) > 0 {
			return ctx, fmt.Errorf("the scenario is tagged %s but no step of it needed that; tag only the scenarios that do, so remote runs leave out no more than they must",
				strings.Join(unused, " "))
		}
		return ctx, nil
	})
}
