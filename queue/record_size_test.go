package queue_test

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"abaco"
	"abaco/inmem"
	"abaco/internal/brokertest"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/queue"
	"abaco/rdb"
)

// queuedJobs is how many jobs the size tests queue: enough that the
// per-job figure is not noise, few enough to take well under a second.
const queuedJobs = 20_000

// maxEmbeddedBytesPerJob is the budget of one queued job in embedded mode
// (issue 11: a 50,000-job flood must stay under 64 MB of RSS).
const maxEmbeddedBytesPerJob = 300

// submitAll queues n jobs of a typical short expression, with no worker.
func submitAll(t *testing.T, b abaco.Broker, n int) {
	t.Helper()
	jobs := queue.NewJobs(b, nil, queue.JobOptions{Queue: brokertest.Queue(t), MaxQueued: -1})
	for i := range n {
		if _, err := jobs.Submit(context.Background(), "2+"+strconv.Itoa(i)); err != nil {
			t.Fatal(err)
		}
	}
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestQueuedJobSizeEmbedded measures the live heap a queued job costs in
// the embedded broker: record, key, map entry and queue slot.
func TestQueuedJobSizeEmbedded(t *testing.T) {
	b := inmem.NewBroker()
	submitAll(t, b, 100) // the maps and the queue exist
	before := heapInUse()
	submitAll(t, b, queuedJobs)
	per := float64(heapInUse()-before) / queuedJobs
	runtime.KeepAlive(b)
	t.Logf("embedded: %.0f B of live heap per queued job (%d jobs)", per, queuedJobs)
	if per > maxEmbeddedBytesPerJob {
		t.Fatalf("embedded: %.0f B per queued job, want at most %d", per, maxEmbeddedBytesPerJob)
	}
}

// TestQueuedJobSizeRedis measures what a queued job costs a private Redis:
// the growth of INFO memory's used_memory divided by the jobs.
func TestQueuedJobSizeRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	b := rdb.NewBroker(rdbtest.Open(t, srv.URL))
	submitAll(t, b, 100)
	before := usedMemory(t, srv)
	submitAll(t, b, queuedJobs)
	per := float64(usedMemory(t, srv)-before) / queuedJobs
	t.Logf("redis: %.0f B of used_memory per queued job (%d jobs)", per, queuedJobs)
}

// usedMemory returns INFO memory's used_memory.
func usedMemory(t *testing.T, srv *redistest.Server) int64 {
	t.Helper()
	info := srv.MustDo("INFO", "memory")
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no used_memory in INFO memory: %q", info)
	return 0
}
