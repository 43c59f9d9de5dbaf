package rdb_test

import (
	"abaco"
	"context"
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

// TestSubmitJobDurableNoScript flushes the script cache, as a restarted
// Redis has it, before a submission under the barrier: the script is sent
// again with its source, and the job is queued once.
func TestSubmitJobsDurableNoScript(t *testing.T) {
	t.Parallel()
	master, replica := redistest.StartReplicated(t)
	b := openBroker(t, master.URL).WithDurability(rdb.Durability{Replicas: 1})
	ctx := context.Background()
	for _, id := range []string{"a", "b"} {
		master.MustDo("SCRIPT", "FLUSH")
		s := abaco.JobSubmission{Jobs: []abaco.JobRecord{{ID: id, Record: []byte("rec-" + id), TTL: time.Minute}}}
		if _, err := b.SubmitJobs(ctx, "q", s); err != nil {
			t.Fatalf("SubmitJobs(%s) after SCRIPT FLUSH: %v", id, err)
		}
	}
	if got := replica.MustDo("LRANGE", "q", "0", "-1"); got != "a\nb" {
		t.Fatalf("replica's queue %q, want a and b once each", got)
	}
}
