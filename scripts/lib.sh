# lib.sh: what the bench scripts share, sourced after `cd` to the
# repository. The sourcing script sets NAME (its name in messages) first.
#
#   need TOOL...        exit unless every tool is installed
#   free_port           print a loopback TCP port nobody listens on
#   wait_ping PORT [WHAT]  wait (10 s at most) for PONG (not -LOADING) on PORT
#   pid, pids           servers to kill on exit (one, or an array)
#   workdir             a temporary directory removed on exit

need() {
	local tool
	for tool; do
		if ! command -v "$tool" >/dev/null; then
			echo "$NAME: $tool not found (apt-get install redis-server redis-tools)" >&2
			exit 1
		fi
	done
}

free_port() {
	local p
	for _ in $(seq 1 100); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return
		fi
	done
	echo "$NAME: no free port" >&2
	exit 1
}

wait_ping() {
	for _ in $(seq 1 200); do
		if [ "$(redis-cli -p "$1" ping 2>/dev/null)" = "PONG" ]; then
			return
		fi
		sleep 0.05
	done
	echo "$NAME: ${2:-server} on port $1 did not answer PING within 10s" >&2
	exit 1
}

pid=""
pids=()
workdir=$(mktemp -d)
cleanup() {
	local p
	for p in $pid "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in $pid "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
