package suite

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"
)

// scenario is one scenario as godog runs it (an outline's example row is one), by its tags.
type scenario struct {
	tags map[string]bool
}

var pathLine = regexp.MustCompile(`:(\d+)$`)

// parse reads the scenarios of paths (files, directories, or file:line for the scenario on that
// line) the way godog will run them, so that the run can count what a tag expression leaves out.
func parse(paths []string) ([]scenario, error) {
	var out []scenario
	for _, p := range paths {
		line := int64(-1)
		if m := pathLine.FindStringSubmatch(p); m != nil {
			line, _ = strconv.ParseInt(m[1], 10, 64)
			p = strings.TrimSuffix(p, m[0])
		}
		err := filepath.WalkDir(p, func(file string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(file, ".feature") {
				return err
			}
			scs, err := parseFile(file, line)
			out = append(out, scs...)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("feature path %s: %w", p, err)
		}
	}
	return out, nil
}

func parseFile(file string, line int64) ([]scenario, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ids := (&messages.Incrementing{}).NewId
	doc, err := gherkin.ParseGherkinDocument(f, ids)
	if err != nil {
		return nil, err
	}
	if doc.Feature == nil {
		return nil, nil
	}
	lines := map[string]int64{}
	for _, c := range doc.Feature.Children {
		if c.Scenario != nil {
			lines[c.Scenario.Id] = c.Scenario.Location.Line
		}
		if c.Rule != nil {
			for _, rc := range c.Rule.Children {
				if rc.Scenario != nil {
					lines[rc.Scenario.Id] = rc.Scenario.Location.Line
				}
			}
		}
	}
	var out []scenario
	for _, p := range gherkin.Pickles(*doc, file, ids) {
		if line >= 0 && lines[p.AstNodeIds[0]] != line {
			continue
		}
		sc := scenario{tags: map[string]bool{}}
		for _, t := range p.Tags {
			sc.tags[t.Name] = true
		}
		out = append(out, sc)
	}
	return out, nil
}

// and joins two tag expressions of godog's syntax ("," is or, "&&" is and, "~" is not) into one
// that holds where both do.
func and(a, b string) string {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	var out []string
	for _, x := range strings.Split(a, ",") {
		for _, y := range strings.Split(b, ",") {
			out = append(out, strings.TrimSpace(x)+" && "+strings.TrimSpace(y))
		}
	}
	return strings.Join(out, ",")
}

// matches is godog's reading of a tag expression (internal/tags), for counting what it selects.
func matches(expr string, tags map[string]bool) bool {
	if strings.TrimSpace(expr) == "" {
		return true
	}
	for _, alt := range strings.Split(expr, ",") {
		all := true
		for _, term := range strings.Split(alt, "&&") {
			term = strings.ReplaceAll(strings.TrimSpace(term), "@", "")
			if neg := strings.HasPrefix(term, "~"); neg {
				all = all && !tags["@"+term[1:]]
			} else {
				all = all && tags["@"+term]
			}
		}
		if all {
			return true
		}
	}
	return false
}
