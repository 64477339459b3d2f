package suite

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/authd/authd/features/steps"
)

// Report gathers the results of a test's runs and prints how many scenarios each ran per tag.
type Report struct {
	mu      sync.Mutex
	results []Result
}

// Add keeps one run's result.
func (r *Report) Add(res Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results = append(r.results, res)
}

// Print writes the table: a column per run, a row per tag, the scenarios that ran and, after a
// +, those left out because the run's target lacks what the tag needs.
func (r *Report) Print(out io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.results) == 0 {
		return
	}
	tags := map[string]bool{}
	for _, res := range r.results {
		for t := range res.Ran {
			tags[t] = true
		}
		for t := range res.Left {
			tags[t] = true
		}
	}
	delete(tags, "*")
	delete(tags, "")
	rows := []string{"*", ""}
	for _, n := range steps.Needs {
		if tags[n.Tag] {
			rows = append(rows, n.Tag)
			delete(tags, n.Tag)
		}
	}
	var others []string
	for t := range tags {
		others = append(others, t)
	}
	slices.Sort(others)
	rows = append(rows, others...)

	fmt.Fprintln(out, "coverage: scenarios run per tag and run (+ left out: the target lacks what the tag needs)")
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	head := []string{"coverage:", ""}
	for _, res := range r.results {
		head = append(head, res.Name)
	}
	fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
	for _, row := range rows {
		cells := []string{"coverage:", label(row)}
		for _, res := range r.results {
			ran, left := res.Ran[row], res.Left[row]
			if row == "*" {
				left = res.LeftOut
			}
			cell := fmt.Sprint(ran)
			if left > 0 {
				cell += fmt.Sprintf(" +%d", left)
			}
			cells = append(cells, cell)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	_ = tw.Flush()
}

func label(row string) string {
	switch row {
	case "*":
		return "all scenarios"
	case "":
		return "untagged"
	}
	return row
}
