package engine

import (
	"reflect"
	"testing"
)

// SplitArgs as sdssplitargs: blanks skipped with isspace, words ended
// only by space, CR, LF, tab or NUL.
func TestSplitArgsWords(t *testing.T) {
	for line, want := range map[string][]string{
		"a b  c":            {"a", "b", "c"},
		`"a b" 'c d'`:       {"a b", "c d"},
		`"\n\x41\q"`:        {"\nAq"},
		`'it\'s'`:           {"it's"},
		"":                  nil,
		"  ":                nil,
		"a\x00b":            {"a"},
		"x\"y z\"":          {"xy z"},
		"\ta\v":             {"a\v"},
		`"a"b`:              nil,
		`"unterminated`:     nil,
		`'unterminated`:     nil,
		"one \"two\" three": {"one", "two", "three"},
	} {
		words, ok := SplitArgs([]byte(line))
		var got []string
		for _, w := range words {
			got = append(got, string(w))
		}
		if want == nil && (line == `"a"b` || line == `"unterminated` || line == `'unterminated`) {
			if ok {
				t.Errorf("%q: accepted %q", line, got)
			}
			continue
		}
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %q %v", line, got, ok)
		}
	}
}
