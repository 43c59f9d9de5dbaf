#!/usr/bin/env bash
# HTTP API load benchmark (issue 3). In one run, against one private
# redis-server, with wrk at 32 connections:
#   minimal   a minimal net/http handler returning a fixed JSON body
#   hit       abaco serve with Redis, the same expression every request
#   distinct  abaco serve with Redis, a new expression every request
#   embedded  (for reference) abaco serve without Redis, all-distinct
# Scenarios alternate for ROUNDS rounds (the machine is noisy); the table
# shows the median req/s and the median p99 of the rounds, and the CPU time
# the servers (abaco plus redis-server; the minimal handler alone) spent per
# request, which the noise of a shared machine disturbs less.
#
# Usage: bench/load/run.sh            (from anywhere)
#   DURATION=10s ROUNDS=3 CONNS=32 THREADS=2 bench/load/run.sh
#   ABACO_FLAGS="--log-requests=false" bench/load/run.sh   (extra serve flags)
# Needs: go, wrk, redis-server.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-32}"
THREADS="${THREADS:-2}"
WARMUP="${WARMUP:-2s}"

# shellcheck source=lib.sh
. "$here/lib.sh"

echo "building abaco and the minimal server..." >&2
(cd "$root" && go build -o "$tmp/abaco" ./cmd/abaco)
(cd "$root/bench" && go build -o "$tmp/minimal" ./load/minimal)

start_redis

minimal_port="$(free_port)"
"$tmp/minimal" --addr "127.0.0.1:$minimal_port" &
minimal_pid=$!
pids+=($minimal_pid)
abaco_port="$(free_port)"
# abaco runs with its defaults (JSON logs of failed requests on stderr); the
# logs go to a file so the terminal does not slow it down.
# shellcheck disable=SC2086 # ABACO_FLAGS is a list of flags
REDIS_URL="redis://127.0.0.1:$redis_port" "$tmp/abaco" serve --addr "127.0.0.1:$abaco_port" ${ABACO_FLAGS:-} \
  2>"$tmp/abaco.log" &
abaco_pid=$!
pids+=($abaco_pid)
# The same binary without Redis (embedded cache only), for one more row
# that separates the cost of the shared tier from the rest.
embedded_port="$(free_port)"
# shellcheck disable=SC2086
"$tmp/abaco" serve --addr "127.0.0.1:$embedded_port" --workers 0 ${ABACO_FLAGS:-} 2>"$tmp/embedded.log" &
embedded_pid=$!
pids+=($embedded_pid)
wait_http "http://127.0.0.1:$abaco_port/healthz"
wait_http "http://127.0.0.1:$embedded_port/healthz"
curl -fsS -o /dev/null -X POST "http://127.0.0.1:$minimal_port/evaluate" -d '{}' ||
  wait_http "http://127.0.0.1:$minimal_port/evaluate"

# to_ms converts a wrk latency ("812.00us", "1.23ms", "1.02s") to ms.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n = n / 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n = n * 1000
    printf "%.2f", n }'
}

# run NAME URL SCRIPT SEED PID...: one wrk run; appends "rps p99 cpu_us" to
# $tmp/res.NAME, where cpu_us is the CPU time the server processes (PIDs)
# spent per request: a measure the machine's noise disturbs less than req/s.
run() {
  local name="$1" url="$2" script="$3" seed="$4"
  shift 4
  local out before after requests
  before="$(cpu_ticks "$@")"
  out="$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$script" "$url" -- "$seed")"
  after="$(cpu_ticks "$@")"
  requests="$(awk '/requests in/ {print $1}' <<<"$out")"
  if grep -q "Non-2xx" <<<"$out"; then
    echo "$name: wrk saw error responses:" >&2; echo "$out" >&2; exit 1
  fi
  local rps p99
  rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
  p99="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
  local cpu_us
  cpu_us="$(awk -v t=$((after - before)) -v n="$requests" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')"
  echo "$rps $p99 $cpu_us" >>"$tmp/res.$name"
  echo "  $name: $rps req/s, p99 $p99 ms, $cpu_us us CPU/request" >&2
}

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

min_url="http://127.0.0.1:$minimal_port/evaluate"
abaco_url="http://127.0.0.1:$abaco_port/evaluate"
echo "warming up..." >&2
wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" -s "$here/hit.lua" "$min_url" >/dev/null
wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" -s "$here/hit.lua" "$abaco_url" >/dev/null
seed=1000
for r in $(seq "$ROUNDS"); do
  echo "round $r/$ROUNDS" >&2
  run minimal "$min_url" "$here/hit.lua" 0 "$minimal_pid"
  run hit "$abaco_url" "$here/hit.lua" 0 "$abaco_pid" "$redis_pid"
  seed=$((seed + 1))
  run distinct "$abaco_url" "$here/distinct.lua" "$seed" "$abaco_pid" "$redis_pid"
  run embedded "http://127.0.0.1:$embedded_port/evaluate" "$here/distinct.lua" "$seed" "$embedded_pid"
done

base_rps="$(cut -d' ' -f1 "$tmp/res.minimal" | median)"
echo
echo "wrk -t$THREADS -c$CONNS -d$DURATION, median of $ROUNDS rounds, $(nproc) CPUs, $(date -u +%Y-%m-%d)"
echo
echo "| scenario | req/s | p99 (ms) | vs minimal | target | server CPU/request (us) |"
echo "|---|---:|---:|---:|---|---:|"
for name in minimal hit distinct embedded; do
  rps="$(cut -d' ' -f1 "$tmp/res.$name" | median)"
  p99="$(cut -d' ' -f2 "$tmp/res.$name" | median)"
  cpu="$(cut -d' ' -f3 "$tmp/res.$name" | median)"
  pct="$(awk -v a="$rps" -v b="$base_rps" 'BEGIN {printf "%.0f%%", 100 * a / b}')"
  case "$name" in
    minimal) label="minimal net/http handler, fixed JSON"; target="-" ;;
    hit) label="abaco, same expression (cache hit)"; target=">= 80%, p99 < 5 ms" ;;
    distinct) label="abaco, all-distinct expressions"; target=">= 50%" ;;
    embedded) label="(abaco without Redis, all-distinct)"; target="-" ;;
  esac
  echo "| $label | $rps | $p99 | $pct | $target | $cpu |"
done
