package queue_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"abaco"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/queue"
	"abaco/rdb"
)

// durableJobs returns a job service on master whose broker waits for d.
func durableJobs(t testing.TB, master *redistest.Server, q string, d rdb.Durability) *queue.Jobs {
	b := rdb.NewBroker(rdbtest.Open(t, master.URL)).WithDurability(d)
	return queue.NewJobs(b, nil, queue.JobOptions{Queue: q, MaxQueued: -1})
}

// jobsOn returns a job service that reads the jobs of queue q on s (a
// replica answers reads).
func jobsOn(t testing.TB, s *redistest.Server, q string) *queue.Jobs {
	return queue.NewJobs(rdb.NewBroker(rdbtest.Open(t, s.URL)), nil, queue.JobOptions{Queue: q})
}

// TestJobsDurability submits jobs under a barrier of one replica. A
// replica that is up has every accepted job at once; one that is stopped,
// or paused with its connection still open, fails the submission with
// code unavailable after about the timeout, and the job stays on the
// master. The paused replica is the case that proves the WAIT travels
// with the job's script: a WAIT on any connection that did not write
// returns at once, counting the paused replica, as the test checks.
func TestJobsDurability(t *testing.T) {
	// Long enough for a replica on a machine loaded by a -race run to
	// acknowledge, since the cases with the replica up must pass.
	const timeout = time.Second
	cases := []struct {
		name     string
		replicas int
		// fault acts on the replica before the submissions.
		fault func(t *testing.T, master, replica *redistest.Server)
		// concurrent submissions are sent at once, from as many
		// goroutines, sharing the client's connections.
		concurrent int
		wantCode   abaco.Code
	}{
		{"replica up", 1, nil, 1, ""},
		{"replica up, concurrent", 1, nil, 16, ""},
		{"replica stopped", 1, func(t *testing.T, _, r *redistest.Server) { r.Stop() }, 1, abaco.CodeUnavailable},
		{"replica stopped, no barrier", 0, func(t *testing.T, _, r *redistest.Server) { r.Stop() }, 1, ""},
		{"replica paused, concurrent", 1, func(t *testing.T, m, r *redistest.Server) {
			r.Pause()
			if n := m.MustDo("WAIT", "1", "100"); n != "1" {
				t.Fatalf("WAIT on a connection that wrote nothing = %s, want 1: the test could not tell a misplaced WAIT", n)
			}
		}, 16, abaco.CodeUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			master, replica := redistest.StartReplicated(t)
			q := "durable"
			jobs := durableJobs(t, master, q, rdb.Durability{Replicas: c.replicas, Timeout: timeout})
			// A first job warms the connections, so the timings below
			// measure the barrier rather than a dial.
			if _, err := jobs.Submit(context.Background(), "0"); err != nil {
				t.Fatalf("warm-up Submit: %v", err)
			}
			if c.fault != nil {
				c.fault(t, master, replica)
			}
			type outcome struct {
				job  abaco.Job
				err  error
				took time.Duration
			}
			out := make([]outcome, c.concurrent)
			var wg sync.WaitGroup
			for i := range out {
				wg.Go(func() {
					start := time.Now()
					out[i].job, out[i].err = jobs.Submit(context.Background(), strconv.Itoa(i)+"+1")
					out[i].took = time.Since(start)
				})
			}
			wg.Wait()
			for i, o := range out {
				if code := abaco.ErrorCode(o.err); code != c.wantCode {
					t.Fatalf("Submit %d: %v (code %q), want code %q", i, o.err, code, c.wantCode)
				}
				if o.err == nil && c.replicas == 0 {
					continue
				}
				if o.err == nil {
					// Right after the answer, not polled: the barrier
					// promised the replica has it.
					if _, err := jobsOn(t, replica, q).Job(context.Background(), o.job.ID); err != nil {
						t.Fatalf("job %s accepted under the barrier is not on the replica: %v", o.job.ID, err)
					}
					continue
				}
				if o.took < timeout || o.took > timeout+time.Second {
					t.Fatalf("Submit %d answered after %s, want about the timeout %s", i, o.took, timeout)
				}
				if msg := abaco.ErrorMessage(o.err); !strings.Contains(msg, "0 of the 1 replicas") || !strings.Contains(msg, "second job") {
					t.Fatalf("the refusal does not say what happened: %q", msg)
				}
			}
			if c.wantCode == "" {
				return
			}
			// Refused, yet written: every job is on the master, queued.
			if s, err := rdb.NewBroker(rdbtest.Open(t, master.URL)).Stats(context.Background(), q); err != nil || s.Depth != int64(1+c.concurrent) {
				t.Fatalf("master's queue = %+v, %v; want the %d refused jobs queued behind the first", s, err, c.concurrent)
			}
		})
	}
}

// TestJobsDurabilityFailover submits jobs from several goroutines and,
// under that load, cuts the replica off: it is paused (SIGSTOP) and the
// master drops its link (CLIENT KILL TYPE replica), so the master goes on
// taking writes that the replica never gets. Then the master is SIGKILLed
// and the replica promoted (REPLICAOF NO ONE), as a failover does. Under
// the barrier, every job Submit accepted is on the promoted replica, from
// a ledger of ids. Without it, the jobs accepted after the cut are lost;
// their number is logged, not asserted.
func TestJobsDurabilityFailover(t *testing.T) {
	cases := []struct {
		name     string
		replicas int
	}{
		{"barrier", 1},
		{"no barrier", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			const q = "failover"
			master, replica := redistest.StartReplicated(t)
			jobs := durableJobs(t, master, q, rdb.Durability{Replicas: c.replicas, Timeout: 200 * time.Millisecond})
			ctx, stop := context.WithCancel(context.Background())
			var mu sync.Mutex
			var accepted []string // the ledger: every job answered as accepted
			var answered atomic.Int64
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					for ctx.Err() == nil {
						job, err := jobs.Submit(ctx, "6*7")
						if err == nil {
							mu.Lock()
							accepted = append(accepted, job.ID)
							mu.Unlock()
						}
						answered.Add(1)
					}
				})
			}
			waitFor(t, "a few hundred answers", func() bool { return answered.Load() >= 300 })
			resume := replica.Pause()
			master.MustDo("CLIENT", "KILL", "TYPE", "replica")
			cut := answered.Load()
			waitFor(t, "answers after the cut", func() bool { return answered.Load() >= cut+40 })
			master.Stop()
			stop()
			wg.Wait()
			resume()
			// Once the replica has read what its link had buffered and
			// found it closed, it is promoted.
			waitFor(t, "the replica to see its master gone", func() bool {
				info, err := replica.Do("INFO", "replication")
				return err == nil && strings.Contains(info, "master_link_status:down")
			})
			replica.MustDo("REPLICAOF", "NO", "ONE")
			promoted := jobsOn(t, replica, q)
			lost := 0
			for _, id := range accepted {
				_, err := promoted.Job(context.Background(), id)
				switch abaco.ErrorCode(err) {
				case "":
				case abaco.CodeNotFound:
					lost++
				default:
					t.Fatalf("Job(%s) on the promoted replica: %v", id, err)
				}
			}
			t.Logf("%s: %d submissions answered, %d accepted, %d of them lost at the failover", c.name, answered.Load(), len(accepted), lost)
			if c.replicas > 0 && lost > 0 {
				t.Fatalf("%d of %d jobs accepted under the barrier are not on the promoted replica", lost, len(accepted))
			}
		})
	}
}

// BenchmarkSubmitDurability measures Submit on a master with one replica
// on the same machine, without a barrier and with one replica required,
// one submission at a time and from 16 goroutines at once:
//
//	go test ./queue -run '^$' -bench SubmitDurability -benchtime 2s
func BenchmarkSubmitDurability(b *testing.B) {
	master, _ := redistest.StartReplicated(b)
	for _, replicas := range []int{0, 1} {
		jobs := durableJobs(b, master, "bench", rdb.Durability{Replicas: replicas})
		name := rdb.FormatReplicas(replicas)
		b.Run(name+"/serial", func(b *testing.B) {
			for b.Loop() {
				if _, err := jobs.Submit(context.Background(), "1+1"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/parallel", func(b *testing.B) {
			b.SetParallelism(8)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := jobs.Submit(context.Background(), "1+1"); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
