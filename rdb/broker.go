package rdb

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"abaco"
)

// Broker is the Redis abaco.Broker. Its keys are described in keys.go
// (under "Queue keys") and its Lua scripts in broker_scripts.go. Items are
// leased with batched scripts while the queue has items and with a
// blocking BLMOVE (on a dedicated connection, so it never delays other
// commands) only when it is empty. It is safe for concurrent use.
//
// Attempt counts live in one hash per queue keyed by payload, so the
// payload itself never changes. The trade-off: identical payloads in
// flight at once share a counter (a failure of one makes its twin look
// retried, and acknowledging one forgets the other's failures). For the
// tutorial's numbers, identical payloads are identical work, so this is
// harmless; jobs use unique ids as payloads.
type Broker struct {
	c *Client
	// durability is the barrier of SubmitJob and Push (durability.go);
	// the zero value, none, unless the broker came from WithDurability.
	durability Durability
	// submits counts SubmitJobs calls, to trim the index of recent jobs
	// every trimEvery of them; shared by the brokers of WithDurability.
	submits *atomic.Uint64
}

var _ abaco.Broker = (*Broker)(nil)

// NewBroker returns a queue broker over c.
func NewBroker(c *Client) *Broker { return &Broker{c: c, submits: new(atomic.Uint64)} }

// brokerErr wraps a Redis error for op, marking connection failures (as
// opposed to errors Redis replied with, and to the end of the caller's
// context) with code unavailable.
func brokerErr(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	// A context error is the caller's only when the caller's context is
	// done: rueidis also cancels dials of its own (to a cluster node that
	// died), which is an outage like any other.
	_, replied := rueidis.IsRedisErr(err)
	ended := ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
	if replied || ended {
		return fmt.Errorf("rdb: %s: %w", op, err)
	}
	return fmt.Errorf("rdb: %s: %w", op, errors.Join(abaco.Errorf(abaco.CodeUnavailable, "redis unavailable"), err))
}

// Push appends payloads to the tail of queue with one RPUSH, followed
// on the same connection by the WAIT of a durability barrier if any.
func (b *Broker) Push(ctx context.Context, queue string, payloads ...string) error {
	if len(payloads) == 0 {
		return nil
	}
	rc := b.c.conn()
	reply, acked, err := b.durably(ctx, rc, rc.B().Rpush().Key(queueKey(queue)).Element(payloads...).Build())
	switch {
	case reply.Error() != nil:
		return brokerErr(ctx, "push", reply.Error())
	case err != nil:
		return brokerErr(ctx, "push: wait", err)
	case acked < int64(b.durability.Replicas):
		return b.notReplicated(fmt.Sprintf("a batch of %d items was written to the Redis master, but %%d of the %%d replicas "+
			"required acknowledged it within %%s, so a failover could lose it; it may still exist and be consumed, "+
			"and pushing it again pushes them twice", len(payloads)), acked)
	}
	return nil
}

// Take leases up to limit items: one script while the queue has items.
// When it is empty, a BLMOVE waits up to wait, and the same script runs
// pipelined right behind it on the same connection, so a new item costs
// one round trip: the script reports the item BLMOVE leased with its
// attempts, plus whatever arrived with it.
func (b *Broker) Take(ctx context.Context, queue, consumer string, limit int, wait time.Duration) ([]abaco.Item, error) {
	limit = min(maxBatch, max(limit, 1))
	items, err := b.take(ctx, queue, consumer, limit)
	if err != nil || len(items) > 0 || wait <= 0 {
		return items, err
	}
	rc := b.c.conn()
	keys, args := takeArgs(queue, consumer, limit-1)
	args = append(args, "1")
	res := rc.DoMulti(ctx,
		rc.B().Blmove().Source(queueKey(queue)).Destination(processingKey(queue, consumer)).
			Left().Right().Timeout(wait.Seconds()).Build(),
		rc.B().Evalsha().Sha1(queueTakeSHA).Numkeys(int64(len(keys))).Key(keys...).Arg(args...).Build(),
	)
	_, err = res[0].ToString()
	leased := err == nil
	if err != nil && !rueidis.IsRedisNil(err) {
		return nil, brokerErr(ctx, "take: blmove", err)
	}
	reply := res[1]
	if rerr, ok := rueidis.IsRedisErr(reply.Error()); ok && rerr.IsNoScript() {
		// The script cache was flushed (a Redis restart): run it again
		// on its own; it still finds the leased item at the tail.
		reply = queueTakeScript.Exec(ctx, rc, keys, args)
	}
	items, tail, err := takeReply(ctx, reply)
	if err != nil {
		return nil, err
	}
	if tail && !leased {
		items = items[1:] // the tail is an older lease: BLMOVE timed out
	}
	return items, nil
}

// queueTakeSHA is the SHA1 of queueTakeScript, for EVALSHA in a pipeline.
var queueTakeSHA = scriptSHA(queueTakeSrc)

// scriptSHA is the SHA1 by which Redis knows the script src (EVALSHA).
func scriptSHA(src string) string {
	sum := sha1.Sum([]byte(src))
	return hex.EncodeToString(sum[:])
}

// maxBatch bounds one take: Lua's unpack works on at most a few thousand
// values, and bigger batches only add latency.
const maxBatch = 1024

func takeArgs(queue, consumer string, limit int) (keys, args []string) {
	keys = []string{queueKey(queue), processingKey(queue, consumer), attemptsKey(queue), consumersKey(queue)}
	return keys, []string{strconv.Itoa(limit), consumer}
}

// take runs queueTakeScript alone.
func (b *Broker) take(ctx context.Context, queue, consumer string, limit int) ([]abaco.Item, error) {
	keys, args := takeArgs(queue, consumer, limit)
	items, _, err := takeReply(ctx, queueTakeScript.Exec(ctx, b.c.conn(), keys, args))
	return items, err
}

// takeReply decodes queueTakeScript's reply.
func takeReply(ctx context.Context, r rueidis.RedisResult) (items []abaco.Item, tail bool, err error) {
	reply, err := r.ToArray()
	if err != nil {
		return nil, false, brokerErr(ctx, "take", err)
	}
	if len(reply) != 3 {
		return nil, false, fmt.Errorf("rdb: take: unexpected reply of %d elements", len(reply))
	}
	payloads, err := reply[0].AsStrSlice()
	if err != nil {
		return nil, false, fmt.Errorf("rdb: take: %w", err)
	}
	att, _ := reply[1].ToArray()
	t, _ := reply[2].AsInt64()
	items = make([]abaco.Item, len(payloads))
	for i, p := range payloads {
		items[i] = abaco.Item{Payload: p, Attempts: 1}
		if i < len(att) {
			if n, err := att[i].AsInt64(); err == nil {
				items[i].Attempts += int(n)
			}
		}
	}
	return items, t == 1, nil
}

// Ack removes payloads from consumer's processing list in one script per
// maxBatch payloads and returns how many it removed.
func (b *Broker) Ack(ctx context.Context, queue, consumer string, payloads ...string) (int, error) {
	removed := 0
	for len(payloads) > 0 {
		n := min(len(payloads), maxBatch)
		keys := []string{processingKey(queue, consumer), attemptsKey(queue), statsKey(queue)}
		got, err := queueAckScript.Exec(ctx, b.c.conn(), keys, payloads[:n]).AsInt64()
		if err != nil {
			return removed, brokerErr(ctx, "ack", err)
		}
		removed += int(got)
		payloads = payloads[n:]
	}
	return removed, nil
}

// Fail counts a failed attempt of payload, and a handler-error redelivery,
// in one round trip.
func (b *Broker) Fail(ctx context.Context, queue, payload string) (int, error) {
	rc := b.c.conn()
	res := rc.DoMulti(ctx,
		rc.B().Hincrby().Key(attemptsKey(queue)).Field(payload).Increment(1).Build(),
		rc.B().Hincrby().Key(statsKey(queue)).Field(statHandlerError).Increment(1).Build(),
	)
	n, err := res[0].AsInt64()
	if err == nil {
		err = res[1].Error()
	}
	if err != nil {
		return 0, brokerErr(ctx, "fail", err)
	}
	return int(n) + 1, nil
}

// The fields of the stats hash (statsKey), one per redelivery cause.
const (
	statConsumerDied = "consumer_died"
	statLeaseLost    = "lease_lost"
	statHandlerError = "handler_error"
)

// reapedTTL is how long the reaper's mark waits for a reaped consumer's
// next heartbeat: a consumer cut off longer is not told it was fenced.
const reapedTTL = 24 * time.Hour

// Return moves payloads back to the head of queue, in order.
func (b *Broker) Return(ctx context.Context, queue, consumer string, payloads ...string) error {
	if len(payloads) == 0 {
		return nil
	}
	keys := []string{queueKey(queue), processingKey(queue, consumer)}
	return brokerErr(ctx, "return", queueReturnScript.Exec(ctx, b.c.conn(), keys, payloads).Error())
}

// Bury moves payload from consumer's processing list to the dead letters.
func (b *Broker) Bury(ctx context.Context, queue, consumer string, d abaco.DeadLetter) (bool, error) {
	if d.At.IsZero() {
		d.At = time.Now()
	}
	js, err := json.Marshal(d)
	if err != nil {
		return false, fmt.Errorf("rdb: bury: %w", err)
	}
	keys := []string{processingKey(queue, consumer), attemptsKey(queue), deadKey(queue), statsKey(queue)}
	n, err := queueBuryScript.Exec(ctx, b.c.conn(), keys, []string{d.Payload, string(js)}).AsInt64()
	if err != nil {
		return false, brokerErr(ctx, "bury", err)
	}
	return n == 1, nil
}

// Heartbeat registers consumer, sets its heartbeat key for ttl and
// deletes the reaper's mark, in one round trip: the mark having been there
// means the consumer was reaped. The heartbeat key's value is the unix
// milliseconds of the oldest lease (0 when idle).
func (b *Broker) Heartbeat(ctx context.Context, queue, consumer string, ttl time.Duration, oldest time.Time) (bool, error) {
	rc := b.c.conn()
	var ms int64
	if !oldest.IsZero() {
		ms = oldest.UnixMilli()
	}
	res := rc.DoMulti(ctx,
		rc.B().Sadd().Key(consumersKey(queue)).Member(consumer).Build(),
		rc.B().Set().Key(heartbeatKey(queue, consumer)).Value(strconv.FormatInt(ms, 10)).Px(ttl).Build(),
		rc.B().Del().Key(reapedKey(queue, consumer)).Build(),
	)
	for _, r := range res {
		if err := r.Error(); err != nil {
			return false, brokerErr(ctx, "heartbeat", err)
		}
	}
	n, _ := res[2].AsInt64()
	return n == 1, nil
}

// leave runs queueLeaveScript for consumer.
func (b *Broker) leave(ctx context.Context, queue, consumer string, reap bool) (int, error) {
	keys := []string{queueKey(queue), processingKey(queue, consumer), consumersKey(queue),
		heartbeatKey(queue, consumer), attemptsKey(queue), statsKey(queue), reapedKey(queue, consumer)}
	flag := "0"
	if reap {
		flag = "1"
	}
	args := []string{consumer, flag, strconv.FormatInt(reapedTTL.Milliseconds(), 10)}
	n, err := queueLeaveScript.Exec(ctx, b.c.conn(), keys, args).AsInt64()
	return int(n), err
}

// Leave returns consumer's processing list to the head and unregisters it.
func (b *Broker) Leave(ctx context.Context, queue, consumer string) (int, error) {
	n, err := b.leave(ctx, queue, consumer, false)
	return n, brokerErr(ctx, "leave", err)
}

// Reap redelivers the items of consumers whose heartbeat expired.
func (b *Broker) Reap(ctx context.Context, queue string) (int, error) {
	ids, beats, err := b.consumers(ctx, queue)
	if err != nil {
		return 0, brokerErr(ctx, "reap", err)
	}
	total := 0
	for i, id := range ids {
		if beats[i].Error() == nil {
			continue // alive
		}
		n, err := b.leave(ctx, queue, id, true)
		if err != nil {
			return total, brokerErr(ctx, "reap", err)
		}
		total += max(n, 0)
	}
	return total, nil
}

// Leased returns consumer's processing list with one LRANGE.
func (b *Broker) Leased(ctx context.Context, queue, consumer string) ([]string, error) {
	rc := b.c.conn()
	l, err := rc.Do(ctx, rc.B().Lrange().Key(processingKey(queue, consumer)).Start(0).Stop(-1).Build()).AsStrSlice()
	return l, brokerErr(ctx, "leased", err)
}

// consumers returns the registered consumer ids, sorted, and the GET reply
// of each one's heartbeat key (a nil error means alive).
func (b *Broker) consumers(ctx context.Context, queue string) ([]string, []rueidis.RedisResult, error) {
	rc := b.c.conn()
	ids, err := rc.Do(ctx, rc.B().Smembers().Key(consumersKey(queue)).Build()).AsStrSlice()
	if err != nil || len(ids) == 0 {
		return nil, nil, err
	}
	sort.Strings(ids)
	cmds := make(rueidis.Commands, len(ids))
	for i, id := range ids {
		cmds[i] = rc.B().Get().Key(heartbeatKey(queue, id)).Build()
	}
	beats := rc.DoMulti(ctx, cmds...)
	for _, r := range beats {
		if err := r.Error(); err != nil && !rueidis.IsRedisNil(err) {
			return nil, nil, err
		}
	}
	return ids, beats, nil
}
