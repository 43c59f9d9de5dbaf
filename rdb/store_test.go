package rdb_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"abaco"
	"abaco/expr"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/internal/storetest"
	"abaco/rdb"
)

// openStore returns a Store over a private redis-server.
func openStore(t *testing.T) (*rdb.Store, *redistest.Server) {
	t.Helper()
	srv := redistest.Start(t)
	return rdbtest.OpenStore(t, srv.URL), srv
}

// set stores one entry with SetMany.
func set(ctx context.Context, s *rdb.Store, canonical string, entry []byte, ttl time.Duration) error {
	return s.SetMany(ctx, []abaco.StoreEntry{{Key: canonical, Entry: entry}}, ttl)
}

func TestStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) abaco.Store {
		s, _ := openStore(t)
		return s
	})
}

// TestStoreContractCluster runs the contract on a three-master Redis
// Cluster, one case after another on the one cluster: Flush must walk
// every node, and a batch spans slots.
func TestStoreContractCluster(t *testing.T) {
	t.Parallel()
	cl := redistest.StartCluster(t)
	storetest.RunSerial(t, rdbtest.OpenStore(t, cl.URL))
}

// TestStoreKeys checks the raw key names and TTLs a person sees with
// redis-cli, independently of the client library.
func TestStoreKeys(t *testing.T) {
	t.Parallel()
	s, srv := openStore(t)
	ctx := context.Background()
	long := strings.Repeat("9", 200)
	sha := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	tests := []struct {
		name      string
		canonical string
		key       string
	}{
		{"readable", "2 + 2", "abaco:v1:eval:2 + 2"},
		{"unicode", "√2", "abaco:v1:eval:√2"},
		{"long is hashed", long, "abaco:v1:eval:#" + sha(long)},
		{"control characters are hashed", "raw:2 +\n3", "abaco:v1:eval:#" + sha("raw:2 +\n3")},
		{"invalid utf-8 is hashed", "raw:\xff", "abaco:v1:eval:#" + sha("raw:\xff")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := set(ctx, s, tt.canonical, []byte("4"), 10*time.Second); err != nil {
				t.Fatal(err)
			}
			if got := srv.MustDo("GET", tt.key); got != "4" {
				t.Errorf("GET %q = %q, want 4", tt.key, got)
			}
			ms, err := strconv.Atoi(srv.MustDo("PTTL", tt.key))
			if err != nil || ms <= 0 || ms > 10_000 {
				t.Errorf("PTTL %q = %d (%v), want in (0, 10000]", tt.key, ms, err)
			}
		})
	}
}

// TestStoreKeyVersion ties the "v1" of the cache keys to the engine's
// semantics version: when expr.Version changes, cachePrefix in keys.go
// must change with it, so that no result of the old semantics is reused.
func TestStoreKeyVersion(t *testing.T) {
	t.Parallel()
	s, srv := openStore(t)
	if err := set(context.Background(), s, "1", []byte("1"), time.Minute); err != nil {
		t.Fatal(err)
	}
	want := "abaco:v" + strconv.Itoa(expr.Version) + ":eval:1"
	if got := srv.MustDo("KEYS", "*"); got != want {
		t.Fatalf("cache key %q, want %q: bump cachePrefix in keys.go with expr.Version", got, want)
	}
}

// TestStoreFlushLeavesOtherKeys checks that Flush removes only the cache
// prefix: other data in the same Redis (queues, the tutorial's keys)
// survives.
func TestStoreFlushLeavesOtherKeys(t *testing.T) {
	t.Parallel()
	s, srv := openStore(t)
	ctx := context.Background()
	srv.MustDo("SET", "user:data", "keep")
	srv.MustDo("RPUSH", "number_queue", "1")
	srv.MustDo("SET", "abaco:v2:eval:2 + 2", "other version")
	for i := range 1200 { // more than one SCAN/UNLINK batch
		if err := set(ctx, s, strconv.Itoa(i), []byte("1"), time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Flush(ctx)
	if err != nil || n != 1200 {
		t.Fatalf("Flush = %d, %v; want 1200, nil", n, err)
	}
	if got := srv.MustDo("DBSIZE"); got != "3" {
		t.Errorf("DBSIZE after Flush = %s, want 3 (the non-cache keys)", got)
	}
	if got := srv.MustDo("GET", "user:data"); got != "keep" {
		t.Errorf("user:data = %q after Flush", got)
	}
}

// TestStoreDown checks that a stopped server is an error, not a miss.
func TestStoreDown(t *testing.T) {
	t.Parallel()
	s, srv := openStore(t)
	srv.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, _, _, err := s.GetTTL(ctx, "2 + 2"); err == nil {
		t.Error("Get on a stopped server: no error")
	}
	if err := set(ctx, s, "2 + 2", []byte("4"), time.Second); err == nil {
		t.Error("SetMany on a stopped server: no error")
	}
	if err := s.Ping(ctx); err == nil {
		t.Error("Ping on a stopped server: no error")
	}
}

// TestOpenBeforeRedis checks a client opened while Redis is down, as a
// service started before its Redis would: without AllowUnreachable, Open
// fails; with it, commands fail (never a miss) until Redis starts, then the
// client connects by itself.
func TestOpenBeforeRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	srv.Stop()
	if c, err := rdb.Open(srv.URL, rdb.Options{}); err == nil {
		c.Close()
		t.Fatal("Open succeeded with Redis down")
	}
	connected := make(chan struct{})
	c, err := rdb.Open(srv.URL, rdb.Options{AllowUnreachable: true, OnConnect: func() { close(connected) }})
	if err != nil {
		t.Fatalf("Open with AllowUnreachable: %v", err)
	}
	defer c.Close()
	s := rdb.NewStore(c)
	ctx := context.Background()
	if _, _, _, err := s.GetTTL(ctx, "2 + 2"); err == nil {
		t.Fatal("Get with Redis down: no error")
	}
	if err := c.Ping(ctx); err == nil {
		t.Fatal("Ping with Redis down: no error")
	}
	srv.Restart()
	select {
	case <-connected:
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not connect within 10s of Redis starting")
	}
	if err := set(ctx, s, "2 + 2", []byte("4"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := srv.MustDo("GET", "abaco:v1:eval:2 + 2"); got != "4" {
		t.Fatalf("GET = %q, want 4", got)
	}
}

// TestCloseBeforeRedis checks that a client still waiting for Redis closes
// at once.
func TestCloseBeforeRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	srv.Stop()
	c, err := rdb.Open(srv.URL, rdb.Options{AllowUnreachable: true, OnConnect: func() { t.Error("connected to a stopped Redis") }})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c.Close()
	// A connection attempt in progress may take up to the dial timeout
	// (1s); a refused one takes nothing.
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("Close took %v", d)
	}
}

// TestOpenBeforeRedisRefusingLogin checks that a Redis which comes up
// refusing the client's login is reported through OnError, once, rather
// than silently retried.
func TestOpenBeforeRedisRefusingLogin(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--user", "alice", "on", ">s3cret", "~*", "+@all")
	srv.Stop()
	errs := make(chan error, 10)
	c, err := rdb.Open("redis://alice:wrong@"+srv.Addr, rdb.Options{
		AllowUnreachable: true,
		OnError:          func(err error) { errs <- err },
		OnConnect:        func() { t.Error("connected with a wrong password") },
	})
	if err != nil {
		t.Fatalf("Open with Redis down: %v", err)
	}
	defer c.Close()
	srv.Restart()
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "WRONGPASS") {
			t.Fatalf("OnError(%v), want the refused login", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no OnError within 10s of Redis refusing the login")
	}
	time.Sleep(2500 * time.Millisecond) // two more attempts, with the same reason
	if len(errs) != 0 {
		t.Errorf("the same reason was reported %d more times", len(errs))
	}
}
