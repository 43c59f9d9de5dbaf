package main

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

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
		"redelivery consumer died 2, lease lost 2, handler error 1\n", "consumers  1 (1 alive)\n",
		"a         true   1          ?\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("queue stats lacks %q:\n%s", want, text)
		}
	}

	code, js, errs := runWith(srv.URL, "", "queue", "stats", "--json")
	if code != 0 {
		t.Fatalf("queue stats --json = %d: %s", code, errs)
	}
	// The whole document, names and values: a renamed field must fail
	// here rather than break a script.
	jsonEqual(t, js, `{"queue": "number_queue", "depth": 2, "in_flight": 1, "dead": 0,
		"oldest_lease_ms": null, "oldest_unknown": true,
		"redelivered": {"consumer_died": 2, "lease_lost": 2, "handler_error": 1},
		"live_consumers": 1, "stalled": false,
		"consumers": [{"id": "a", "alive": true, "in_flight": 1, "oldest_lease_ms": null, "oldest_unknown": true}]}`)
}

// TestQueueStatsStalled checks that stats says when items wait and no
// live consumer takes them, as with a job queue and no worker.
func TestQueueStatsStalled(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	b := rdb.NewBroker(rdbtest.Open(t, srv.URL))
	if err := b.Push(context.Background(), "number_queue", "1", "2"); err != nil {
		t.Fatal(err)
	}
	code, text, errs := runWith(srv.URL, "", "queue", "stats")
	if code != 0 || !strings.Contains(text, "consumers  0 (0 alive)\n") || !strings.Contains(text, "stalled    2 items wait") {
		t.Fatalf("queue stats of a queue nobody consumes = %d:\n%s%s", code, text, errs)
	}
	code, js, errs := runWith(srv.URL, "", "queue", "stats", "--json")
	var got struct {
		Live    *int  `json:"live_consumers"`
		Stalled *bool `json:"stalled"`
	}
	if code != 0 || json.Unmarshal([]byte(js), &got) != nil || got.Live == nil || *got.Live != 0 || got.Stalled == nil || !*got.Stalled {
		t.Fatalf("queue stats --json of a queue nobody consumes = %d:\n%s%s", code, js, errs)
	}
}

// jsonEqual checks that got is one JSON document equal to want's.
func jsonEqual(t *testing.T, got, want string) {
	t.Helper()
	var g, w any
	dec := json.NewDecoder(strings.NewReader(got))
	if err := dec.Decode(&g); err != nil || dec.More() {
		t.Fatalf("not one JSON document (%v):\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
