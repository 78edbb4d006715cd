package engine

import "testing"

// TestWrongTypeSuiteAssertions re-expresses the assertions of Valkey's
// unit/type/string, unit/type/incr, unit/bitops and unit/expire tests that
// sit behind a list or set key (their external runs against flect stop at
// the LPUSH/SADD until those types exist), using a key of another type.
// Argument errors come before the type check; the type check comes before
// range or no-op shortcuts.
func TestWrongTypeSuiteAssertions(t *testing.T) {
	st := newStrTester(t)
	st.putOther("l")
	for _, tc := range []struct {
		want string
		args []string
	}{
		{rWrong, []string{"INCR", "l"}},
		{rWrong, []string{"INCRBYFLOAT", "l", "1.0"}},
		{rWrong, []string{"SETBIT", "l", "0", "1"}},
		{rWrong, []string{"SETRANGE", "l", "0", "bar"}},
		{rWrong, []string{"SETRANGE", "l", "0", ""}},
		{rWrong, []string{"GETRANGE", "l", "0", "-1"}},
		{rWrong, []string{"SET", "l", "bar", "GET"}},
		{rWrong, []string{"BITCOUNT", "l"}},
		{rWrong, []string{"BITCOUNT", "l", "0", "100"}},
		{rWrong, []string{"BITCOUNT", "l", "-6", "-7"}},
		{rWrong, []string{"BITCOUNT", "l", "-6", "-15", "bit"}},
		{rNotInt, []string{"BITCOUNT", "l", "a", "b"}},
		{rWrong, []string{"BITPOS", "l", "0"}},
		{rWrong, []string{"BITPOS", "l", "1", "10", "100"}},
		{rNotInt, []string{"BITPOS", "l", "a"}},
		{rNotInt, []string{"BITPOS", "l", "1", "a", "b"}},
		{":1\r\n", []string{"EXPIRE", "l", "1000"}},
	} {
		st.expect(tc.want, tc.args...)
	}
	// SET ... GET against another type leaves it alone.
	st.expect(rWrong, "SET", "l", "bar", "GET")
	st.expect(":1\r\n", "EXISTS", "l")
	st.expect(rWrong, "GET", "l")

	// MGET answers nil for a key of another type.
	st.expect(rOK, "MSET", "foo", "BAR", "bar", "FOO")
	st.expect("*4\r\n$3\r\nBAR\r\n$-1\r\n$3\r\nFOO\r\n$-1\r\n", "MGET", "foo", "baazz", "bar", "l")

	// BITOP fails on a source of another type, wherever it is.
	st.expect(rOK, "MSET", "a", "1", "b", "2")
	st.expect(rWrong, "BITOP", "xor", "dest", "a", "b", "l", "d")
	st.expect(":0\r\n", "EXISTS", "dest")
}
