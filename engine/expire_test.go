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
	k.advance(time.Millisecond)
	k.is(intReply(-2), "PTTL", "a")
	k.is(intReply(0), "PERSIST", "a")
	k.is(intReply(0), "DBSIZE")
}
