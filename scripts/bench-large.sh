#!/usr/bin/env bash
# bench-large.sh: latencies of commands on one large sorted set and one
# large list, flect and redis-server side by side (make bench-large).
#
# Each server gets a sorted set of BENCH_LARGE_N members and a list of
# BENCH_LARGE_N elements, then redis-benchmark runs each command with one
# client (latency, not throughput, is the point) on each server in turn.
#
# Environment:
#   BENCH_LARGE_N   elements per collection (default 1000000)
#   BENCH_LARGE_REQ requests per command (default 20000; O(n) rows use 1/100 of it)
set -euo pipefail

cd "$(dirname "$0")/.."
NAME=bench-large
. scripts/lib.sh

N=${BENCH_LARGE_N:-1000000}
REQ=${BENCH_LARGE_REQ:-20000}

need redis-server redis-benchmark redis-cli python3
make --no-print-directory build >/dev/null

SRV_PIN=()
CLI_PIN=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	last=$(($(nproc) - 1))
	SRV_PIN=(taskset -c "$last")
	CLI_PIN=(taskset -c "0-$((last - 1))")
fi

FPORT=$(free_port)
"${SRV_PIN[@]}" ./bin/flect server --port "$FPORT" --loglevel warning >"$workdir/flect.log" 2>&1 &
pids+=($!)
RPORT=$(free_port)
(cd "$workdir" && exec "${SRV_PIN[@]}" redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no \
	--loglevel warning --logfile "$workdir/redis.log") &
pids+=($!)
wait_ping "$FPORT"
wait_ping "$RPORT"

# The load: ZADD and RPUSH in batches of 1000, as RESP for redis-cli --pipe.
python3 - "$N" >"$workdir/load.resp" <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout.buffer
def cmd(args):
    out.write(b"*%d\r\n" % len(args))
    for a in args:
        out.write(b"$%d\r\n%s\r\n" % (len(a), a))
for start in range(0, n, 1000):
    z = [b"ZADD", b"bigz"]
    l = [b"RPUSH", b"bigl"]
    for i in range(start, min(n, start + 1000)):
        z += [b"%d" % i, b"m:%d" % i]
        l.append(b"e:%d" % i)
    cmd(z)
    cmd(l)
PY
for p in "$FPORT" "$RPORT"; do
	start=$(date +%s.%N)
	redis-cli -p "$p" --pipe <"$workdir/load.resp" >/dev/null
	end=$(date +%s.%N)
	echo "bench-large: port $p loaded $N-member zset and $N-element list in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')s"
done
echo "bench-large: flect ZCARD=$(redis-cli -p "$FPORT" zcard bigz) LLEN=$(redis-cli -p "$FPORT" llen bigl); redis ZCARD=$(redis-cli -p "$RPORT" zcard bigz) LLEN=$(redis-cli -p "$RPORT" llen bigl)"
echo

# run PORT REQUESTS CMD... prints "rps p50 p99".
run() {
	local p=$1 n=$2
	shift 2
	"${CLI_PIN[@]}" redis-benchmark -h 127.0.0.1 -p "$p" -c 1 -n "$n" -r "$N" --csv "$@" 2>/dev/null |
		grep -v '^"test"' | tail -n 1 | tr -d '"' | awk -F, '{ printf "%s %s %s\n", $2, $5, $7 }'
}

printf '%-34s | %10s %8s %8s | %10s %8s %8s | %5s\n' command "flect op/s" "p50 ms" "p99 ms" "redis op/s" "p50 ms" "p99 ms" ratio
printf '%s\n' "--------------------------------------------------------------------------------------------------------"
row() {
	local n=$1
	shift
	read -r frps fp50 fp99 <<<"$(run "$FPORT" "$n" "$@")"
	read -r rrps rp50 rp99 <<<"$(run "$RPORT" "$n" "$@")"
	printf '%-34s | %10.0f %8s %8s | %10.0f %8s %8s | %5s\n' "$*" "$frps" "$fp50" "$fp99" "$rrps" "$rp50" "$rp99" \
		"$(awk -v a="$frps" -v b="$rrps" 'BEGIN { printf "%.2f", a / b }')"
}
row "$REQ" ZADD bigz __rand_int__ m:__rand_int__
row "$REQ" ZRANK bigz m:__rand_int__
row "$REQ" ZSCORE bigz m:__rand_int__
row "$REQ" ZRANGE bigz 500000 500009
row "$REQ" ZRANGE bigz 0 9 REV WITHSCORES
row "$REQ" ZRANGEBYSCORE bigz 400000 400009
row "$REQ" LPUSH bigl v
row "$REQ" LINDEX bigl 10
row "$REQ" LINDEX bigl -10
row $((REQ / 100)) LINDEX bigl 500000
row "$REQ" LRANGE bigl 0 9
echo
echo "ratio = flect op/s / redis op/s with one client (latency-bound); O(n) rows (LINDEX in the middle) use fewer requests"
