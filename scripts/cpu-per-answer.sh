#!/usr/bin/env bash
# CPU per answer of one whoowns replica under `whoowns load`, for one or
# more binaries, alternating between them.
#
#   scripts/cpu-per-answer.sh [-r "500 1500"] [-n 3] [-d 15s] [-b 13] NAME=BINARY ...
#
# For every repetition, rate and binary (in that order, so the binaries
# alternate): empty Redis DB -b, start BINARY as `whoowns serve` with
# GOMAXPROCS=1 (and REPLICA_ENV, space-separated KEY=VALUE), wait for
# /readyz, drive it with `whoowns load --targets` (the load tool is LOADER,
# default the first binary, so every replica sees the same traffic), and
# read the replica's CPU (utime + stime from /proc/<pid>/stat) from
# readiness to the end of the drain. CPU per answer is that over the Web
# API posts the fake API recorded (warm-up included, since its CPU is
# counted too). One line per run, then the median per binary and rate.
#
# Needs redis-server on REDIS_HOST (default 127.0.0.1:6379) and jq.
# Baseline and current side by side:
#   git worktree add /tmp/base 9dad36a && (cd /tmp/base && go build -o /tmp/wo-base ./cmd/whoowns)
#   go build -o /tmp/wo-now ./cmd/whoowns
#   scripts/cpu-per-answer.sh -n 3 base=/tmp/wo-base now=/tmp/wo-now
set -euo pipefail

rates="500 1500"
reps=3
dur=15s
db=13
while getopts "r:n:d:b:" o; do
	case $o in
	r) rates=$OPTARG ;;
	n) reps=$OPTARG ;;
	d) dur=$OPTARG ;;
	b) db=$OPTARG ;;
	*) sed -n '2,20p' "$0"; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
	sed -n '2,20p' "$0"
	exit 2
fi
redis_host=${REDIS_HOST:-127.0.0.1:6379}
loader=${LOADER:-${1#*=}}
secret=cpu-per-answer-secret
hz=$(getconf CLK_TCK)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

run_one() { # name binary rate
	local name=$1 bin=$2 rate=$3 port apiport pid t0 t1 posts lost dup
	redis-cli -h "${redis_host%:*}" -p "${redis_host#*:}" -n "$db" flushdb >/dev/null
	port=$(free_port)
	apiport=$(free_port)
	# shellcheck disable=SC2086
	env GOMAXPROCS=1 REDIS_URL="redis://$redis_host/$db" WHOOWNS_ADDR="127.0.0.1:$port" \
		SLACK_BOT_TOKEN=xoxb-load SLACK_SIGNING_SECRET=$secret SLACK_API_URL="http://127.0.0.1:$apiport/api/" \
		WHOOWNS_RATE_QUESTIONS=0 WHOOWNS_RATE_COMMANDS=0 WHOOWNS_LOG_LEVEL=warn WHOOWNS_LOG_FORMAT=text \
		${REPLICA_ENV:-} "$bin" serve 2>>"$out/serve.log" &
	pid=$!
	for _ in $(seq 200); do
		curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
		sleep 0.05
	done
	t0=$(ticks $pid)
	REDIS_URL="redis://$redis_host/$db" "$loader" load --targets "http://127.0.0.1:$port" --secret $secret \
		--api-addr "127.0.0.1:$apiport" --rate "$rate" --duration "$dur" --warmup 2s \
		--redeliver 0 --unknown 0 --json >"$out/report.json" 2>>"$out/load.log" || true
	t1=$(ticks $pid)
	kill -TERM $pid
	wait $pid || true
	posts=$(jq .api_calls "$out/report.json")
	lost=$(jq .lost "$out/report.json")
	dup=$(jq .duplicates "$out/report.json")
	awk -v n="$name" -v r="$rate" -v t=$((t1 - t0)) -v hz="$hz" -v p="$posts" -v l="$lost" -v d="$dup" \
		'BEGIN { printf "%-8s %6d/s  posts %7d  lost %d  dup %d  cpu %6.2f s  per answer %.3f ms\n", n, r, p, l, d, t/hz, (p ? 1000*t/hz/p : 0) }' |
		tee -a "$out/runs.txt"
}

for rep in $(seq "$reps"); do
	for rate in $rates; do
		for nb in "$@"; do
			run_one "${nb%%=*}" "${nb#*=}" "$rate"
		done
	done
done
# A run that lost events was overloaded: the replica refused deliveries
# (503) or the machine could not keep up, and its CPU went partly to
# refusals. The median counts only runs that lost nothing.
echo "median CPU per answer (ms), runs that lost nothing:"
for rate in $rates; do
	for nb in "$@"; do
		name=${nb%%=*}
		awk -v n="$name" -v r="$rate/s" '$1 == n && $2 == r && $6 == 0 { print $(NF-1)+0 }' "$out/runs.txt" | sort -n |
			awk -v n="$name" -v r="$rate" '{ v[NR] = $1 } END { if (!NR) { printf "%-8s %6d/s  -  (every run lost events)\n", n, r; exit } m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; printf "%-8s %6d/s  %.3f  (runs: %d, range %.3f–%.3f)\n", n, r, m, NR, v[1], v[NR] }'
	done
done
