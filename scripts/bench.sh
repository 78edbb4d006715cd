#!/usr/bin/env bash
# bench.sh: redis-benchmark against flect and redis-server side by side, on
# this machine's loopback, and a table of throughput and latency.
#
# Each test runs on flect then on redis-server, one test after the other, so
# that both see the same machine noise. Both servers are stopped on exit.
#
# Environment:
#   BENCH_TESTS    redis-benchmark tests (default: the string rows set,get,incr,mset,pfadd and the
#                  collection rows lpush,rpop,lrange_100,lrange_600,sadd,spop,hset,zadd,zpopmin;
#                  lrange_100 runs a quarter and lrange_600 a sixteenth of the requests of the
#                  others; pfadd is a custom command, PFADD hll __rand_int__; xadd is XADD s * f v)
#   BENCH_CLIENTS  parallel connections (default 50)
#   BENCH_N1       requests per run without pipelining (default 100000)
#   BENCH_N16      requests per run with -P 16 (default 1000000)
#   BENCH_KEYSPACE random keys per test, redis-benchmark -r (default 100000)
#   BENCH_TIMEOUT  seconds allowed for one run (default 60)
#   BENCH_ROUNDS   alternating runs per test and server; the median counts (default 3)
set -euo pipefail

cd "$(dirname "$0")/.."
NAME=bench
. scripts/lib.sh

TESTS=${BENCH_TESTS:-set,get,incr,mset,pfadd,lpush,rpop,lrange_100,lrange_600,sadd,spop,hset,zadd,zpopmin}
CLIENTS=${BENCH_CLIENTS:-50}
N1=${BENCH_N1:-100000}
N16=${BENCH_N16:-1000000}
KEYSPACE=${BENCH_KEYSPACE:-100000}
RUN_TIMEOUT=${BENCH_TIMEOUT:-60}
ROUNDS=${BENCH_ROUNDS:-3}

need redis-server redis-benchmark redis-cli

echo "bench: building bin/flect"
make --no-print-directory build >/dev/null

# On a machine with few cores the client competes with the server for CPU.
# To compare like with like, both servers get the same single core and
# redis-benchmark another (with taskset); flect then runs one Go scheduler
# thread, as redis-server runs one event loop. BENCH_PIN=0 turns this off.
SRV_PIN=()
CLI_PIN=()
if [ "${BENCH_PIN:-1}" = 1 ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
	last=$(($(nproc) - 1))
	SRV_PIN=(taskset -c "$last")
	CLI_PIN=(taskset -c "0-$((last - 1))")
fi

FPORT=$(free_port)
"${SRV_PIN[@]}" ./bin/flect server --port "$FPORT" --loglevel warning >"$workdir/flect.log" 2>&1 &
pids+=($!)
RPORT=$(free_port)
while [ "$RPORT" = "$FPORT" ]; do RPORT=$(free_port); done
(cd "$workdir" && exec "${SRV_PIN[@]}" redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no \
	--loglevel warning --logfile "$workdir/redis.log") &
pids+=($!)
wait_ping "$FPORT" flect
wait_ping "$RPORT" redis-server

echo "bench: $(./bin/flect version)"
echo "bench: $(redis-server --version | cut -d' ' -f1-3)"
echo "bench: servers pinned with '${SRV_PIN[*]:-none}', client with '${CLI_PIN[*]:-none}'"
echo "bench: $ROUNDS alternating rounds per test, median run shown"
echo "bench: $(nproc) cores; -c $CLIENTS -r $KEYSPACE; -n $N1 without pipelining, $N16 with -P 16"
echo

# run PORT TEST PIPELINE N prints "rps p50 p99" or "error".
run() {
	local out
	local sel=(-t "$2")
	case $2 in
	pfadd) sel=(PFADD hll __rand_int__) ;; # not a redis-benchmark test: a custom command
	xadd) sel=(XADD s '*' f v) ;;         # a custom command too: appends to one stream
	esac
	if ! out=$(timeout "$RUN_TIMEOUT" "${CLI_PIN[@]}" redis-benchmark -h 127.0.0.1 -p "$1" -c "$CLIENTS" -n "$4" \
		-r "$KEYSPACE" -P "$3" --csv "${sel[@]}" 2>"$workdir/err"); then
		echo "error"
		return
	fi
	# "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
	local row
	row=$(printf '%s\n' "$out" | grep -v '^"test"' | tail -n 1 | tr -d '"')
	if [ -z "$row" ] || grep -qi "error" "$workdir/err"; then
		echo "error"
		return
	fi
	echo "$row" | awk -F, '{ printf "%s %s %s\n", $2, $5, $7 }'
}

rps_or_error() {
	if [ "$1" = error ]; then echo error; else printf '%.0f' "${1%% *}"; fi
}

fmt_row() {
	printf '%-6s %3s | %12s %12s %7s | %8s %8s | %8s %8s\n' "$@"
}

# median_run prints the run (a "rps p50 p99" line) with the median rps, or
# "error" if any run failed.
median_run() {
	local x
	for x in "$@"; do
		if [ "$x" = error ]; then
			echo error
			return
		fi
	done
	printf '%s\n' "$@" | sort -n -k1,1 | awk '{ a[NR] = $0 } END { print a[int((NR + 1) / 2)] }'
}

fmt_row test P "flect ops/s" "redis ops/s" ratio "f p50ms" "f p99ms" "r p50ms" "r p99ms"
printf '%s\n' "-------------------------------------------------------------------------------------------"
IFS=, read -r -a tests <<<"$TESTS"
for P in 1 16; do
	n=$N1
	[ "$P" = 16 ] && n=$N16
	for t in "${tests[@]}"; do
		# LRANGE replies are long: fewer requests keep its runs short.
		tn=$n
		case $t in
		lrange_100) tn=$((n / 4)) ;;
		lrange_300 | lrange_500 | lrange_600) tn=$((n / 16)) ;;
		esac
		# ROUNDS alternating runs per server; the run with the median
		# throughput stands for each (its latencies are printed).
		fs=()
		rs=()
		for _ in $(seq 1 "$ROUNDS"); do
			fs+=("$(run "$FPORT" "$t" "$P" "$tn")")
			rs+=("$(run "$RPORT" "$t" "$P" "$tn")")
		done
		f=$(median_run "${fs[@]}")
		r=$(median_run "${rs[@]}")
		if [ "$f" = error ] || [ "$r" = error ]; then
			fmt_row "$t" "$P" "$(rps_or_error "$f")" "$(rps_or_error "$r")" "-" "-" "-" "-" "-"
			continue
		fi
		read -r frps fp50 fp99 <<<"$f"
		read -r rrps rp50 rp99 <<<"$r"
		ratio=$(awk -v a="$frps" -v b="$rrps" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
		fmt_row "$t" "$P" "$(printf '%.0f' "$frps")" "$(printf '%.0f' "$rrps")" "$ratio" "$fp50" "$fp99" "$rp50" "$rp99"
	done
done
echo
echo "ratio = flect ops/s / redis ops/s (higher is better for flect); 'error' = the server replied with errors"
