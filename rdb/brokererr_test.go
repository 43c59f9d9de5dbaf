package rdb_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"testing"

	"abaco"
	"abaco/rdb"
)

// TestBrokerErrClassifies checks which failures count as Redis being
// unavailable (retried by the queue) and which do not: a reply of Redis's
// and the end of the caller's own context do not, while a dial that
// rueidis cancelled on its own (a dead cluster node) does, since a
// consumer that stopped on it would stop for good.
func TestBrokerErrClassifies(t *testing.T) {
	live := context.Background()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	dialCancelled := &net.OpError{Op: "dial", Net: "tcp", Err: fmt.Errorf("operation was canceled: %w", context.Canceled)}
	tests := []struct {
		name        string
		ctx         context.Context
		err         error
		unavailable bool
	}{
		{"connection closed", live, io.EOF, true},
		{"a dial rueidis cancelled", live, dialCancelled, true},
		{"the caller's context ended", done, context.Canceled, false},
		{"the caller's deadline passed", done, context.DeadlineExceeded, false},
	}
	for _, tt := range tests {
		err := rdb.BrokerErr(tt.ctx, "take", tt.err)
		if got := abaco.ErrorCode(err) == abaco.CodeUnavailable; got != tt.unavailable {
			t.Errorf("%s: %v: unavailable %v, want %v", tt.name, err, got, tt.unavailable)
		}
	}
}
