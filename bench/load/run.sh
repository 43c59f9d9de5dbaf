#!/usr/bin/env bash
# HTTP API load benchmark (issue 3). In one run, with wrk at 32 connections,
# against a private redis-server:
#   minimal   a minimal net/http handler returning a fixed JSON body
#   hit       abaco serve with Redis, the same expression every request
#   distinct  abaco serve with Redis, a new expression every request
#   embedded  (for reference) abaco serve without Redis, all-distinct
#
# Each scenario runs in two layouts of the machine's CPUs, one after the
# other, each with servers of its own:
#   pinned    the servers under test on the first half of the CPUs, wrk and
#             redis-server on the other half (taskset), as when the load
#             generator and Redis are other machines: the servers never
#             wait for a CPU that wrk holds, so p99 measures the servers;
#   shared    no pinning: wrk (2 threads), the servers and redis-server
#             share every CPU; on a small machine p99 then mostly measures
#             the kernel's scheduling of wrk against the servers.
# Scenarios alternate for ROUNDS rounds (the machine is noisy); each table
# shows the median req/s and p99 of the rounds, and the CPU time the servers
# spent per request (abaco plus redis-server; the minimal handler alone),
# which the noise of a shared machine disturbs less.
#
# Usage: bench/load/run.sh            (from anywhere)
#   DURATION=10s ROUNDS=3 CONNS=32 LAYOUTS="pinned shared" bench/load/run.sh
#   ABACO_FLAGS="--log-requests=false" bench/load/run.sh   (extra serve flags)
# Needs: go, wrk, redis-server, taskset (util-linux) for the pinned layout.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-3}"
CONNS="${CONNS:-32}"
WARMUP="${WARMUP:-2s}"
LAYOUTS="${LAYOUTS:-pinned shared}"

# shellcheck source=lib.sh
. "$here/lib.sh"

echo "building abaco and the minimal server..." >&2
(cd "$root" && go build -o "$tmp/abaco" ./cmd/abaco)
(cd "$root/bench" && go build -o "$tmp/minimal" ./load/minimal)

ncpu="$(nproc)"
# The pinned layout: servers on CPUs [0, half), wrk and Redis on the rest.
half=$(((ncpu + 1) / 2))
server_cpus="0-$((half - 1))"
client_cpus="$half-$((ncpu - 1))"

# to_ms converts a wrk latency ("812.00us", "1.23ms", "1.02s") to ms.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n = n / 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n = n * 1000
    printf "%.2f", n }'
}

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# layout NAME: starts the servers for one layout, runs the rounds and
# prints its table. In the pinned layout $srv and $cli prefix the commands
# that run on the server and the client CPUs.
layout() {
  local name="$1" srv=() cli=() threads=2
  if [[ $name == pinned ]]; then
    srv=(taskset -c "$server_cpus")
    cli=(taskset -c "$client_cpus")
    threads=$((ncpu - half))
  fi
  local res="$tmp/$name"
  mkdir -p "$res"

  start_redis "${cli[@]}"
  local minimal_port abaco_port embedded_port minimal_pid abaco_pid embedded_pid
  minimal_port="$(free_port)"
  "${srv[@]}" "$tmp/minimal" --addr "127.0.0.1:$minimal_port" &
  minimal_pid=$!
  abaco_port="$(free_port)"
  # abaco runs with its defaults (JSON logs of failed requests on stderr);
  # the logs go to a file so the terminal does not slow it down.
  # shellcheck disable=SC2086 # ABACO_FLAGS is a list of flags
  REDIS_URL="redis://127.0.0.1:$redis_port" "${srv[@]}" "$tmp/abaco" serve --addr "127.0.0.1:$abaco_port" \
    ${ABACO_FLAGS:-} 2>"$res/abaco.log" &
  abaco_pid=$!
  # The same binary without Redis (embedded cache only), for one more row
  # that separates the cost of the shared tier from the rest.
  embedded_port="$(free_port)"
  # shellcheck disable=SC2086
  "${srv[@]}" "$tmp/abaco" serve --addr "127.0.0.1:$embedded_port" --workers 0 ${ABACO_FLAGS:-} \
    2>"$res/embedded.log" &
  embedded_pid=$!
  pids+=("$minimal_pid" "$abaco_pid" "$embedded_pid")
  wait_http "http://127.0.0.1:$abaco_port/healthz"
  wait_http "http://127.0.0.1:$embedded_port/healthz"
  curl -fsS -o /dev/null -X POST "http://127.0.0.1:$minimal_port/evaluate" -d '{}' ||
    wait_http "http://127.0.0.1:$minimal_port/evaluate"

  # run SCENARIO URL SCRIPT SEED PID...: one wrk run; appends "rps p99
  # cpu_us" to $res/SCENARIO, where cpu_us is the CPU time the server
  # processes (PIDs) spent per request.
  run() {
    local scenario="$1" url="$2" script="$3" seed="$4"
    shift 4
    local out before after requests rps p99 cpu_us
    before="$(cpu_ticks "$@")"
    out="$("${cli[@]}" wrk -t"$threads" -c"$CONNS" -d"$DURATION" --latency -s "$script" "$url" -- "$seed")"
    after="$(cpu_ticks "$@")"
    requests="$(awk '/requests in/ {print $1}' <<<"$out")"
    if grep -q "Non-2xx" <<<"$out"; then
      echo "$name $scenario: wrk saw error responses:" >&2; echo "$out" >&2; exit 1
    fi
    rps="$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")"
    p99="$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")"
    cpu_us="$(awk -v t=$((after - before)) -v n="$requests" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", t / hz * 1e6 / n}')"
    echo "$rps $p99 $cpu_us" >>"$res/$scenario"
    echo "  $name $scenario: $rps req/s, p99 $p99 ms, $cpu_us us CPU/request" >&2
  }

  local min_url="http://127.0.0.1:$minimal_port/evaluate" abaco_url="http://127.0.0.1:$abaco_port/evaluate"
  echo "$name layout: warming up..." >&2
  "${cli[@]}" wrk -t"$threads" -c"$CONNS" -d"$WARMUP" -s "$here/hit.lua" "$min_url" >/dev/null
  "${cli[@]}" wrk -t"$threads" -c"$CONNS" -d"$WARMUP" -s "$here/hit.lua" "$abaco_url" >/dev/null
  local seed=$((RANDOM * 100)) r
  for r in $(seq "$ROUNDS"); do
    echo "$name layout: round $r/$ROUNDS" >&2
    run minimal "$min_url" "$here/hit.lua" 0 "$minimal_pid"
    run hit "$abaco_url" "$here/hit.lua" 0 "$abaco_pid" "$redis_pid"
    seed=$((seed + 1))
    run distinct "$abaco_url" "$here/distinct.lua" "$seed" "$abaco_pid" "$redis_pid"
    run embedded "http://127.0.0.1:$embedded_port/evaluate" "$here/distinct.lua" "$seed" "$embedded_pid"
  done
  kill "$minimal_pid" "$abaco_pid" "$embedded_pid" "$redis_pid"
  wait "$minimal_pid" "$abaco_pid" "$embedded_pid" "$redis_pid" 2>/dev/null || true

  local base_rps label target rps p99 cpu pct scenario
  base_rps="$(cut -d' ' -f1 "$res/minimal" | median)"
  {
    echo
    if [[ $name == pinned ]]; then
      echo "pinned: servers on CPUs $server_cpus, wrk -t$threads and redis-server on CPUs $client_cpus"
    else
      echo "shared: no pinning, wrk -t$threads, servers and redis-server on all $ncpu CPUs"
    fi
    echo "wrk -c$CONNS -d$DURATION, median of $ROUNDS rounds, $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "| scenario | req/s | p99 (ms) | vs minimal | target | server CPU/request (us) |"
    echo "|---|---:|---:|---:|---|---:|"
    for scenario in minimal hit distinct embedded; do
      rps="$(cut -d' ' -f1 "$res/$scenario" | median)"
      p99="$(cut -d' ' -f2 "$res/$scenario" | median)"
      cpu="$(cut -d' ' -f3 "$res/$scenario" | median)"
      pct="$(awk -v a="$rps" -v b="$base_rps" 'BEGIN {printf "%.0f%%", 100 * a / b}')"
      case "$scenario" in
        minimal) label="minimal net/http handler, fixed JSON"; target="-" ;;
        hit) label="abaco, same expression (cache hit)"; target=">= 80%, p99 < 5 ms" ;;
        distinct) label="abaco, all-distinct expressions"; target=">= 50%" ;;
        embedded) label="(abaco without Redis, all-distinct)"; target="-" ;;
      esac
      echo "| $label | $rps | $p99 | $pct | $target | $cpu |"
    done
  } >>"$tmp/tables"
}

for l in $LAYOUTS; do
  layout "$l"
done
echo "git $(cd "$root" && git rev-parse --short HEAD), $ncpu CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
cat "$tmp/tables"
