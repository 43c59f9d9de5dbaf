# Shared by run.sh and ab.sh (sourced, not run): a temporary directory and
# the processes to stop on exit, free ports, waiting for a server, a private
# redis-server, and the CPU time of processes.

tmp="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

wait_http() {
  for _ in $(seq 200); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "no answer from $1" >&2; exit 1
}

# start_redis [PREFIX...]: a private redis-server without persistence,
# started through PREFIX (say, taskset -c 1) when given; sets redis_port
# and redis_pid.
start_redis() {
  redis_port="$(free_port)"
  "$@" redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$tmp" \
    --logfile "$tmp/redis.log" &
  redis_pid=$!
  pids+=("$redis_pid")
  for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.05; done
}

# cpu_ticks PID...: user+system CPU clock ticks used so far by the processes.
cpu_ticks() {
  local t=0 p
  for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$t"
}
