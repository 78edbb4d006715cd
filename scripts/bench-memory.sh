#!/usr/bin/env bash
# bench-memory.sh: memory efficiency, flect against redis-server. Each
# dataset is loaded into a fresh server of each kind (redis-cli --pipe);
# the table shows the process's resident memory (RSS, /proc/PID/status)
# less its RSS when empty, after the load and again after MEMORY PURGE, and
# flect's used_memory (its accounting of the data).
#
# Datasets: 1M string keys with 10-byte values; one hash of 1M fields; one
# sorted set of 1M members; small sorted sets: N/10 keys (100k) of 8
# members each ("member:N", integer scores, one ZADD per member), the
# listpack encoding's case (leaderboards per user, rate-limit windows).
#
# Environment:
#   BENCH_MEM_N         elements per dataset (default 1000000)
#   BENCH_MEM_DATASETS  datasets to run (default strings,hash,zset,zsets8)
set -euo pipefail

cd "$(dirname "$0")/.."
NAME=bench-memory
. scripts/lib.sh

N=${BENCH_MEM_N:-1000000}
DATASETS=${BENCH_MEM_DATASETS:-strings,hash,zset,zsets8}

for tool in redis-server redis-cli awk; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench-memory: $tool not found" >&2
		exit 1
	fi
done

make --no-print-directory build >/dev/null

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# gen DATASET writes the RESP commands loading DATASET to stdout.
gen() {
	awk -v n="$N" -v ds="$1" 'BEGIN {
		for (i = 0; i < n; i++) {
			if (ds == "strings") {
				k = "key:" i; v = sprintf("v%09d", i)
				printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$10\r\n%s\r\n", length(k), k, v
			} else if (ds == "hash") {
				f = "field:" i; v = sprintf("v%09d", i)
				printf "*4\r\n$4\r\nHSET\r\n$4\r\nhash\r\n$%d\r\n%s\r\n$10\r\n%s\r\n", length(f), f, v
			} else if (ds == "zsets8") {
				if (i >= n / 10 * 8) break
				k = "zs:" int(i / 8); m = "member:" i; s = (i * 7919) % 1000
				printf "*4\r\n$4\r\nZADD\r\n$%d\r\n%s\r\n$%d\r\n%d\r\n$%d\r\n%s\r\n", length(k), k, length(s ""), s, length(m), m
			} else {
				m = "member:" i; s = (i * 7919) % n
				printf "*4\r\n$4\r\nZADD\r\n$4\r\nzset\r\n$%d\r\n%d\r\n$%d\r\n%s\r\n", length(s ""), s, length(m), m
			}
		}
	}'
}

# measure KIND DATASET prints "rss_after_kb rss_purged_kb used_memory".
measure() {
	local port
	port=$(free_port)
	if [ "$1" = flect ]; then
		./bin/flect server --port "$port" --loglevel warning --save "" >"$workdir/flect.log" 2>&1 &
	else
		(cd "$workdir" && exec redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
			--loglevel warning --logfile "$workdir/redis.log") &
	fi
	pid=$!
	wait_ping "$port"
	sleep 0.3
	local base
	base=$(rss_kb "$pid")
	gen "$2" | redis-cli -p "$port" --pipe >/dev/null
	sleep 1
	local after purged used
	after=$(rss_kb "$pid")
	redis-cli -p "$port" memory purge >/dev/null
	sleep 0.5
	purged=$(rss_kb "$pid")
	used=$(redis-cli -p "$port" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }')
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=""
	echo "$((after - base)) $((purged - base)) $used"
}

mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

echo "bench-memory: $N elements per dataset; RSS less the empty server's, in MiB"
printf '%-8s | %10s %10s %6s | %10s %10s %6s | %12s\n' dataset "flect" "redis" ratio "f purged" "r purged" ratio "f used_mem"
printf '%s\n' "-----------------------------------------------------------------------------------------"
IFS=, read -r -a datasets <<<"$DATASETS"
for ds in "${datasets[@]}"; do
	read -r fa fp fu <<<"$(measure flect "$ds")"
	read -r ra rp _ <<<"$(measure redis "$ds")"
	r1=$(awk -v a="$fa" -v b="$ra" 'BEGIN { printf "%.2f", a / b }')
	r2=$(awk -v a="$fp" -v b="$rp" 'BEGIN { printf "%.2f", a / b }')
	printf '%-8s | %10s %10s %6s | %10s %10s %6s | %12s\n' "$ds" "$(mb "$fa")" "$(mb "$ra")" "$r1" "$(mb "$fp")" "$(mb "$rp")" "$r2" \
		"$(awk -v b="$fu" 'BEGIN { printf "%.1f", b / 1048576 }')"
done
echo
echo "ratio = flect / redis (lower is better for flect)"
