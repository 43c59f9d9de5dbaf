// Command queue benchmarks abaco's reliable queue against
// github.com/hibiken/asynq and a tutorial-style BLPOP consumer, all against
// one private redis-server it starts itself, and prints a Markdown table
// for docs/benchmarks.md. It also runs redis-benchmark (LPUSH, RPOP) on the
// same server as the ceiling.
//
//	cd bench && go run ./queue -n 200000 -concurrency 16
//
// Throughput is end to end: a producer pushes N items as fast as it can
// while the consumers run; the clock stops when the last item has been
// processed and acknowledged. Pickup latency is measured separately on an
// idle consumer: items are pushed one at a time, a few ms apart, each
// carrying its enqueue time, and the handler records how long it waited.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"abaco/bench/internal/benchredis"
)

func main() {
	n := flag.Int("n", 200_000, "items per throughput run")
	conc := flag.Int("concurrency", 16, "handler concurrency (the same for every system)")
	samples := flag.Int("samples", 1000, "items in each pickup-latency run")
	gap := flag.Duration("gap", 2*time.Millisecond, "pause between pickup-latency items")
	only := flag.String("only", "", "run only the systems whose name contains this")
	skipCeiling := flag.Bool("no-ceiling", false, "skip redis-benchmark")
	flag.IntVar(&abacoBatch, "batch", 0, "abaco's Options.Batch (0: its default)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run here")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err == nil && pprof.StartCPUProfile(f) == nil {
			defer pprof.StopCPUProfile()
		}
	}

	addr, stop, _, err := benchredis.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: ", err)
		os.Exit(1)
	}
	defer stop()
	fmt.Printf("machine: %d CPUs, GOMAXPROCS %d, %s; redis-server %s on %s\n\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), redisVersion(), addr)

	plain := map[string]string{"LPUSH": "-", "RPOP": "-"}
	piped := plain
	if !*skipCeiling {
		plain = redisBenchmark(addr, 1)
		piped = redisBenchmark(addr, 100)
	}

	type system struct {
		name string
		run  func(ctx context.Context, addr string, n, conc int) (time.Duration, error)
		lat  func(ctx context.Context, addr string, samples, conc int, gap time.Duration) ([]time.Duration, error)
	}
	systems := []system{
		{"abaco (at least once)", abacoThroughput, abacoLatency},
		{"abaco, producers pushing 1 item per RPUSH like asynq's (at least once)", abacoSingles, abacoLatency},
		{"asynq v0.26 (at least once)", asynqThroughput, asynqLatency},
		{"BLPOP loop, tutorial style (at most once)", blpopThroughput, blpopLatency},
	}
	ctx := context.Background()
	fmt.Printf("| system | items | jobs/s end to end | pickup p50 | pickup p99 |\n|---|---:|---:|---:|---:|\n")
	for _, s := range systems {
		if !strings.Contains(s.name, *only) {
			continue
		}
		flush(addr)
		d, err := s.run(ctx, addr, *n, *conc)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %s: %v\n", s.name, err)
			os.Exit(1)
		}
		flush(addr)
		lat, err := s.lat(ctx, addr, *samples, *conc, *gap)
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %s latency: %v\n", s.name, err)
			os.Exit(1)
		}
		slices.Sort(lat)
		fmt.Printf("| %s | %d | %.0f | %s | %s |\n", s.name, *n, float64(*n)/d.Seconds(),
			pct(lat, 0.50), pct(lat, 0.99))
	}
	for _, op := range []string{"LPUSH", "RPOP"} {
		fmt.Printf("| redis-benchmark %s, 50 clients, one item per request | | %s | | |\n", op, plain[op])
		fmt.Printf("| redis-benchmark %s, 50 clients, pipelines of 100 (-P 100) | | %s | | |\n", op, piped[op])
	}
}

func pct(sorted []time.Duration, p float64) string {
	if len(sorted) == 0 {
		return "-"
	}
	d := sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

func redisCLI(addr string, args ...string) string {
	host, port, _ := net.SplitHostPort(addr)
	out, _ := exec.Command("redis-cli", append([]string{"-h", host, "-p", port}, args...)...).Output()
	return strings.TrimSpace(string(out))
}

func redisVersion() string {
	for _, l := range strings.Split(redisCLI("127.0.0.1:0", "--version"), "\n") {
		return strings.TrimPrefix(l, "redis-cli ")
	}
	return "?"
}

func flush(addr string) { redisCLI(addr, "FLUSHALL") }

// redisBenchmark runs redis-benchmark -t lpush,rpop with pipelines of
// depth and returns the requests/s it printed for each.
func redisBenchmark(addr string, depth int) map[string]string {
	host, port, _ := net.SplitHostPort(addr)
	n := 200_000 * min(depth, 10)
	out, err := exec.Command("redis-benchmark", "-h", host, "-p", port, "-t", "lpush,rpop",
		"-n", strconv.Itoa(n), "-P", strconv.Itoa(depth), "-q").Output()
	res := map[string]string{"LPUSH": "?", "RPOP": "?"}
	if err != nil {
		return res
	}
	// Lines look like "LPUSH: 98231.83 requests per second, p50=0.255 msec"
	// (with carriage-return progress lines before them).
	for _, l := range strings.Split(strings.ReplaceAll(string(out), "\r", "\n"), "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(l), ": ")
		if _, known := res[name]; ok && known && strings.Contains(rest, "requests per second") {
			f := strings.Fields(rest)
			if v, err := strconv.ParseFloat(f[0], 64); err == nil {
				res[name] = fmt.Sprintf("%.0f", v)
			}
		}
	}
	return res
}
