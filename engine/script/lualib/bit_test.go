package lualib

import "testing"

// bitCases were recorded from valkey-server 8.0.1 (see golden_test.go).
var bitCases = []luaCase{
	{`local t = {} for k, v in pairs(bit) do t[#t+1] = k .. ':' .. type(v) end table.sort(t) return table.concat(t, ' ')`, `{"n"=2,1=true,2="arshift:function band:function bnot:function bor:function bswap:function bxor:function lshift:function rol:function ror:function rshift:function tobit:function tohex:function"}`},
	// tobit
	{`return bit.tobit(0), bit.tobit(1), bit.tobit(-1), bit.tobit(0xffffffff), bit.tobit(2^31), bit.tobit(2^32 + 1), bit.tobit(-2^31 - 1)`, `{"n"=8,1=true,2=0,3=1,4=-1,5=-1,6=-2147483648,7=1,8=2147483647}`},
	{`return bit.tobit(1.5), bit.tobit(2.5), bit.tobit(-1.5), bit.tobit(-2.5), bit.tobit(0.5), bit.tobit(0.49999999999999994), bit.tobit(-0.0)`, `{"n"=8,1=true,2=2,3=2,4=-2,5=-2,6=0,7=0,8=0}`},
	{`return bit.tobit(2^52), bit.tobit(2^53 + 3), bit.tobit(2^51 + 0.5), bit.tobit(1e300), bit.tobit(-1e300), bit.tobit(0/0), bit.tobit(1/0), bit.tobit(-1/0), bit.tobit(2^-1074)`, `{"n"=10,10=0,1=true,2=0,3=2,4=0,5=-2013235812,6=-2013235812,7=0,8=0,9=0}`},
	{`return bit.tobit("0x10"), bit.tobit(" 12 "), bit.tobit("1e2"), bit.tobit("-7"), bit.tobit("0"), bit.tobit("inf"), bit.tobit("nan"), bit.tobit("0x1p4"), bit.tobit("010"), bit.tobit("5\0junk")`, `{"n"=11,10=10,11=5,1=true,2=16,3=12,4=100,5=-7,6=0,7=0,8=0,9=16}`},
	{`return bit.tobit("x")`, `{"n"=2,1=false,2="user_script:1: bad argument #1 to 'tobit' (number expected, got string)"}`},
	{`return bit.tobit("")`, `{"n"=2,1=false,2="user_script:1: bad argument #1 to 'tobit' (number expected, got string)"}`},
	{`return bit.tobit("1 2")`, `{"n"=2,1=false,2="user_script:1: bad argument #1 to 'tobit' (number expected, got string)"}`},
	{`return bit.tobit("0x")`, `{"n"=2,1=false,2="user_script:1: bad argument #1 to 'tobit' (number expected, got string)"}`},
	{`return bit.tobit()`, `{"n"=2,1=false,2="user_script:1: bad argument #1 to 'tobit' (number expected, got no value)"}`},
	{`return bit.tobit(nil)`, `{"n"=2,1=false,2="user_script:1: bad argument #1 to 'tobit' (number expected, got nil)"}`},
	{`return bit.tobit({})`, `{"n"=2,1=false,2="user_script:1: bad argument #1 to 'tobit' (number expected, got table)"}`},
	{`return bit.tobit(true)`, `{"n"=2,1=false,2="user_script:1: bad argument #1 to 'tobit' (number expected, got boolean)"}`},
	{`return pcall(bit.tobit)`, `{"n"=3,1=true,2=false,3="bad argument #1 to '?' (number expected, got no value)"}`},
	// tohex
	{`return bit.tohex(255), bit.tohex(-1), bit.tohex(255, 2), bit.tohex(255, -2), bit.tohex(0x12345678, 20), bit.tohex(1, 0), bit.tohex(255, -2^31), bit.tohex(0xabcdef, -8), bit.tohex(0xabcdef, 2^32 + 3)`, `{"n"=10,10="def",1=true,2="000000ff",3="ffffffff",4="ff",5="FF",6="12345678",7="",8="000000FF",9="00ABCDEF"}`},
	{`return bit.tohex(1, nil)`, `{"n"=2,1=false,2="user_script:1: bad argument #2 to 'tohex' (number expected, got nil)"}`},
	{`return bit.tohex("ff")`, `{"n"=2,1=false,2="user_script:1: bad argument #1 to 'tohex' (number expected, got string)"}`},
	{`return bit.tohex(0x1234, "3"), bit.tohex(3.7), bit.tohex(-2^31)`, `{"n"=4,1=true,2="234",3="00000004",4="80000000"}`},
	// logic
	{`return bit.bnot(0), bit.bnot(-1), bit.bnot(0x0f0f0f0f), bit.bnot(2^32)`, `{"n"=5,1=true,2=-1,3=0,4=-252645136,5=-1}`},
	{`return bit.band(0xff, 0x0f, 0x3), bit.bor(1, 2, 4, 8), bit.bxor(5, 3, 1), bit.band(5), bit.bor(-1, 0), bit.bxor(0xffffffff, 1)`, `{"n"=7,1=true,2=3,3=15,4=7,5=5,6=-1,7=-2}`},
	{`return bit.band()`, `{"n"=2,1=false,2="user_script:1: bad argument #1 to 'band' (number expected, got no value)"}`},
	{`return bit.band(1, "a")`, `{"n"=2,1=false,2="user_script:1: bad argument #2 to 'band' (number expected, got string)"}`},
	{`return bit.bor(1, 2, nil)`, `{"n"=2,1=false,2="user_script:1: bad argument #3 to 'bor' (number expected, got nil)"}`},
	{`return bit.bxor(1, {}, 2)`, `{"n"=2,1=false,2="user_script:1: bad argument #2 to 'bxor' (number expected, got table)"}`},
	// shifts
	{`return bit.lshift(1, 31), bit.lshift(1, 32), bit.lshift(1, 33), bit.lshift(1, -1), bit.lshift(0xff, 28), bit.lshift(-1, 0)`, `{"n"=7,1=true,2=-2147483648,3=1,4=2,5=-2147483648,6=-268435456,7=-1}`},
	{`return bit.rshift(-1, 28), bit.rshift(-1, 0), bit.rshift(-1, 32), bit.rshift(0x80000000, 31), bit.rshift(1, 1)`, `{"n"=6,1=true,2=15,3=-1,4=-1,5=1,6=0}`},
	{`return bit.arshift(-256, 4), bit.arshift(-1, 31), bit.arshift(0x7fffffff, 30), bit.arshift(-2^31, 1), bit.arshift(5, 33)`, `{"n"=6,1=true,2=-16,3=-1,4=1,5=-1073741824,6=2}`},
	{`return bit.rol(0x12345678, 4), bit.ror(0x12345678, 4), bit.rol(1, 0), bit.ror(1, 32), bit.rol(0x80000000, 1), bit.ror(1, 1), bit.rol(0x12345678, -4)`, `{"n"=8,1=true,2=591751041,3=-2128394905,4=1,5=1,6=1,7=-2147483648,8=-2128394905}`},
	{`return bit.bswap(0x12345678), bit.bswap(-1), bit.bswap(0xff), bit.bswap(0)`, `{"n"=5,1=true,2=2018915346,3=-1,4=-16777216,5=0}`},
	{`return bit.lshift(1)`, `{"n"=2,1=false,2="user_script:1: bad argument #2 to 'lshift' (number expected, got no value)"}`},
	{`return bit.rol()`, `{"n"=2,1=false,2="user_script:1: bad argument #1 to 'rol' (number expected, got no value)"}`},
	{`return bit.bswap()`, `{"n"=2,1=false,2="user_script:1: bad argument #1 to 'bswap' (number expected, got no value)"}`},
}

func TestBit(t *testing.T) { runCases(t, bitCases) }
