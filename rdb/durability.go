package rdb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/rueidis"

	"abaco"
)

// DefaultDurabilityTimeout is how long a write under a durability barrier
// waits for its replicas when Durability.Timeout is zero: long enough for
// a replica on the same network (acknowledgements take about a
// millisecond), short enough that a client told 503 can retry at once.
const DefaultDurabilityTimeout = time.Second

// Durability is a barrier that the writes accepting work (SubmitJob, Push)
// wait for before they report success. Redis replicates asynchronously:
// without a barrier, a write acknowledged by the master is lost when the
// master dies before a replica has it and the replica is promoted. With
// one, the write is followed by WAIT on the same connection, and it is
// reported as failed (code unavailable) unless Replicas replicas have
// acknowledged it within Timeout. The zero value is no barrier.
type Durability struct {
	// Replicas is how many replicas must acknowledge the write. Zero
	// means no barrier: the write is reported once the master has it.
	Replicas int
	// Timeout bounds the wait for the replicas. Zero means
	// DefaultDurabilityTimeout.
	Timeout time.Duration
}

// ParseReplicas reads the barrier's mode as the flags spell it: "none"
// (0) or "replicas:N" with N at least 1.
func ParseReplicas(s string) (int, error) {
	if s == "none" {
		return 0, nil
	}
	n, err := strconv.Atoi(strings.TrimPrefix(s, "replicas:"))
	if !strings.HasPrefix(s, "replicas:") || err != nil || n < 1 {
		return 0, fmt.Errorf("bad durability %q: want none or replicas:N with N at least 1", s)
	}
	return n, nil
}

// FormatReplicas is the inverse of ParseReplicas.
func FormatReplicas(n int) string {
	if n <= 0 {
		return "none"
	}
	return "replicas:" + strconv.Itoa(n)
}

// String describes d as the flags spell it, with its timeout.
func (d Durability) String() string {
	if d.Replicas <= 0 {
		return "none"
	}
	return FormatReplicas(d.Replicas) + " within " + d.timeout().String()
}

// timeout is the barrier's wait, with its default.
func (d Durability) timeout() time.Duration {
	if d.Timeout <= 0 {
		return DefaultDurabilityTimeout
	}
	return d.Timeout
}

// WithDurability returns a broker on the same client whose SubmitJob and
// Push wait for d. Its other writes (leases, acknowledgements, job
// results) do not: a result lost at a failover is recomputed, since the
// job's id is still queued or leased on the replica that has the job.
func (b *Broker) WithDurability(d Durability) *Broker {
	return &Broker{c: b.c, durability: d, submits: b.submits}
}

// waitCmd is the WAIT that follows a write under the barrier. rueidis
// marks WAIT as blocking, so a DoMulti holding it is written on a
// connection of the blocking pool that no other goroutine uses until the
// replies are read, rather than on the auto-pipelined connections shared
// by every goroutine: the WAIT counts exactly the writes before it in the
// same DoMulti (and the connection's earlier ones, already acknowledged
// or waited for), and a WAIT blocked on a slow replica holds up no one
// else's commands. In a cluster, rueidis sends a keyless command of a
// DoMulti to the node of the keyed ones, so the WAIT reaches the master
// that took the write.
func (b *Broker) waitCmd(rc rueidis.Client) rueidis.Completed {
	return rc.B().Wait().Numreplicas(int64(b.durability.Replicas)).Timeout(b.durability.timeout().Milliseconds()).Build()
}

// durably sends write followed by the barrier's WAIT in one DoMulti, and
// returns write's reply and how many replicas acknowledged it. Without a
// barrier it sends write alone and reports acked 0.
func (b *Broker) durably(ctx context.Context, rc rueidis.Client, write rueidis.Completed) (reply rueidis.RedisResult, acked int64, err error) {
	if b.durability.Replicas <= 0 {
		return rc.Do(ctx, write), 0, nil
	}
	res := rc.DoMulti(ctx, write, b.waitCmd(rc))
	if res[0].Error() != nil {
		return res[0], 0, nil
	}
	acked, err = res[1].AsInt64()
	return res[0], acked, err
}

// notReplicated is the error of a write the master took but too few
// replicas acknowledged within the timeout: what was written may still
// be there (and be worked on), or be lost if the master fails now, so a
// retry may make a duplicate, which the message must say. format takes
// the replicas that acknowledged, the replicas required and the timeout.
func (b *Broker) notReplicated(format string, acked int64) error {
	d := b.durability
	return abaco.Errorf(abaco.CodeUnavailable, format, acked, d.Replicas, d.timeout())
}
