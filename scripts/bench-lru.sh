#!/usr/bin/env bash
# bench-lru.sh: eviction quality, flect against valkey-server (or
# redis-server), with `redis-cli --lru-test`: GETs of keys drawn from a
# power-law distribution, each miss followed by a SET of the key, against
# a server with maxmemory and allkeys-lru. The hit ratio once the cache is
# full shows how well eviction keeps the hot keys.
#
# Two rows: both servers with the same maxmemory, and, when flect held
# fewer keys than the other server, flect with its maxmemory scaled to hold
# as many keys as the other did: eviction quality alone. (Scaling down
# would cross the 32mb below which flect keeps no collector reserve, and
# compare nothing.)
#
# Environment:
#   BENCH_LRU_KEYS     key space of the test (default 1000000)
#   BENCH_LRU_MAXMEM   maxmemory of both servers (default 32mb)
#   BENCH_LRU_SECONDS  seconds per run (default 20; the last half counts)
#   BENCH_LRU_POLICY   eviction policy (default allkeys-lru)
#   VALKEY_SERVER      server to compare with (default valkey-server if found, else redis-server)
set -euo pipefail

cd "$(dirname "$0")/.."
NAME=bench-lru
. scripts/lib.sh

KEYS=${BENCH_LRU_KEYS:-1000000}
MAXMEM=${BENCH_LRU_MAXMEM:-32mb}
SECS=${BENCH_LRU_SECONDS:-20}
POLICY=${BENCH_LRU_POLICY:-allkeys-lru}
OTHER=${VALKEY_SERVER:-}
if [ -z "$OTHER" ]; then
	if command -v valkey-server >/dev/null; then OTHER=valkey-server; else OTHER=redis-server; fi
fi
for tool in "$OTHER" redis-cli stdbuf; do
	if ! command -v "$tool" >/dev/null; then
		echo "bench-lru: $tool not found" >&2
		exit 1
	fi
done

make --no-print-directory build >/dev/null

# run KIND MAXMEMORY prints "hit% keys used_memory".
run() {
	local port
	port=$(free_port)
	if [ "$1" = flect ]; then
		./bin/flect server --port "$port" --loglevel warning --save "" --maxmemory "$2" --maxmemory-policy "$POLICY" \
			>"$workdir/flect.log" 2>&1 &
	else
		(cd "$workdir" && exec "$OTHER" --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
			--maxmemory "$2" --maxmemory-policy "$POLICY" --loglevel warning --logfile "$workdir/other.log") &
	fi
	pid=$!
	wait_ping "$port"
	timeout "$SECS" stdbuf -o0 redis-cli -p "$port" --lru-test "$KEYS" >"$workdir/lru.out" 2>&1 || true
	local hits keys used
	# Lines: "N Gets/sec | Hits: H (P%) | Misses: ..."; average the last half.
	hits=$(awk -F'[()%]' '/Hits:/ { p[NR] = $2 } END { n = NR; s = 0; c = 0; for (i = int(n / 2) + 1; i <= n; i++) if (i in p) { s += p[i]; c++ } if (c) printf "%.2f", s / c; else print "-" }' "$workdir/lru.out")
	keys=$(redis-cli -p "$port" dbsize)
	used=$(redis-cli -p "$port" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }')
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	pid=""
	echo "$hits $keys $used"
}

bytes() { # a maxmemory value in bytes
	awk -v v="$1" 'BEGIN { n = v + 0; u = tolower(v); sub(/^[0-9.]+/, "", u)
		m = 1; if (u == "kb") m = 1024; else if (u == "mb") m = 1048576; else if (u == "gb") m = 1073741824
		else if (u == "k") m = 1000; else if (u == "m") m = 1000000; else if (u == "g") m = 1000000000
		printf "%.0f", n * m }'
}

echo "bench-lru: redis-cli --lru-test $KEYS, $POLICY, $SECS s per run (hit ratio: mean of the last half)"
echo "bench-lru: flect $(./bin/flect version) against $($OTHER --version | cut -d' ' -f1-3)"
printf '%-34s | %8s %10s | %8s %10s\n' run "flect %" "keys" "other %" "keys"
printf '%s\n' "---------------------------------------------------------------------------"
read -r fh fk fu <<<"$(run flect "$MAXMEM")"
read -r oh ok _ <<<"$(run other "$MAXMEM")"
printf '%-34s | %8s %10s | %8s %10s\n' "same maxmemory ($MAXMEM)" "$fh" "$fk" "$oh" "$ok"
if [ "${fk:-0}" -ge "${ok:-0}" ]; then
	exit 0
fi
# flect's maxmemory for as many keys as the other server held: its startup
# memory plus the other's key count at flect's bytes per key.
mm=$(bytes "$MAXMEM")
scaled=$(awk -v fu="$fu" -v fk="$fk" -v ok="$ok" -v mm="$mm" 'BEGIN {
	# used = startup + fk * per_key; the startup share is what flect
	# uses beyond its keys at the limit.
	per = (fu > 0 && fk > 0) ? fu / fk : 0
	if (per == 0) { print mm; exit }
	printf "%.0f", mm + (ok - fk) * per }')
read -r sh sk _ <<<"$(run flect "$scaled")"
printf '%-34s | %8s %10s | %8s %10s\n' "flect at $((scaled / 1048576))mb (keys as other)" "$sh" "$sk" "$oh" "$ok"
