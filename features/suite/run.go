// Package suite runs the scenarios of features/ with godog against one target: a store
// in-process, the containers, a deployment. It leaves out the scenarios whose tags need what the
// target lacks (steps.Lacks), says how many and why, and counts what ran per tag for the report.
package suite

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/colors"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/authd/authd/features/steps"
)

// Run is one pass of the scenarios against one target.
type Run struct {
	// Name is the run's column in the report: the store, or the deployment.
	Name string
	// Dir is the features directory as the test's working directory reaches it.
	Dir string
	// Target is asked for every scenario: a container's address changes when it restarts.
	Target func() steps.Target
	// Tags is a godog tag expression the run keeps to ("~@refresh-grace"); GODOG_TAGS narrows it.
	Tags string
	// Hints say, per need tag, how the target could have what it lacks (see the remote Hints).
	Hints map[string]string
	// Out receives godog's output and the run's summary; os.Stdout when nil.
	Out io.Writer
}

// Result is what a run did, per tag; "" counts the scenarios without tags.
type Result struct {
	Name     string
	Ran      map[string]int // scenarios that ran, passed or failed
	Failed   int
	Left     map[string]int // scenarios left out because the target lacks what the tag needs
	LeftOut  int            // each left-out scenario once, whatever its tags
	Excluded int            // scenarios the run's own tag expression or GODOG_TAGS left out
	lacks    []steps.Need
	hints    map[string]string
}

// Execute runs the scenarios as subtests of t and fails t if any fails. Paths come from
// GODOG_PATHS when set (comma-separated, relative to Dir; "login.feature:20" is one scenario),
// the output format from GODOG_FORMAT ("progress" by default, "pretty" prints every step).
func (r Run) Execute(t *testing.T) Result {
	out := r.Out
	if out == nil {
		out = os.Stdout
	}
	paths := []string{r.Dir}
	if p := os.Getenv("GODOG_PATHS"); p != "" {
		paths = nil
		for _, f := range strings.Split(p, ",") {
			paths = append(paths, filepath.Join(r.Dir, strings.TrimPrefix(strings.TrimSpace(f), "features/")))
		}
	}
	selected := and(r.Tags, os.Getenv("GODOG_TAGS"))
	lacks := steps.Lacks(r.Target())
	filter := selected
	for _, n := range lacks {
		filter = and(filter, "~"+n.Tag)
	}
	res := Result{Name: r.Name, Ran: map[string]int{}, Left: map[string]int{}, lacks: lacks, hints: r.Hints}
	scenarios, err := parse(paths)
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios {
		switch {
		case !matches(selected, sc.tags):
			res.Excluded++
		case !matches(filter, sc.tags):
			res.LeftOut++
			for _, n := range lacks {
				if sc.tags[n.Tag] {
					res.Left[n.Tag]++
				}
			}
		}
	}
	format := "progress"
	if f := os.Getenv("GODOG_FORMAT"); f != "" {
		format = f
	}
	var mu sync.Mutex
	suite := godog.TestSuite{
		Name: r.Name,
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			steps.Initialize(sc, r.Target())
			sc.After(func(ctx context.Context, s *godog.Scenario, err error) (context.Context, error) {
				mu.Lock()
				defer mu.Unlock()
				res.count(s.Tags, err)
				return ctx, nil
			})
		},
		Options: &godog.Options{
			Format: format, Output: colors.Uncolored(out), NoColors: true,
			Paths: paths, Tags: filter, Strict: true, TestingT: t,
		},
	}
	status := suite.Run()
	res.summarize(out)
	if status != 0 {
		t.Errorf("acceptance scenarios failed (%s)", r.Name)
	}
	return res
}

func (res *Result) count(tags []*messages.PickleTag, err error) {
	if err != nil {
		res.Failed++
	}
	res.Ran["*"]++
	if len(tags) == 0 {
		res.Ran[""]++
	}
	seen := map[string]bool{}
	for _, tag := range tags {
		if !seen[tag.Name] {
			seen[tag.Name] = true
			res.Ran[tag.Name]++
		}
	}
}

// summarize says what the run left out and why.
func (res Result) summarize(out io.Writer) {
	ran := fmt.Sprintf("%s: %d scenarios ran", res.Name, res.Ran["*"])
	if res.Excluded > 0 {
		ran += fmt.Sprintf(" (%d others are not this run's, by its tags)", res.Excluded)
	}
	if res.LeftOut == 0 {
		fmt.Fprintf(out, "%s, none left out\n", ran)
		return
	}
	fmt.Fprintf(out, "%s, %d left out since the target can't:\n", ran, res.LeftOut)
	for _, n := range res.lacks {
		if c := res.Left[n.Tag]; c > 0 {
			fmt.Fprintf(out, "  %-13s %3d  %s", n.Tag, c, n.What)
			if h := res.hints[n.Tag]; h != "" {
				fmt.Fprintf(out, " (%s)", h)
			}
			fmt.Fprintln(out)
		}
	}
}
