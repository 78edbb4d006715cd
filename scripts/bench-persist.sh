#!/usr/bin/env bash
# bench-persist.sh: snapshots under load and startup load speed, flect and
# redis-server side by side (make bench-persist).
#
# Both servers get BENCH_PERSIST_N string keys (10-byte values), then:
#   1. GET/SET latency with 10 clients while idle;
#   2. the same while background saves run back to back (BGSAVE again as
#      soon as one ends), so every request meets a save;
#   3. SHUTDOWN SAVE and a restart: time from start to the first PONG
#      (flect loads its Pebble snapshot, redis-server its RDB file).
#
# Environment:
#   BENCH_PERSIST_N   keys (default 1000000)
#   BENCH_PERSIST_REQ requests per latency row (default 200000)
set -euo pipefail

cd "$(dirname "$0")/.."
NAME=bench-persist
. scripts/lib.sh

N=${BENCH_PERSIST_N:-1000000}
REQ=${BENCH_PERSIST_REQ:-200000}

need redis-server redis-benchmark redis-cli python3
make --no-print-directory build >/dev/null

# ready PORT: wait (at most 120 s) for PONG, not -LOADING.
ready() {
	for _ in $(seq 1 12000); do
		[ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return
		sleep 0.01
	done
	echo "bench-persist: port $1 not ready" >&2
	exit 1
}
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

mkdir -p "$workdir/flect" "$workdir/redis"
FPORT=$(free_port)
RPORT=$(free_port)
start_flect() {
	./bin/flect server --port "$FPORT" --dir "$workdir/flect" --save "" --loglevel warning >>"$workdir/flect.log" 2>&1 &
	pids+=($!)
}
start_redis() {
	(cd "$workdir/redis" && exec redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$workdir/redis" --save "" \
		--appendonly no --loglevel warning --logfile "$workdir/redis.log") &
	pids+=($!)
}
start_flect
start_redis
ready "$FPORT"
ready "$RPORT"

python3 - "$N" >"$workdir/load.resp" <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout.buffer
for i in range(n):
    k = b"key:%012d" % i
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$10\r\nvalue-%04d\r\n" % (len(k), k, i % 10000))
PY
for p in "$FPORT" "$RPORT"; do
	redis-cli -p "$p" --pipe <"$workdir/load.resp" >/dev/null
done
echo "bench-persist: flect DBSIZE=$(redis-cli -p "$FPORT" dbsize) redis DBSIZE=$(redis-cli -p "$RPORT" dbsize)"

# lat PORT: "p50 p99" of GET and SET (10 clients, random existing keys).
lat() {
	redis-benchmark -h 127.0.0.1 -p "$1" -c 10 -n "$REQ" -r "$N" --csv -t get,set 2>/dev/null |
		grep -v '^"test"' | tr -d '"' | awk -F, '{ printf "%s %s %s ", $1, $5, $7 }'
}
# saving PORT: BGSAVE back to back until the file $workdir/stop appears.
saving() {
	while [ ! -e "$workdir/stop" ]; do
		redis-cli -p "$1" bgsave >/dev/null 2>&1 || true
		while redis-cli -p "$1" info persistence 2>/dev/null | grep -q 'rdb_bgsave_in_progress:1'; do
			sleep 0.25
		done
	done
}
report() {
	local name=$1 port=$2
	read -r _ idle_get_p50 idle_get_p99 _ idle_set_p50 idle_set_p99 <<<"$(lat "$port")"
	rm -f "$workdir/stop"
	saving "$port" &
	local saver=$!
	sleep 0.2
	read -r _ bg_get_p50 bg_get_p99 _ bg_set_p50 bg_set_p99 <<<"$(lat "$port")"
	touch "$workdir/stop"
	wait "$saver"
	local saves
	saves=$(redis-cli -p "$port" info persistence | tr -d '\r' | awk -F: '/^rdb_saves:/ { print $2 }')
	printf '%-6s | GET p50/p99 idle %s/%s ms, saving %s/%s ms (p99 x%s) | SET p50/p99 idle %s/%s ms, saving %s/%s ms (p99 x%s) | saves %s\n' \
		"$name" "$idle_get_p50" "$idle_get_p99" "$bg_get_p50" "$bg_get_p99" \
		"$(awk -v a="$bg_get_p99" -v b="$idle_get_p99" 'BEGIN { printf "%.2f", a / b }')" \
		"$idle_set_p50" "$idle_set_p99" "$bg_set_p50" "$bg_set_p99" \
		"$(awk -v a="$bg_set_p99" -v b="$idle_set_p99" 'BEGIN { printf "%.2f", a / b }')" "$saves"
}
echo
echo "latency while idle and during back-to-back BGSAVEs ($REQ requests, 10 clients):"
report flect "$FPORT"
report redis "$RPORT"

# Time a save, then the load at startup.
t0=$(now); redis-cli -p "$FPORT" save >/dev/null; t1=$(now)
fsave=$(secs "$t0" "$t1")
t0=$(now); redis-cli -p "$RPORT" save >/dev/null; t1=$(now)
rsave=$(secs "$t0" "$t1")
redis-cli -p "$FPORT" shutdown nosave >/dev/null 2>&1 || true
redis-cli -p "$RPORT" shutdown nosave >/dev/null 2>&1 || true
sleep 0.5
t0=$(now); start_flect; ready "$FPORT"; t1=$(now)
fload=$(secs "$t0" "$t1")
t0=$(now); start_redis; ready "$RPORT"; t1=$(now)
rload=$(secs "$t0" "$t1")
echo
printf 'SAVE of %s keys: flect %ss, redis %ss\n' "$N" "$fsave" "$rsave"
printf 'start + load:    flect %ss (%s keys), redis %ss (%s keys); load-time ratio flect/redis %s\n' \
	"$fload" "$(redis-cli -p "$FPORT" dbsize)" "$rload" "$(redis-cli -p "$RPORT" dbsize)" \
	"$(awk -v a="$fload" -v b="$rload" 'BEGIN { printf "%.2f", a / b }')"
echo "on disk: flect $(du -sh "$workdir/flect" | cut -f1), redis $(du -sh "$workdir/redis/dump.rdb" | cut -f1)"
