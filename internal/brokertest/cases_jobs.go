package brokertest

import (
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"abaco"
)

// testSubmitJob checks the bounded submission of jobs: a job is stored
// and queued in one step while fewer than limit items wait, refused with
// code queue_full (and nothing stored) at the bound, accepted again once
// a consumer has taken some, and never bounded with a limit of zero.
func testSubmitJob(t *testing.T, b abaco.Broker, q string) {
	const limit = 3
	submit := func(id string, limit int64) error {
		return submitJob(t, b, q, id, []byte("rec-"+id), limit)
	}
	for _, id := range []string{"a", "b", "c"} {
		if err := submit(id, limit); err != nil {
			t.Fatalf("SubmitJob(%s) under the bound: %v", id, err)
		}
	}
	err := submit("d", limit)
	var e *abaco.Error
	if !errors.As(err, &e) || e.Code != abaco.CodeQueueFull {
		t.Fatalf("SubmitJob at the bound = %v, want code queue_full", err)
	}
	if _, err := b.LoadJob(ctx(t), q, "d"); !isNotFound(err) {
		t.Fatalf("a refused job left a record (LoadJob: %v)", err)
	}
	// Leased items are not waiting: taking two makes room for two.
	equal(t, "taken", payloads(take(t, b, q, "c1", 2)), []string{"a", "b"})
	for _, id := range []string{"d", "e"} {
		if err := submit(id, limit); err != nil {
			t.Fatalf("SubmitJob(%s) after a take: %v", id, err)
		}
	}
	if err := submit("f", limit); abaco.ErrorCode(err) != abaco.CodeQueueFull {
		t.Fatalf("SubmitJob at the bound again = %v, want queue_full", err)
	}
	if err := submit("g", 0); err != nil {
		t.Fatalf("SubmitJob without a bound: %v", err)
	}
	if got, err := b.LoadJob(ctx(t), q, "g"); err != nil || string(got) != "rec-g" {
		t.Fatalf("LoadJob(g) = %q, %v", got, err)
	}
	equal(t, "queued in order", payloads(drain(t, b, q)), []string{"c", "d", "e", "g"})
}

// testSubmitJobConcurrent submits from many goroutines at once, as several
// servers sharing one Redis do: exactly limit jobs are accepted, since the
// check and the push are one step.
func testSubmitJobConcurrent(t *testing.T, b abaco.Broker, q string) {
	const limit, submitters, each = 30, 10, 6
	var accepted, full atomic.Int64
	var wg sync.WaitGroup
	for g := range submitters {
		wg.Go(func() {
			for i := range each {
				id := strconv.Itoa(g) + "-" + strconv.Itoa(i)
				switch err := submitJob(t, b, q, id, []byte(id), limit); abaco.ErrorCode(err) {
				case "":
					accepted.Add(1)
				case abaco.CodeQueueFull:
					full.Add(1)
				default:
					t.Errorf("SubmitJob(%s): %v", id, err)
				}
			}
		})
	}
	wg.Wait()
	if accepted.Load() != limit || full.Load() != submitters*each-limit {
		t.Fatalf("%d accepted and %d refused, want %d and %d", accepted.Load(), full.Load(), limit, submitters*each-limit)
	}
	if s := stats(t, b, q); s.Depth != limit {
		t.Fatalf("depth %d, want %d", s.Depth, limit)
	}
}

// submitJob submits one job with SubmitJobs, kept for a minute.
func submitJob(t *testing.T, b abaco.Broker, q, id string, record []byte, limit int64) error {
	_, err := b.SubmitJobs(ctx(t), q, abaco.JobSubmission{
		Jobs: []abaco.JobRecord{{ID: id, Record: record, TTL: time.Minute}}, Limit: limit})
	return err
}

// testSubmitBatchBound checks that the bound applies to a whole batch: a
// batch that would cross it is refused entirely, leaving no record, no
// queued id and no index entry.
func testSubmitBatchBound(t *testing.T, b abaco.Broker, q string) {
	batch := func(ids ...string) abaco.JobSubmission {
		s := abaco.JobSubmission{Limit: 5, Recent: 100, Score: 1}
		for _, id := range ids {
			s.Jobs = append(s.Jobs, abaco.JobRecord{ID: id, Record: []byte("rec-" + id), TTL: time.Minute})
		}
		return s
	}
	if _, err := b.SubmitJobs(ctx(t), q, batch("a", "b", "c")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SubmitJobs(ctx(t), q, batch("d", "e", "f")); abaco.ErrorCode(err) != abaco.CodeQueueFull {
		t.Fatalf("a batch crossing the bound = %v, want queue_full", err)
	}
	if _, err := b.LoadJob(ctx(t), q, "d"); !isNotFound(err) {
		t.Fatalf("a refused batch left a record (LoadJob: %v)", err)
	}
	recent, err := b.RecentJobs(ctx(t), q, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 3 {
		t.Fatalf("the index after a refused batch has %d entries, want 3", len(recent))
	}
	equal(t, "queued", payloads(drain(t, b, q)), []string{"a", "b", "c"})
}

// testRecentIndex checks that the index of recent jobs lists the newest
// first and stays near its size, however many jobs were submitted.
func testRecentIndex(t *testing.T, b abaco.Broker, q string) {
	const keep, n = 10, 200
	for i := range n {
		id := strconv.Itoa(i)
		s := abaco.JobSubmission{Recent: keep, Score: int64(i + 1),
			Jobs: []abaco.JobRecord{{ID: id, Record: []byte(id), TTL: time.Minute}}}
		if _, err := b.SubmitJobs(ctx(t), q, s); err != nil {
			t.Fatal(err)
		}
	}
	recent, err := b.RecentJobs(ctx(t), q, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	// A broker may trim the index only now and then: it may hold more
	// than keep, but not many more.
	if len(recent) < keep || len(recent) > 2*keep+32 {
		t.Fatalf("the index holds %d of %d jobs, want about %d", len(recent), n, keep)
	}
	for i, e := range recent[:keep] {
		if want := strconv.Itoa(n - 1 - i); e.ID != want {
			t.Fatalf("entry %d is %s, want %s: newest first", i, e.ID, want)
		}
	}
}

// testAckOutOfOrder checks that acknowledgements in any order, with
// repeated payloads, leave the rest of the processing list in take order,
// as one LREM per payload would.
func testAckOutOfOrder(t *testing.T, b abaco.Broker, q string) {
	push(t, b, q, "a", "b", "x", "c", "x", "d", "e", "f")
	take(t, b, q, "c1", 8)
	if n, err := b.Ack(ctx(t), q, "c1", "e", "x", "b"); err != nil || n != 3 {
		t.Fatalf("Ack = %d, %v; want 3", n, err)
	}
	equal(t, "leased after a first ack", leased(t, b, q, "c1"), []string{"a", "c", "x", "d", "f"})
	if n, err := b.Ack(ctx(t), q, "c1", "f", "a", "x", "x"); err != nil || n != 3 {
		t.Fatalf("Ack with a payload twice, leased once = %d, %v; want 3", n, err)
	}
	equal(t, "leased after a second ack", leased(t, b, q, "c1"), []string{"c", "d"})
}

// testSubmitIdempotent checks a keyed submission: the first stores the
// key's value with the jobs; a second with the same key returns that
// value and leaves nothing of its own jobs, neither in the queue nor as
// records.
func testSubmitIdempotent(t *testing.T, b abaco.Broker, q string) {
	keyed := func(value string, ids ...string) abaco.JobSubmission {
		s := abaco.JobSubmission{IdemKey: "k", IdemTTL: time.Minute, IdemValue: value}
		for _, id := range ids {
			s.Jobs = append(s.Jobs, abaco.JobRecord{ID: id, Record: []byte("rec-" + id), TTL: time.Minute})
		}
		return s
	}
	if prior, err := b.SubmitJobs(ctx(t), q, keyed("first", "a", "b")); err != nil || prior != "" {
		t.Fatalf("the first keyed submission = %q, %v; want none before it", prior, err)
	}
	prior, err := b.SubmitJobs(ctx(t), q, keyed("second", "c"))
	if err != nil || prior != "first" {
		t.Fatalf("the repeated key = %q, %v; want the first value", prior, err)
	}
	if _, err := b.LoadJob(ctx(t), q, "c"); !isNotFound(err) {
		t.Fatalf("a repeated key left its job's record (LoadJob: %v)", err)
	}
	equal(t, "queued", payloads(drain(t, b, q)), []string{"a", "b"})
}
