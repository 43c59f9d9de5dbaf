#!/usr/bin/env bash
# A/B of two abaco builds (or one build with two sets of flags) on the
# all-distinct path or another wrk script: one private redis-server, both
# variants serving side by side, wrk driving them alternately. Each round
# prints req/s, p99 and the CPU time per request of that abaco plus
# redis-server (and of redis-server alone), read from /proc: on a noisy
# machine the alternation and the CPU column are what make a small
# difference visible.
#
# As in run.sh's pinned layout, the servers run on the first half of the
# CPUs and wrk and redis-server on the other half (PIN=0 turns that off).
#
# Usage: A=/path/abaco-before B=/path/abaco-after bench/load/ab.sh
#   A=/tmp/abaco B=/tmp/abaco FLAGS_A="--cache-entries 100000" bench/load/ab.sh
#   ROUNDS=5 DURATION=5s SCRIPT=hit PIN=0 bench/load/ab.sh
#   CONNS=256 A=... B=... bench/load/ab.sh   # wrk's connections (default 32)
#   A=/tmp/abaco B=/tmp/abaco PATH_B=/evaluate/batch SCRIPT_B=batch bench/load/ab.sh   # batches of 100
#   A=/tmp/abaco B=/tmp/abaco FLAGS_A="--workers 0 --job-rate 0 --max-queued-jobs 0" \
#     FLAGS_B="$FLAGS_A" PATH_B=/jobs bench/load/ab.sh   # job intake against /evaluate
#   A=/tmp/abaco B=/tmp/abaco TRACE_B=1 SCRIPT=hit bench/load/ab.sh   # tracing off vs on
#   FLUSH=1 A=... B=... bench/load/ab.sh   # an empty redis-server for every run
# PATH_A and PATH_B (default /evaluate) are the path each variant's
# requests go to (the wrk script's second argument); SCRIPT_A and SCRIPT_B
# (default SCRIPT) the script each variant runs. TRACE_A=1 or TRACE_B=1
# runs that variant with OpenTelemetry tracing on, exporting over OTLP/HTTP
# to bench/otlpsink (which counts the exports it receives). FLUSH=1
# empties the private redis-server (FLUSHALL) before each run, so that no
# run pays for the keys the runs before it left: /jobs leaves a record per
# job, kept for the job TTL.
# Needs: wrk, redis-server, taskset.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
: "${A:?A=path of the first abaco binary}" "${B:?B=path of the second abaco binary}"
DURATION="${DURATION:-5s}"
ROUNDS="${ROUNDS:-5}"
SCRIPT="${SCRIPT:-distinct}"
CONNS="${CONNS:-32}"
PIN="${PIN:-1}"

# shellcheck source=lib.sh
. "$here/lib.sh"

per_request() { awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}'; }

ncpu="$(nproc)"
srv=() cli=() threads=2
if [[ $PIN == 1 && $ncpu -ge 2 ]]; then
  half=$(((ncpu + 1) / 2))
  srv=(taskset -c "0-$((half - 1))")
  cli=(taskset -c "$half-$((ncpu - 1))")
  threads=$((ncpu - half))
fi

start_redis "${cli[@]}"

declare -A port pid flags path otel
otel[A]="" otel[B]=""
if [[ ${TRACE_A:-0} == 1 || ${TRACE_B:-0} == 1 ]]; then
  (cd "$here/.." && go build -o "$tmp/otlpsink" ./otlpsink)
  sink_port="$(free_port)"
  "${cli[@]}" "$tmp/otlpsink" -addr "127.0.0.1:$sink_port" >"$tmp/otlpsink.out" &
  sink_pid=$!
  pids+=("$sink_pid")
  for v in A B; do
    t="TRACE_$v"
    [[ ${!t:-0} == 1 ]] && otel[$v]="OTEL_TRACES_EXPORTER=otlp OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:$sink_port"
  done
fi
flags[A]="${FLAGS_A:-}" flags[B]="${FLAGS_B:-}"
path[A]="${PATH_A:-/evaluate}" path[B]="${PATH_B:-/evaluate}"
declare -A script
script[A]="${SCRIPT_A:-$SCRIPT}" script[B]="${SCRIPT_B:-$SCRIPT}"
for v in A B; do
  port[$v]="$(free_port)"
  # shellcheck disable=SC2086 # the flags are a list
  # shellcheck disable=SC2086 # otel is a list of assignments
  env ${otel[$v]} REDIS_URL="redis://127.0.0.1:$redis_port" "${srv[@]}" "${!v}" serve --addr "127.0.0.1:${port[$v]}" \
    ${flags[$v]} 2>"$tmp/$v.log" &
  pid[$v]=$!
  pids+=("${pid[$v]}")
done
for v in A B; do
  wait_http "http://127.0.0.1:${port[$v]}/healthz"
  "${cli[@]}" wrk -t"$threads" -c"$CONNS" -d2s -s "$here/hit.lua" "http://127.0.0.1:${port[$v]}/evaluate" >/dev/null
done

echo "A: ${A} ${flags[A]} ${path[A]} ${otel[A]}"
echo "B: ${B} ${flags[B]} ${path[B]} ${otel[B]}"
echo "${script[A]}.lua / ${script[B]}.lua, wrk -t$threads -c$CONNS -d$DURATION, pinned: $([[ ${#srv[@]} -gt 0 ]] && echo yes || echo no), $(date -u '+%Y-%m-%d %H:%M UTC')"
seed=$((RANDOM * 10))
for r in $(seq "$ROUNDS"); do
  for v in A B; do
    seed=$((seed + 1))
    [[ ${FLUSH:-0} == 1 ]] && redis-cli -p "$redis_port" flushall >/dev/null
    before="$(cpu_ticks "${pid[$v]}" "$redis_pid")" rbefore="$(cpu_ticks "$redis_pid")"
    out="$("${cli[@]}" wrk -t"$threads" -c"$CONNS" -d"$DURATION" --latency -s "$here/${script[$v]}.lua" \
      "http://127.0.0.1:${port[$v]}${path[$v]}" -- "$seed" "${path[$v]}")"
    after="$(cpu_ticks "${pid[$v]}" "$redis_pid")" rafter="$(cpu_ticks "$redis_pid")"
    if grep -q "Non-2xx" <<<"$out"; then echo "$v: wrk saw error responses" >&2; echo "$out" >&2; exit 1; fi
    n="$(awk '/requests in/ {print $1}' <<<"$out")"
    echo "$v round $r: $(awk '/^Requests\/sec:/ {print $2}' <<<"$out") req/s," \
      "$(per_request $((after - before)) "$n") us CPU/req (redis $(per_request $((rafter - rbefore)) "$n"))," \
      "p99 $(awk '$1 == "99%" {print $2}' <<<"$out")"
  done
done
if [[ -n ${sink_pid:-} ]]; then
  for v in A B; do kill "${pid[$v]}"; wait "${pid[$v]}" 2>/dev/null || true; done # flush the last spans
  kill "$sink_pid"; wait "$sink_pid" 2>/dev/null || true
  cat "$tmp/otlpsink.out"
fi
