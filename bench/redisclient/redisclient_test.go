// Package redisclient compares the two candidate Redis clients, rueidis and
// go-redis, on the operations abaco's cache performs: GET of a hit, GET and
// PTTL pipelined (the shared-tier read), and SET with PX (the write), from
// one goroutine and from many at once, against one private redis-server.
// See docs/redis-client.md for the conclusion and docs/benchmarks.md for
// the numbers.
package redisclient

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
)

// addr is the private redis-server started by TestMain, pid its process.
var (
	addr string
	pid  int
)

// TestMain starts a redis-server on a free port for the benchmarks (never
// the machine's shared 6379) and stops it afterwards.
func TestMain(m *testing.M) {
	srv, err := startRedis()
	if err != nil {
		fmt.Fprintln(os.Stderr, "redisclient:", err)
		os.Exit(1)
	}
	code := m.Run()
	_ = srv.Process.Kill()
	_ = srv.Wait()
	os.Exit(code)
}

func startRedis() (*exec.Cmd, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "redisclient")
	if err != nil {
		return nil, err
	}
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start redis-server: %w", err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			pid = cmd.Process.Pid
			return cmd, nil
		}
	}
	_ = cmd.Process.Kill()
	return nil, fmt.Errorf("redis-server on %s did not start", addr)
}

const (
	// key is read by the GET benchmarks; it is written once, without an
	// expiry, so that it outlives any benchmark run.
	key = "abaco:v1:eval:2 + 2"
	// setKey is written by the SET benchmarks with the cache's TTL.
	setKey = "abaco:v1:eval:3 + 3"
	value  = "4"
	ttl    = 10 * time.Second
)

// client is one candidate, reduced to the cache's three operations.
type client struct {
	name   string
	init   func(ctx context.Context) error
	get    func(ctx context.Context) error
	getTTL func(ctx context.Context) error
	setPX  func(ctx context.Context) error
	close  func()
}

func newRueidis(b *testing.B) client { return rueidisClient(b, "rueidis", 0) }

// newRueidisDelay is rueidis with MaxFlushDelay: its write loop waits up
// to 20µs after each flush to gather more commands into the next one,
// trading a little latency for fewer system calls (less CPU per command).
func newRueidisDelay(b *testing.B) client {
	return rueidisClient(b, "rueidis-flushdelay20us", 20*time.Microsecond)
}

func rueidisClient(b *testing.B, name string, flushDelay time.Duration) client {
	rc, err := rueidis.NewClient(rueidis.ClientOption{InitAddress: []string{addr}, DisableCache: true,
		MaxFlushDelay: flushDelay})
	if err != nil {
		b.Fatal(err)
	}
	return client{
		name: name,
		init: func(ctx context.Context) error {
			return rc.Do(ctx, rc.B().Set().Key(key).Value(value).Build()).Error()
		},
		get: func(ctx context.Context) error {
			v, err := rc.Do(ctx, rc.B().Get().Key(key).Build()).ToString()
			return check(v, err)
		},
		getTTL: func(ctx context.Context) error {
			res := rc.DoMulti(ctx, rc.B().Get().Key(key).Build(), rc.B().Pttl().Key(key).Build())
			v, err := res[0].ToString()
			if err := check(v, err); err != nil {
				return err
			}
			_, err = res[1].AsInt64()
			return err
		},
		setPX: func(ctx context.Context) error {
			return rc.Do(ctx, rc.B().Set().Key(setKey).Value(value).PxMilliseconds(ttl.Milliseconds()).Build()).Error()
		},
		close: rc.Close,
	}
}

func newGoRedis(b *testing.B) client {
	rc := goredis.NewClient(&goredis.Options{Addr: addr})
	return client{
		name: "go-redis",
		init: func(ctx context.Context) error {
			return rc.Set(ctx, key, value, 0).Err()
		},
		get: func(ctx context.Context) error {
			return check(rc.Get(ctx, key).Result())
		},
		getTTL: func(ctx context.Context) error {
			var get *goredis.StringCmd
			var pttl *goredis.DurationCmd
			_, err := rc.Pipelined(ctx, func(p goredis.Pipeliner) error {
				get = p.Get(ctx, key)
				pttl = p.PTTL(ctx, key)
				return nil
			})
			if err != nil {
				return err
			}
			if err := check(get.Result()); err != nil {
				return err
			}
			return pttl.Err()
		},
		setPX: func(ctx context.Context) error {
			return rc.Set(ctx, setKey, value, ttl).Err()
		},
		close: func() { rc.Close() },
	}
}

func check(v string, err error) error {
	if err == nil && v != value {
		err = fmt.Errorf("got %q, want %q", v, value)
	}
	return err
}

// goroutines are the concurrency levels: one caller, and as many as the
// HTTP load test's connections.
var goroutines = []int{1, 32}

func bench(b *testing.B, op func(client) func(context.Context) error) {
	for _, n := range goroutines {
		for _, newClient := range []func(*testing.B) client{newRueidis, newRueidisDelay, newGoRedis} {
			c := newClient(b)
			ctx := context.Background()
			if err := c.init(ctx); err != nil {
				b.Fatal(err)
			}
			f := op(c)
			b.Run(fmt.Sprintf("%s/goroutines=%d", c.name, n), func(b *testing.B) {
				b.ReportAllocs()
				defer reportCPU(b)()
				if n == 1 {
					for range b.N {
						if err := f(ctx); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				// RunParallel starts parallelism*GOMAXPROCS goroutines.
				b.SetParallelism(max(1, n/runtime.GOMAXPROCS(0)))
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := f(ctx); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
			c.close()
		}
	}
}

func BenchmarkGetHit(b *testing.B) {
	bench(b, func(c client) func(context.Context) error { return c.get })
}

func BenchmarkGetPTTL(b *testing.B) {
	bench(b, func(c client) func(context.Context) error { return c.getTTL })
}

func BenchmarkSetPX(b *testing.B) {
	bench(b, func(c client) func(context.Context) error { return c.setPX })
}

// reportCPU measures the CPU time the benchmark process (client side) and
// redis-server (server side) spend per operation, until the returned
// function is called. On a shared machine CPU time is steadier than wall
// time, and it is what a client's efficiency changes.
func reportCPU(b *testing.B) func() {
	client0, server0 := processCPU(), redisCPU(b)
	return func() {
		b.ReportMetric(float64(processCPU()-client0)/float64(b.N), "client-cpu-ns/op")
		b.ReportMetric(float64(redisCPU(b)-server0)/float64(b.N), "redis-cpu-ns/op")
	}
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// redisCPU reads redis-server's user+system time from /proc (in clock
// ticks of 10ms, fine over a benchmark's second).
func redisCPU(b *testing.B) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the command name, which is in parentheses.
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}
