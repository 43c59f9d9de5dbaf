package brokertest

import (
	"testing"
	"time"

	"abaco"
)

func testDead(t *testing.T, b abaco.Broker, q string) {
	push(t, b, q, "1", "oops", "2", "bad")
	take(t, b, q, "c1", 4)
	for _, p := range []string{"oops", "bad"} {
		ok, err := b.Bury(ctx(t), q, "c1", abaco.DeadLetter{Payload: p, Reason: "not a number: " + p, Attempts: 3, Consumer: "c1"})
		if err != nil || !ok {
			t.Fatalf("Bury(%s) = %v, %v", p, ok, err)
		}
	}
	dead, err := b.Dead(ctx(t), q, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 2 || dead[0].Payload != "oops" || dead[0].Reason != "not a number: oops" ||
		dead[0].Attempts != 3 || dead[0].Consumer != "c1" || dead[0].At.IsZero() || dead[1].Payload != "bad" {
		t.Fatalf("Dead = %+v", dead)
	}
	if one, _ := b.Dead(ctx(t), q, 1); len(one) != 1 {
		t.Fatalf("Dead(limit 1) gave %d", len(one))
	}
	if s := stats(t, b, q); s.Dead != 2 || s.InFlight != 2 {
		t.Fatalf("stats = %+v, want 2 dead, 2 in flight", s)
	}
	push(t, b, q, "3")
	n, err := b.Requeue(ctx(t), q, 1)
	if err != nil || n != 1 {
		t.Fatalf("Requeue(1) = %d, %v", n, err)
	}
	n, err = b.Requeue(ctx(t), q, 0)
	if err != nil || n != 1 {
		t.Fatalf("Requeue(all) = %d, %v", n, err)
	}
	got := drain(t, b, q)
	equal(t, "after requeue", payloads(got), []string{"3", "oops", "bad"})
	equal(t, "attempts after requeue", attempts(got), []int{1, 1, 1})
	if dead, _ := b.Dead(ctx(t), q, 0); len(dead) != 0 {
		t.Fatalf("dead letters left: %+v", dead)
	}
}

func testBuryGone(t *testing.T, b abaco.Broker, q string) {
	ok, err := b.Bury(ctx(t), q, "c1", abaco.DeadLetter{Payload: "ghost", Reason: "x"})
	if err != nil || ok {
		t.Fatalf("Bury of unleased = %v, %v; want false", ok, err)
	}
	if s := stats(t, b, q); s.Dead != 0 {
		t.Fatalf("dead = %d, want 0", s.Dead)
	}
}

func testPurge(t *testing.T, b abaco.Broker, q string) {
	push(t, b, q, "1", "2", "3", "4")
	take(t, b, q, "c1", 2)
	if _, err := b.Bury(ctx(t), q, "c1", abaco.DeadLetter{Payload: "1", Reason: "r"}); err != nil {
		t.Fatal(err)
	}
	n, err := b.Purge(ctx(t), q)
	if err != nil || n != 3 {
		t.Fatalf("Purge = %d, %v; want 3 (2 waiting + 1 dead)", n, err)
	}
	if s := stats(t, b, q); s.Depth != 0 || s.Dead != 0 || s.InFlight != 1 {
		t.Fatalf("after purge: %+v", s)
	}
}

func testStats(t *testing.T, b abaco.Broker, q string) {
	push(t, b, q, "1", "2", "3", "4", "5", "6")
	leased := time.Now().Add(-2 * time.Second)
	if _, err := b.Heartbeat(ctx(t), q, "a", time.Minute, leased); err != nil {
		t.Fatal(err)
	}
	heartbeat(t, b, q, "b", time.Minute)
	take(t, b, q, "a", 2)
	take(t, b, q, "b", 1)
	s := stats(t, b, q)
	if s.Queue != q || s.Depth != 3 || s.InFlight != 3 || s.Dead != 0 || len(s.Consumers) != 2 {
		t.Fatalf("stats = %+v", s)
	}
	a, bb := s.Consumers[0], s.Consumers[1]
	if a.ID != "a" || a.InFlight != 2 || !a.Alive || bb.ID != "b" || bb.InFlight != 1 {
		t.Fatalf("consumers = %+v", s.Consumers)
	}
	if a.OldestLease < 2*time.Second || a.OldestLease > time.Minute || bb.OldestLease != 0 {
		t.Fatalf("oldest leases = %v, %v; want >= 2s and 0", a.OldestLease, bb.OldestLease)
	}
	if s.OldestAge != a.OldestLease {
		t.Fatalf("oldest age = %v, want %v", s.OldestAge, a.OldestLease)
	}
}

func testJobs(t *testing.T, b abaco.Broker, q string) {
	if _, err := b.LoadJob(ctx(t), q, "nope"); !isNotFound(err) {
		t.Fatalf("LoadJob(unknown) error = %v, want not_found", err)
	}
	rec := []byte(`{"state":"queued","expr":"2+2"}` + "\x00\xff")
	if err := b.SaveJob(ctx(t), q, "id1", rec, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, err := b.LoadJob(ctx(t), q, "id1")
	if err != nil || string(got) != string(rec) {
		t.Fatalf("LoadJob = %q, %v", got, err)
	}
	if err := b.SaveJob(ctx(t), q, "id1", []byte("v2"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.LoadJob(ctx(t), q, "id1"); string(got) != "v2" {
		t.Fatalf("after replace: %q", got)
	}
}

func testJobExpiry(t *testing.T, b abaco.Broker, q string) {
	if err := b.SaveJob(ctx(t), q, "short", []byte("x"), 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	eventually(t, "job record expiry", func() bool {
		_, err := b.LoadJob(ctx(t), q, "short")
		return isNotFound(err)
	})
}
