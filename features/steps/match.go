package steps

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Markers a scenario may write as a string in expected JSON to accept any value of a kind.
var markers = map[string]func(any) bool{
	"<any>":      func(any) bool { return true },
	"<string>":   func(v any) bool { _, ok := v.(string); return ok },
	"<number>":   func(v any) bool { _, ok := v.(float64); return ok },
	"<objectid>": func(v any) bool { s, ok := v.(string); return ok && objectID.MatchString(s) },
	"<timestamp>": func(v any) bool {
		s, ok := v.(string)
		if !ok {
			return false
		}
		t, err := time.Parse(time.RFC3339, s)
		return err == nil && t.Location() == time.UTC && strings.HasSuffix(s, "Z")
	},
	"<jwt>": func(v any) bool { s, ok := v.(string); return ok && jwtShape.MatchString(s) },
}

var (
	objectID = regexp.MustCompile(`^[0-9a-f]{24}$`)
	jwtShape = regexp.MustCompile(`^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$`)
)

// contains reports where got does not contain want: objects may have extra keys, arrays must have
// the same length and match element by element, strings may be markers.
func contains(path string, want, got any) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want an object, got %s", orRoot(path), show(got))
		}
		names := make([]string, 0, len(w))
		for k := range w {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			gv, present := g[k]
			if !present {
				return fmt.Errorf("%s: missing field %q", orRoot(path), k)
			}
			if err := contains(join(path, k), w[k], gv); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s: want %d elements, got %s", orRoot(path), len(w), show(got))
		}
		for i := range w {
			if err := contains(join(path, strconv.Itoa(i)), w[i], g[i]); err != nil {
				return err
			}
		}
		return nil
	case string:
		if m, ok := markers[w]; ok {
			if !m(got) {
				return fmt.Errorf("%s: want %s, got %s", orRoot(path), w, show(got))
			}
			return nil
		}
	}
	if !equalJSON(want, got) {
		return fmt.Errorf("%s: want %s, got %s", orRoot(path), show(want), show(got))
	}
	return nil
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func show(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func orRoot(path string) string {
	if path == "" {
		return "response"
	}
	return path
}

// lookup follows a dotted path ("profile.first_name", "detail.0.loc") into decoded JSON.
func lookup(doc any, path string) (any, bool) {
	cur := doc
	for _, part := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}
