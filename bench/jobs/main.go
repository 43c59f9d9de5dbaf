// Command jobs measures abaco's evaluation jobs side by side with an asynq
// equivalent, in one run, against one private redis-server it starts
// itself, and prints a Markdown table for docs/benchmarks.md:
//
//	cd bench && go run ./jobs -n 100000 -rate 5000 -duration 5s
//
// For each system: intake (jobs submitted by 32 goroutines while no worker
// runs), drain (the default workers evaluating that backlog, until the
// last finish is announced), and
// end to end at a fixed rate with idle workers: for abaco, the time from
// before Submit to the return of a Wait on the job (what a client with
// GET /jobs/{id}?wait= sees); asynq has no wait, so it is measured at
// its handler, after the result is written, which flatters it. Every job
// evaluates a distinct expression through abaco's engine and local cache.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hibiken/asynq"

	"abaco"
	"abaco/bench/internal/benchredis"
	"abaco/cache"
	"abaco/expr"
	"abaco/inmem"
	"abaco/queue"
	"abaco/rdb"
)

func main() {
	n := flag.Int("n", 100_000, "jobs in the intake and drain runs")
	rate := flag.Int("rate", 5000, "jobs per second in the end-to-end run")
	dur := flag.Duration("duration", 5*time.Second, "length of the end-to-end run")
	conc := flag.Int("asynq-concurrency", 32, "asynq's handler concurrency")
	only := flag.String("only", "", "run only the systems whose name contains this")
	flag.StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of the drains to this file")
	flag.IntVar(&workers, "workers", 0, "abaco's batches in flight (0: queue.DefaultJobWorkers)")
	flag.Parse()
	addr, stop, redisCPU, err := benchredis.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	defer stop()
	fmt.Printf("machine: %d CPUs, GOMAXPROCS %d, %s; private redis-server on %s\n\n", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), addr)
	fmt.Printf("| system | intake jobs/s | drain jobs/s | drain CPU per job: process, redis-server | end to end at %d/s: p50 | p99 | max | wait answered after finish: p50 | p99 | p99 from the finish's return |\n|---|---|---|---|---|---|---|---|---|---|\n", *rate)
	systems := []struct {
		name string
		run  func() (row, error)
	}{
		{"abaco embedded", func() (row, error) { return abacoRun(inmem.NewBroker(), *n, *rate, *dur, noCPU) }},
		{"abaco redis", func() (row, error) {
			c, err := rdb.Open("redis://"+addr, rdb.Options{})
			if err != nil {
				return row{}, err
			}
			defer c.Close()
			return abacoRun(rdb.NewBroker(c), *n, *rate, *dur, redisCPU)
		}},
		{"asynq", func() (row, error) { return asynqRun(addr, *n, *rate, *dur, *conc, redisCPU) }},
	}
	for _, s := range systems {
		if !strings.Contains(s.name, *only) {
			continue
		}
		r, err := s.run()
		if err != nil {
			fmt.Printf("| %s | error: %v |\n", s.name, err)
			continue
		}
		fmt.Printf("| %s | %.0f | %.0f | %.1f µs, %.1f µs | %s | %s | %s | %s | %s | %s |\n", s.name, r.intake, r.drain,
			us(r.drainCPU), us(r.drainRedisCPU), ms(r.lat, 50), ms(r.lat, 99), ms(r.lat, 100), ms(r.lag, 50), ms(r.lag, 99), ms(r.lagAfter, 99))
	}
}

type row struct {
	intake, drain float64
	// drainCPU is the CPU time of the drain per job: this process's
	// (workers and the waiting client) and the redis-server's.
	drainCPU, drainRedisCPU time.Duration
	lat, lag                []time.Duration
	// lagAfter is lag timed from the return of the call that finished
	// the job instead of its start: lag and lagAfter bound the lag from
	// the finish itself, which happens in between.
	lagAfter []time.Duration
}

func ms(l []time.Duration, p int) string {
	if len(l) == 0 {
		return "-"
	}
	slices.Sort(l)
	i := min(len(l)*p/100, len(l)-1)
	return fmt.Sprintf("%.2f ms", float64(l[i])/float64(time.Millisecond))
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func evaluator() abaco.Evaluator { return cache.New(expr.New(expr.DefaultLimits()), cache.Options{}) }

func expression(i int) string { return fmt.Sprintf("%d*%d+1", i, i) }

// parallel runs f(i) for i in [0, n) on 32 goroutines.
func parallel(n int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		})
	}
	wg.Wait()
}

// cpuprofile is where the drains' CPU profile goes, if anywhere.
var cpuprofile string

// workers is abaco's Run concurrency (0: its default).
var workers int

// noCPU is the Redis CPU of a run without Redis.
func noCPU() time.Duration { return 0 }

// selfCPU returns the CPU time this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuMeter measures the CPU time of a phase, per job.
type cpuMeter struct {
	self, redis time.Duration
	redisCPU    func() time.Duration
}

func startCPU(redisCPU func() time.Duration) cpuMeter {
	if cpuprofile != "" {
		f, err := os.OpenFile(cpuprofile, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: cpu profile:", err)
		}
	}
	return cpuMeter{selfCPU(), redisCPU(), redisCPU}
}

// stop stores the phase's CPU time per job in r.
func (m cpuMeter) stop(r *row, n int) {
	pprof.StopCPUProfile()
	r.drainCPU = (selfCPU() - m.self) / time.Duration(n)
	r.drainRedisCPU = (m.redisCPU() - m.redis) / time.Duration(n)
}

func abacoRun(b abaco.Broker, n, rate int, dur time.Duration, redisCPU func() time.Duration) (row, error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	jobs := queue.NewJobs(b, evaluator(), queue.JobOptions{Queue: "bench_jobs", MaxQueued: -1, ResultTTL: time.Hour})
	jobs.StartListen(ctx)
	ids := make([]string, n)
	var failed atomic.Value
	var err error
	start := time.Now()
	parallel(n, func(i int) {
		job, err := jobs.Submit(ctx, expression(i))
		if err != nil {
			failed.Store(err)
			return
		}
		ids[i] = job.ID
	})
	var r row
	r.intake = float64(n) / time.Since(start).Seconds()
	if err, _ := failed.Load().(error); err != nil {
		return r, err
	}
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	// The drain is timed to the announcement of the last finish, which
	// is what a waiting client is woken by, without the cost of waiting
	// clients in the measurement; every job is checked after it.
	var finished atomic.Int64
	subscribed, drained := make(chan struct{}), make(chan struct{})
	go func() {
		_ = b.WatchJobs(wctx, "bench_jobs", func() { close(subscribed) }, func(ids []string) {
			if finished.Add(int64(len(ids))) == int64(n) {
				close(drained)
			}
		})
	}()
	<-subscribed
	running := make(chan error, 1)
	start = time.Now()
	meter := startCPU(redisCPU)
	go func() { running <- jobs.Run(wctx, workers) }()
	select {
	case <-drained:
	case err := <-running:
		return r, fmt.Errorf("workers stopped during the drain: %v", err)
	}
	r.drain = float64(n) / time.Since(start).Seconds()
	meter.stop(&r, n)
	for chunk := range slices.Chunk(ids, 1000) {
		got, err := jobs.Jobs(ctx, chunk)
		if err != nil {
			return r, err
		}
		for _, j := range got {
			if j.State != abaco.JobDone {
				return r, fmt.Errorf("job %s is %s after the drain", j.ID, j.State)
			}
		}
	}
	r.lat = fixedRate(rate, dur, func(i int, record func(time.Duration)) {
		t0 := time.Now()
		job, err := jobs.Submit(ctx, expression(n+i))
		if err != nil {
			return
		}
		if got, err := jobs.Wait(ctx, []string{job.ID}); err == nil && got[0].State == abaco.JobDone {
			record(time.Since(t0))
		}
	})
	wcancel()
	if err := <-running; err != nil {
		return r, err
	}
	r.lag, r.lagAfter, err = waitLag(ctx, jobs, 500)
	return r, err
}

// waitLag measures how long a Wait takes to answer once its job is
// finished: for each of n jobs, with no worker running, a Wait starts,
// and then a Cancel finishes the job. It returns the lag from the start
// of the Cancel to the return of the Wait, which includes the Cancel's
// own round trips, and the lag from the Cancel's return (0 when the Wait
// answered first): the job finished between the two.
func waitLag(ctx context.Context, jobs *queue.Jobs, n int) (fromStart, fromReturn []time.Duration, err error) {
	for i := range n {
		job, err := jobs.Submit(ctx, expression(-i))
		if err != nil {
			return nil, nil, err
		}
		answered := make(chan time.Time, 1)
		go func() {
			_, _ = jobs.Wait(ctx, []string{job.ID})
			answered <- time.Now()
		}()
		// Give the Wait time to read the job and start waiting: a
		// benchmark, not a test, so a pause is enough.
		time.Sleep(2 * time.Millisecond)
		t0 := time.Now()
		if _, err := jobs.Cancel(ctx, job.ID); err != nil {
			return nil, nil, err
		}
		t1 := time.Now()
		at := <-answered
		fromStart = append(fromStart, at.Sub(t0))
		fromReturn = append(fromReturn, max(at.Sub(t1), 0))
	}
	return fromStart, fromReturn, nil
}

// fixedRate calls f rate times a second for dur, each on its own
// goroutine, and returns the latencies they recorded.
func fixedRate(rate int, dur time.Duration, f func(i int, record func(time.Duration))) []time.Duration {
	var mu sync.Mutex
	var lat []time.Duration
	record := func(d time.Duration) { mu.Lock(); lat = append(lat, d); mu.Unlock() }
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	start, sent := time.Now(), 0
	for time.Since(start) < dur {
		<-tick.C
		due := int(time.Since(start).Seconds() * float64(rate))
		for ; sent < due; sent++ {
			i := sent
			wg.Go(func() { f(i, record) })
		}
	}
	wg.Wait()
	return lat
}

func asynqRun(addr string, n, rate int, dur time.Duration, conc int, redisCPU func() time.Duration) (row, error) {
	opt := asynq.RedisClientOpt{Addr: addr, PoolSize: 64}
	client := asynq.NewClient(opt)
	defer client.Close()
	ev := evaluator()
	var failed atomic.Value
	start := time.Now()
	parallel(n, func(i int) {
		if _, err := client.Enqueue(asynq.NewTask("eval", []byte(expression(i))), asynq.Retention(time.Hour)); err != nil {
			failed.Store(err)
		}
	})
	var r row
	r.intake = float64(n) / time.Since(start).Seconds()
	if err, _ := failed.Load().(error); err != nil {
		return r, err
	}
	var done atomic.Int64
	all := make(chan struct{})
	var sends sync.Map // expression -> send time, in the end-to-end run
	var mu sync.Mutex
	var lat []time.Duration
	srv := asynq.NewServer(opt, asynq.Config{Concurrency: conc, Logger: benchredis.Quiet{}, LogLevel: asynq.FatalLevel})
	start = time.Now()
	meter := startCPU(redisCPU)
	err := srv.Start(asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		res, err := ev.Evaluate(ctx, string(t.Payload()))
		out := res.Value
		if err != nil {
			out = err.Error()
		}
		if _, err := t.ResultWriter().Write([]byte(out)); err != nil {
			return err
		}
		if v, ok := sends.Load(string(t.Payload())); ok {
			mu.Lock()
			lat = append(lat, time.Since(v.(time.Time)))
			mu.Unlock()
		} else if done.Add(1) == int64(n) {
			close(all)
		}
		return nil
	}))
	if err != nil {
		return r, err
	}
	defer srv.Shutdown()
	<-all
	r.drain = float64(n) / time.Since(start).Seconds()
	meter.stop(&r, n)
	fixedRate(rate, dur, func(i int, _ func(time.Duration)) {
		e := expression(n + i)
		sends.Store(e, time.Now())
		_, _ = client.Enqueue(asynq.NewTask("eval", []byte(e)), asynq.Retention(time.Hour))
	})
	// The handler records the last ones shortly after the last enqueue.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		got := len(lat)
		mu.Unlock()
		if got >= int(dur.Seconds()*float64(rate))-1 {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	r.lat = slices.Clone(lat)
	return r, nil
}
