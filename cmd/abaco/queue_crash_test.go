package main

import (
	"flag"
	"math/rand/v2"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"abaco"
)

var crashSeed = flag.Uint64("crashseed", 0, "seed of the crash test's kill schedule; 0 means the clock")

// testCrash produces N items (10,000 in CI), runs several consumers,
// SIGKILLs some at random moments and starts new ones until the queue is
// drained: every item must be processed at least once, none invented;
// duplicates (items a killed consumer had printed but not acknowledged)
// are counted and logged.
func testCrash(t *testing.T, b *binary, broker abaco.Broker) {
	n := 10_000
	if os.Getenv("CI") != "true" && testing.Short() {
		n = 2_000
	}
	b.run(t, "produce", "1.."+strconv.Itoa(n))
	// Slow enough (2ms per item per worker) that kills land mid-stream;
	// a batch of 50 leaves up to 52 items with each killed consumer.
	args := []string{"consume", "--delay", "2ms", "--concurrency", "2", "--batch", "50", "--heartbeat", "250ms"}
	var all []*proc
	live := map[*proc]bool{}
	spawn := func() {
		p := b.start(t, args...)
		all = append(all, p)
		live[p] = true
	}
	for range 3 {
		spawn()
	}
	drained := func() bool {
		s := queueStats(t, broker, "number_queue")
		return s.Depth == 0 && s.InFlight == 0
	}
	start := time.Now()
	kills := 0
	// The kill schedule is random; its seed is logged so a failure can be
	// replayed with -crashseed.
	seed := *crashSeed
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("kill schedule seed %d (replay with -crashseed %d)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	for kills < 6 && !drained() {
		time.Sleep(time.Duration(150+rng.IntN(350)) * time.Millisecond)
		for p := range live {
			// SIGKILL a random live consumer (map order is random enough)
			// and start a fresh one.
			p.kill()
			delete(live, p)
			kills++
			break
		}
		spawn()
	}
	until(t, 90*time.Second, "the queue to drain", drained)
	for p := range live {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	for _, p := range all {
		<-p.done
	}
	elapsed := time.Since(start)

	counts := map[string]int{}
	for _, p := range all {
		for _, v := range processed(p.out.String()) {
			counts[v]++
		}
	}
	dups, missing := 0, 0
	for i := 1; i <= n; i++ {
		c := counts[strconv.Itoa(i)]
		if c == 0 {
			missing++
		}
		dups += max(c-1, 0)
		delete(counts, strconv.Itoa(i))
	}
	if len(counts) > 0 {
		t.Errorf("processed values that were never produced: %v", counts)
	}
	if missing > 0 {
		t.Fatalf("%d of %d items were never processed (lost)", missing, n)
	}
	s := queueStats(t, broker, "number_queue")
	if s.Dead != 0 {
		t.Errorf("%d dead letters", s.Dead)
	}
	t.Logf("%d items, %d consumers started, %d SIGKILLed: all processed, %d duplicates, %s",
		n, len(all), kills, dups, elapsed.Round(time.Millisecond))
	if kills == 0 {
		t.Fatalf("the queue drained before any consumer was killed: the test proved nothing")
	}
}
