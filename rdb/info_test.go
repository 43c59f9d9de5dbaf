package rdb_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"abaco"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/rdb"
)

func TestPolicyEvicts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		policy string
		evicts bool
	}{
		{"noeviction", false},
		{"allkeys-lru", true},
		{"allkeys-lfu", true},
		{"allkeys-random", true},
		{"volatile-lru", true},
		{"volatile-lfu", true},
		{"volatile-random", true},
		{"volatile-ttl", true},
		{"", false},
	}
	for _, tt := range tests {
		if got := rdb.PolicyEvicts(tt.policy); got != tt.evicts {
			t.Errorf("PolicyEvicts(%q) = %v, want %v", tt.policy, got, tt.evicts)
		}
	}
}

// TestMaxmemoryPolicy reads the policy of real servers started with each
// kind of policy.
func TestMaxmemoryPolicy(t *testing.T) {
	t.Parallel()
	for _, policy := range []string{"noeviction", "allkeys-lru", "volatile-ttl"} {
		t.Run(policy, func(t *testing.T) {
			t.Parallel()
			srv := redistest.Start(t, "--maxmemory-policy", policy)
			got, err := rdbtest.Open(t, srv.URL).MaxmemoryPolicy(context.Background())
			if err != nil || got != policy {
				t.Fatalf("MaxmemoryPolicy = %q, %v; want %q", got, err, policy)
			}
		})
	}
}

// TestSetManyRefused checks that a write Redis answers but refuses, on a
// full server (OOM) and on a replica (READONLY), is a *rdb.RefusedError
// with Redis's own text, and that a dead server's error is not.
func TestSetManyRefused(t *testing.T) {
	t.Parallel()
	full := redistest.Start(t, "--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
	full.Fill()
	primary := redistest.Start(t)
	replica := redistest.Start(t, "--replicaof", "127.0.0.1", strings.TrimPrefix(primary.Addr, "127.0.0.1:"))
	dead := redistest.Start(t)
	deadStore := rdbtest.OpenStore(t, dead.URL)
	dead.Stop()
	tests := []struct {
		name   string
		store  *rdb.Store
		prefix string // of Redis's text; empty: not a refusal
	}{
		{"full", rdbtest.OpenStore(t, full.URL), "OOM "},
		{"replica", rdbtest.OpenStore(t, replica.URL), "READONLY "},
		{"dead", deadStore, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			err := tt.store.SetMany(ctx, []abaco.StoreEntry{{Key: "2 + 2", Entry: []byte("4")}}, time.Second)
			var re *rdb.RefusedError
			refused := errors.As(err, &re)
			if err == nil || refused != (tt.prefix != "") || (refused && !strings.HasPrefix(re.WriteRefused(), tt.prefix)) {
				t.Fatalf("SetMany = %v (refused %v), want a refusal starting %q", err, refused, tt.prefix)
			}
		})
	}
}
