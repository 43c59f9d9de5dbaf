package rdb_test

import (
	"abaco"
	"context"
	"strconv"
	"testing"
	"time"

	"abaco/internal/brokertest"
	"abaco/internal/redistest"
	"abaco/rdb"
)

// TestBrokerContractDurable runs the broker contract on a master with one
// replica, through a broker whose SubmitJob and Push wait for it: the
// barrier's DoMulti path must behave as the plain one does.
func TestBrokerContractDurable(t *testing.T) {
	t.Parallel()
	master, _ := redistest.StartReplicated(t)
	brokertest.Run(t, openBroker(t, master.URL).WithDurability(rdb.Durability{Replicas: 1, Timeout: 5 * time.Second}))
}

// TestSubmitJobsNoScript flushes the script cache, as a restarted Redis
// has it, before each submission, with and without the barrier: the
// script is sent again with its source, and each job is queued once,
// with its record.
func TestSubmitJobsNoScript(t *testing.T) {
	t.Parallel()
	master, replica := redistest.StartReplicated(t)
	ctx := context.Background()
	for _, d := range []rdb.Durability{{}, {Replicas: 1}} {
		b := openBroker(t, master.URL).WithDurability(d)
		q := "q" + strconv.Itoa(d.Replicas)
		for _, id := range []string{"a", "b"} {
			master.MustDo("SCRIPT", "FLUSH")
			s := abaco.JobSubmission{Jobs: []abaco.JobRecord{{ID: id, Record: []byte("rec-" + id), TTL: time.Minute}}}
			if _, err := b.SubmitJobs(ctx, q, s); err != nil {
				t.Fatalf("%s: SubmitJobs(%s) after SCRIPT FLUSH: %v", q, id, err)
			}
		}
		master.MustDo("WAIT", "1", "5000")
		if got := replica.MustDo("LRANGE", q, "0", "-1"); got != "a\nb" {
			t.Fatalf("%s: replica's queue %q, want a and b once each", q, got)
		}
		recs, err := b.LoadJobs(ctx, q, []string{"a", "b"})
		if err != nil || string(recs[0]) != "rec-a" || string(recs[1]) != "rec-b" {
			t.Fatalf("%s: records %q, %v", q, recs, err)
		}
	}
}
