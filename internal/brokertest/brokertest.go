// Package brokertest is the contract every abaco.Broker passes: the
// embedded broker and the Redis broker (standalone and cluster) run the
// same cases, so the queue runtime can rely on one behaviour.
package brokertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"testing"
	"time"

	"abaco"
)

// Run runs the contract against the broker b. Each case uses its own
// queue name, so b may be shared and the cases run in parallel.
func Run(t *testing.T, b abaco.Broker) {
	cases := []struct {
		name string
		run  func(t *testing.T, b abaco.Broker, q string)
	}{
		{"fifo in batches", testFIFO},
		{"payloads kept byte for byte", testPayloads},
		{"take blocks until a push", testBlockingTake},
		{"take times out empty", testTakeTimeout},
		{"ack removes and forgets attempts", testAck},
		{"duplicate payloads", testDuplicates},
		{"fail counts attempts", testFail},
		{"return goes to the head in order", testReturn},
		{"reaper redelivers expired consumers in order", testReap},
		{"reaper spares live consumers", testReapSparesLive},
		{"leave returns everything", testLeave},
		{"bury, dead, requeue", testDead},
		{"bury of an item no longer leased", testBuryGone},
		{"purge", testPurge},
		{"stats", testStats},
		{"leased lists the processing list", testLeased},
		{"ack reports what it removed", testAckCount},
		{"heartbeat tells a reaped consumer", testFenced},
		{"redeliveries by cause", testRedeliveries},
		{"stats: in flight of unknown age", testOldestUnknown},
		{"job records", testJobs},
		{"job records expire", testJobExpiry},
		{"job submission is bounded", testSubmitJob},
		{"job submission is bounded under concurrent submitters", testSubmitJobConcurrent},
		{"a job batch is bounded as a whole", testSubmitBatchBound},
		{"an idempotency key submits once", testSubmitIdempotent},
		{"the index of recent jobs", testRecentIndex},
		{"acks out of order keep the take order", testAckOutOfOrder},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, b, Queue(t))
		})
	}
}

// Queue returns a fresh queue name for t.
func Queue(t testing.TB) string {
	var r [6]byte
	_, _ = rand.Read(r[:])
	return "q_" + hex.EncodeToString(r[:])
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

func push(t *testing.T, b abaco.Broker, q string, p ...string) {
	t.Helper()
	if err := b.Push(ctx(t), q, p...); err != nil {
		t.Fatalf("Push: %v", err)
	}
}

func take(t *testing.T, b abaco.Broker, q, c string, n int) []abaco.Item {
	t.Helper()
	items, err := b.Take(ctx(t), q, c, n, 0)
	if err != nil {
		t.Fatalf("Take: %v", err)
	}
	return items
}

func payloads(items []abaco.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Payload
	}
	return out
}

func attempts(items []abaco.Item) []int {
	out := make([]int, len(items))
	for i, it := range items {
		out[i] = it.Attempts
	}
	return out
}

// drain takes everything waiting in q as consumer "drain" and acks it.
func drain(t *testing.T, b abaco.Broker, q string) []abaco.Item {
	t.Helper()
	var all []abaco.Item
	for {
		items := take(t, b, q, "drain", 100)
		if len(items) == 0 {
			return all
		}
		all = append(all, items...)
		if _, err := b.Ack(ctx(t), q, "drain", payloads(items)...); err != nil {
			t.Fatalf("Ack: %v", err)
		}
	}
}

func equal[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s = %#v, want %#v", what, got, want)
	}
}

func stats(t *testing.T, b abaco.Broker, q string) abaco.QueueStats {
	t.Helper()
	s, err := b.Stats(ctx(t), q)
	if err != nil {
		t.Fatalf("Stats: %v", err)
	}
	return s
}

// eventually polls cond every 10ms for up to 10s: for expiry, which is
// the only thing in the contract that needs the clock to move.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func heartbeat(t *testing.T, b abaco.Broker, q, c string, ttl time.Duration) {
	t.Helper()
	if _, err := b.Heartbeat(ctx(t), q, c, ttl, time.Time{}); err != nil {
		t.Fatalf("Heartbeat: %v", err)
	}
}

func isNotFound(err error) bool {
	var e *abaco.Error
	return errors.As(err, &e) && e.Code == abaco.CodeNotFound
}
