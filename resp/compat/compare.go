package compat

import (
	"bufio"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/flect-kv/flect/resp/resptest"
)

// SortAggregate returns a raw reply with the elements of its top-level
// aggregate sorted by their raw bytes, so that replies whose order is
// unspecified (SMEMBERS, KEYS, HGETALL) compare equal. Maps and attribute
// frames keep their key/value pairs together; any other reply is returned
// unchanged.
func SortAggregate(raw string) (string, error) {
	if len(raw) < 4 {
		return raw, nil
	}
	switch raw[0] {
	case '*', '~', '>', '%':
	default:
		return raw, nil
	}
	nl := strings.Index(raw, "\r\n")
	if nl < 0 {
		return "", fmt.Errorf("no header line in %q", raw)
	}
	n, err := strconv.Atoi(raw[1:nl])
	if err != nil {
		return "", fmt.Errorf("bad aggregate length in %q", raw)
	}
	if n <= 1 {
		return raw, nil
	}
	per := 1
	if raw[0] == '%' {
		per = 2
	}
	br := bufio.NewReader(strings.NewReader(raw[nl+2:]))
	elems := make([]string, 0, n)
	for i := 0; i < n; i++ {
		var e strings.Builder
		for j := 0; j < per; j++ {
			f, err := resptest.ReadFrame(br)
			if err != nil {
				return "", fmt.Errorf("element %d of %q: %w", i, raw, err)
			}
			e.WriteString(f)
		}
		elems = append(elems, e.String())
	}
	if br.Buffered() > 0 {
		return "", fmt.Errorf("trailing bytes after %d elements in %q", n, raw)
	}
	sort.Strings(elems)
	return raw[:nl+2] + strings.Join(elems, ""), nil
}

// SameType reports whether two raw replies have the same type byte.
func SameType(a, b string) bool {
	return len(a) > 0 && len(b) > 0 && a[0] == b[0]
}
