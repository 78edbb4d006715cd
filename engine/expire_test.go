package engine

import (
	"strconv"
	"testing"
	"time"
)

func TestExpireCommands(t *testing.T) {
	k := newKT(t)
	now := k.nowMs()
	k.is(intReply(0), "EXPIRE", "nokey", "10")
	k.is(okReply(), "SET", "a", "v")
	k.is(intReply(-1), "TTL", "a")
	k.is(intReply(-1), "PTTL", "a")
	k.is(intReply(-1), "EXPIRETIME", "a")
	k.is(intReply(-1), "PEXPIRETIME", "a")
	k.is(intReply(-2), "TTL", "nokey")
	k.is(intReply(-2), "PEXPIRETIME", "nokey")
	k.is(intReply(1), "EXPIRE", "a", "100")
	k.is(intReply(100), "TTL", "a")
	k.is(intReply(100000), "PTTL", "a")
	k.is(intReply(int((now+100000)/1000)), "EXPIRETIME", "a")
	k.is(intReply(int(now+100000)), "PEXPIRETIME", "a")
	k.is(intReply(1), "PEXPIRE", "a", "1499")
	k.is(intReply(1), "TTL", "a") // rounded to the nearest second
	k.is(intReply(1), "PEXPIRE", "a", "1500")
	k.is(intReply(2), "TTL", "a")
	k.is(intReply(1), "EXPIREAT", "a", strconv.FormatInt(now/1000+50, 10))
	k.is(intReply(int(now/1000+50)), "EXPIRETIME", "a")
	k.is(intReply(1), "PEXPIREAT", "a", strconv.FormatInt(now+777, 10))
	k.is(intReply(777), "PTTL", "a")
	k.is(intReply(1), "PERSIST", "a")
	k.is(intReply(0), "PERSIST", "a")
	k.is(intReply(0), "PERSIST", "nokey")
	k.is(intReply(-1), "TTL", "a")

	// A deadline now or in the past deletes the key and answers 1.
	k.is(intReply(1), "EXPIRE", "a", "0")
	k.is(intReply(0), "EXISTS", "a")
	k.is(okReply(), "SET", "a", "v")
	k.is(intReply(1), "PEXPIREAT", "a", strconv.FormatInt(now, 10))
	k.is(intReply(0), "EXISTS", "a")
	k.is(okReply(), "SET", "a", "v")
	k.is(intReply(1), "EXPIRE", "a", "-9223372036854775")
	k.is(intReply(0), "EXISTS", "a")
	if k.n.Default().Stats.ExpiredKeys.Load() != 0 {
		t.Fatal("EXPIRE into the past counted as an expiry")
	}

	// Overflows.
	k.is(okReply(), "SET", "a", "v")
	for _, tc := range [][]string{
		{"EXPIRE", "a", "9223372036854775807"},
		{"EXPIRE", "a", "9223372036854775"}, // *1000 fits, + now does not
		{"EXPIRE", "a", "-9223372036854775808"},
		{"PEXPIRE", "a", "9223372036854775807"},
		{"EXPIREAT", "a", "9223372036854776"},
	} {
		k.is(errReply(ErrInvalidExpire(lower(tc[0]))), tc...)
	}
	k.is(intReply(1), "EXPIREAT", "a", "9223372036854775")
	k.is(intReply(9223372036854775), "EXPIRETIME", "a")
	k.is(intReply(1), "PEXPIREAT", "a", "9223372036854775807")
	k.is(intReply(9223372036854776), "EXPIRETIME", "a") // rounded, no overflow
	k.is(intReply(1), "PEXPIRE", "a", "-9223372036854775808")
	k.is(intReply(0), "EXISTS", "a")

	k.is(errReply(ErrNotInt), "EXPIRE", "a", "1.5")
	k.is(errReply(ErrNotInt), "EXPIRE", "a", "")
	k.is(errReply(ErrNotInt), "EXPIRE", "a", " 1")
	k.is(errReply(ErrArity("expire")), "EXPIRE", "a")
	k.is(errReply(ErrArity("ttl")), "TTL", "a", "b")
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func TestExpireOptions(t *testing.T) {
	k := newKT(t)
	k.is(okReply(), "SET", "a", "v")
	// Option errors come before the value is parsed.
	k.is(errReply("ERR Unsupported option foo"), "EXPIRE", "a", "x", "foo")
	k.is(errReply("ERR Unsupported option a  b"), "EXPIRE", "a", "10", "a\r\nb\n")
	k.is(errReply("ERR Unsupported option x"), "EXPIRE", "a", "10", "x\x00y")
	k.is(errReply(ErrExpireNXAnd), "EXPIRE", "a", "10", "NX", "XX")
	k.is(errReply(ErrExpireNXAnd), "EXPIRE", "a", "10", "nx", "gt")
	k.is(errReply(ErrExpireNXAnd), "EXPIRE", "a", "10", "LT", "NX")
	k.is(errReply(ErrExpireGTAndLT), "EXPIRE", "a", "10", "GT", "LT")
	k.is(errReply(ErrExpireNXAnd), "EXPIRE", "a", "x", "NX", "XX")
	k.is(errReply(ErrExpireNXAnd), "EXPIRE", "nokey", "10", "NX", "XX")
	k.is(errReply("ERR Unsupported option bad"), "EXPIRE", "a", "10", "NX", "XX", "bad")
	k.is(intReply(1), "EXPIRE", "a", "10", "nx\x00trailing")
	k.is(intReply(1), "PERSIST", "a")

	// No TTL: NX sets, XX and GT refuse, LT sets (no TTL is infinite).
	k.is(intReply(0), "EXPIRE", "a", "100", "XX")
	k.is(intReply(0), "EXPIRE", "a", "100", "GT")
	k.is(intReply(1), "EXPIRE", "a", "100", "LT")
	k.is(intReply(1), "PERSIST", "a")
	k.is(intReply(1), "EXPIRE", "a", "100", "NX")
	k.is(intReply(0), "EXPIRE", "a", "200", "NX")
	k.is(intReply(1), "EXPIRE", "a", "200", "XX")
	k.is(intReply(200), "TTL", "a")
	k.is(intReply(0), "EXPIRE", "a", "200", "GT")
	k.is(intReply(0), "EXPIRE", "a", "100", "GT")
	k.is(intReply(1), "EXPIRE", "a", "300", "GT")
	k.is(intReply(0), "EXPIRE", "a", "300", "LT")
	k.is(intReply(1), "EXPIRE", "a", "250", "LT")
	k.is(intReply(1), "EXPIRE", "a", "260", "XX", "GT")
	k.is(intReply(0), "EXPIRE", "a", "270", "XX", "LT")
	k.is(intReply(260), "TTL", "a")
	// LT into the past deletes.
	k.is(intReply(1), "EXPIRE", "a", "-1", "LT")
	k.is(intReply(0), "EXISTS", "a")
	k.is(intReply(0), "EXPIRE", "a", "10", "NX")
	checkTimers(t, k.n.Default())
}

func TestTTLOfExpiredKey(t *testing.T) {
	k := newKT(t)
	k.is(okReply(), "SET", "a", "v", "PX", "100")
	k.advance(99 * time.Millisecond)
	k.is(intReply(1), "PTTL", "a")
	k.is(intReply(0), "TTL", "a")
	// At the deadline the key is still there, with nothing left to live.
	k.advance(time.Millisecond)
	k.is(intReply(0), "PTTL", "a")
	k.is(intReply(0), "TTL", "a")
	k.is(intReply(1), "EXISTS", "a")
	k.is(bulk("v"), "GET", "a")
	k.is(intReply(1), "DBSIZE")
	// One millisecond later it is gone.
	k.advance(time.Millisecond)
	k.is(intReply(-2), "PTTL", "a")
	k.is(intReply(0), "PERSIST", "a")
	k.is(intReply(0), "DBSIZE")
}

// TestExpiryBoundary checks the deadline's millisecond as Valkey's
// keyIsExpired has it: a key with deadline D is alive at D (PTTL 0) for
// lookups, writes and active expiry alike, and gone from D+1 on, whether it
// is looked up or only reached by ExpireCycle. Setting a deadline that is
// not in the future (D <= now) still deletes at once, as Valkey's
// checkAlreadyExpired does.
func TestExpiryBoundary(t *testing.T) {
	k := newKT(t)
	ns := k.n.Default()
	d := k.nowMs() + 100
	for _, key := range []string{"active", "lazy", "kept", "renamed"} {
		k.is(okReply(), "SET", key, "v", "PXAT", strconv.FormatInt(d, 10))
	}
	k.advance(100 * time.Millisecond)
	if k.nowMs() != d {
		t.Fatalf("clock at %d, want the deadline %d", k.nowMs(), d)
	}
	// At D: nothing expires, neither lazily nor actively.
	k.cycle()
	k.is(intReply(4), "DBSIZE")
	k.is(intReply(0), "PTTL", "lazy")
	k.is(intReply(0), "TTL", "lazy")
	k.is(intReply(int(d)), "PEXPIRETIME", "lazy")
	k.is(intReply(1), "EXISTS", "lazy")
	k.is(bulk("v"), "GET", "lazy")
	// A write at D sees the live key: KEEPTTL keeps the deadline.
	k.is(okReply(), "SET", "kept", "v2", "KEEPTTL")
	k.is(intReply(int(d)), "PEXPIRETIME", "kept")
	k.is(nullReply, "SET", "kept", "v3", "NX")
	k.is(bulk("v2"), "GET", "kept")
	// A key renamed at D carries its deadline and is re-armed for D+1.
	k.is(okReply(), "RENAME", "renamed", "moved")
	k.is(intReply(int(d)), "PEXPIRETIME", "moved")
	k.cycle()
	k.is(intReply(4), "DBSIZE")
	if got := ns.Stats.ExpiredKeys.Load(); got != 0 {
		t.Fatalf("expired_keys %d at the deadline", got)
	}
	checkTimers(t, ns)

	// At D+1 a lookup finds the key gone...
	k.advance(time.Millisecond)
	k.is(intReply(0), "EXISTS", "lazy")
	k.is(intReply(-2), "PTTL", "lazy")
	if got := ns.Stats.ExpiredKeys.Load(); got != 1 {
		t.Fatalf("expired_keys %d after the lazy expiry", got)
	}
	// ... and one cycle deletes the untouched ones.
	k.is(intReply(3), "DBSIZE")
	k.cycle()
	k.is(intReply(0), "DBSIZE")
	if got := ns.Stats.ExpiredKeys.Load(); got != 4 {
		t.Fatalf("expired_keys %d after the cycle", got)
	}
	checkTimers(t, ns)

	// A deadline set at now is already past: the key goes at once.
	now := strconv.FormatInt(k.nowMs(), 10)
	k.is(okReply(), "SET", "a", "v")
	k.is(intReply(1), "PEXPIREAT", "a", now)
	k.is(intReply(0), "EXISTS", "a")
	k.is(okReply(), "SET", "a", "v", "PXAT", now)
	k.is(intReply(0), "EXISTS", "a")
	k.is(okReply(), "SET", "a", "v")
	k.is(bulk("v"), "GETEX", "a", "PXAT", now)
	k.is(intReply(0), "EXISTS", "a")
	// One millisecond later is in the future: alive now, gone after.
	next := strconv.FormatInt(k.nowMs()+1, 10)
	k.is(okReply(), "SET", "a", "v", "PXAT", next)
	k.is(intReply(1), "PTTL", "a")
	k.advance(time.Millisecond)
	k.cycle()
	k.is(intReply(0), "PTTL", "a")
	k.advance(time.Millisecond)
	k.cycle()
	k.is(intReply(0), "DBSIZE")
	checkTimers(t, ns)
}

// The deadlines next to the int64 limit keep their exact value (the
// wheel's timer fires a millisecond after the deadline, saturated).
func TestExpireNearInt64Max(t *testing.T) {
	k := newKT(t)
	for _, at := range []string{"9223372036854775807", "9223372036854775806", "9223372036854775805"} {
		k.is(okReply(), "SET", "k", "v")
		k.is(intReply(1), "PEXPIREAT", "k", at)
		k.is(":"+at+"\r\n", "PEXPIRETIME", "k")
		k.is(intReply(1), "PERSIST", "k")
		k.is(intReply(-1), "PEXPIRETIME", "k")
	}
}
