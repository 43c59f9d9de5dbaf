package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"abaco"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/rdb"
)

// TestQueueStatsRedeliveriesAndUnknownAge sets up, through the broker, a
// consumer that died with two items (reaped: consumer died), came back and
// acknowledged them anyway (lease lost), a failed attempt (handler error),
// and a live consumer holding an item taken after its last heartbeat (in
// flight, age unknown), and checks both outputs of "queue stats".
func TestQueueStatsRedeliveriesAndUnknownAge(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	b := rdb.NewBroker(rdbtest.Open(t, srv.URL))
	ctx := context.Background()
	q := "number_queue"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(b.Push(ctx, q, "1", "2", "3"))
	_, err := b.Heartbeat(ctx, q, "dying", 20*time.Millisecond, time.Time{})
	must(err)
	_, err = b.Take(ctx, q, "dying", 2, 0)
	must(err)
	until(t, 10*time.Second, "the reaper", func() bool { n, _ := b.Reap(ctx, q); return n == 2 })
	_, err = b.Ack(ctx, q, "dying", "1", "2")
	must(err)
	_, err = b.Fail(ctx, q, "1")
	must(err)
	_, err = b.Heartbeat(ctx, q, "a", time.Minute, time.Time{})
	must(err)
	_, err = b.Take(ctx, q, "a", 1, 0)
	must(err)

	code, text, errs := runWith(srv.URL, "", "queue", "stats")
	if code != 0 {
		t.Fatalf("queue stats = %d: %s", code, errs)
	}
	for _, want := range []string{"in flight  1\n", "oldest     ?\n",
		"redelivery consumer died 2, lease lost 2, handler error 1\n", "a         true   1          ?\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("queue stats lacks %q:\n%s", want, text)
		}
	}

	code, js, errs := runWith(srv.URL, "", "queue", "stats", "--json")
	if code != 0 {
		t.Fatalf("queue stats --json = %d: %s", code, errs)
	}
	var got statsJSON
	if err := json.Unmarshal([]byte(js), &got); err != nil {
		t.Fatalf("queue stats --json: %v:\n%s", err, js)
	}
	want := abaco.Redeliveries{ConsumerDied: 2, LeaseLost: 2, HandlerError: 1}
	if got.InFlight != 1 || !got.OldestUnknown || got.OldestLeaseMs != nil || got.Redelivered != want ||
		len(got.Consumers) != 1 || got.Consumers[0].ID != "a" || !got.Consumers[0].OldestUnknown {
		t.Fatalf("queue stats --json = %s", js)
	}
}
