package rdb

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/rueidis"

	"abaco"
)

// Stats returns depth, dead letters, redeliveries and every consumer's
// in-flight count and oldest lease, in two round trips after listing the
// consumers.
func (b *Broker) Stats(ctx context.Context, queue string) (abaco.QueueStats, error) {
	rc := b.c.conn()
	s := abaco.QueueStats{Queue: queue}
	ids, beats, err := b.consumers(ctx, queue)
	if err != nil {
		return s, brokerErr(ctx, "stats", err)
	}
	cmds := rueidis.Commands{
		rc.B().Hmget().Key(statsKey(queue)).Field(statConsumerDied, statLeaseLost, statHandlerError).Build(),
		rc.B().Llen().Key(queueKey(queue)).Build(),
		rc.B().Llen().Key(deadKey(queue)).Build(),
	}
	for _, id := range ids {
		cmds = append(cmds, rc.B().Llen().Key(processingKey(queue, id)).Build())
	}
	res := rc.DoMulti(ctx, cmds...)
	if s.Redelivered, err = redeliveries(res[0]); err != nil {
		return s, brokerErr(ctx, "stats", err)
	}
	counts := make([]int64, len(res))
	for i, r := range res[1:] {
		if counts[i], err = r.AsInt64(); err != nil {
			return s, brokerErr(ctx, "stats", err)
		}
	}
	s.Depth, s.Dead = counts[0], counts[1]
	now := time.Now()
	for i, id := range ids {
		cs := abaco.ConsumerStats{ID: id, InFlight: counts[2+i]}
		var ms int64
		if v, err := beats[i].ToString(); err == nil {
			cs.Alive = true
			ms, _ = strconv.ParseInt(v, 10, 64)
		}
		switch {
		case cs.InFlight == 0:
		case ms > 0:
			cs.OldestLease = max(0, now.Sub(time.UnixMilli(ms)))
		default:
			cs.OldestUnknown = true
		}
		s.InFlight += cs.InFlight
		s.OldestAge = max(s.OldestAge, cs.OldestLease)
		s.OldestUnknown = s.OldestUnknown || cs.OldestUnknown
		s.Consumers = append(s.Consumers, cs)
	}
	return s, nil
}

// redeliveries decodes the HMGET of the stats hash's fields (nil where a
// cause never happened).
func redeliveries(r rueidis.RedisResult) (abaco.Redeliveries, error) {
	vals, err := r.ToArray()
	if err != nil {
		return abaco.Redeliveries{}, err
	}
	n := make([]int64, 3)
	for i := range min(len(vals), len(n)) {
		if v, err := vals[i].AsInt64(); err == nil {
			n[i] = v
		}
	}
	return abaco.Redeliveries{ConsumerDied: n[0], LeaseLost: n[1], HandlerError: n[2]}, nil
}

// Dead returns up to limit dead letters, oldest first.
func (b *Broker) Dead(ctx context.Context, queue string, limit int) ([]abaco.DeadLetter, error) {
	rc := b.c.conn()
	stop := int64(limit) - 1
	if limit <= 0 {
		stop = -1
	}
	raw, err := rc.Do(ctx, rc.B().Lrange().Key(deadKey(queue)).Start(0).Stop(stop).Build()).AsStrSlice()
	if err != nil {
		return nil, brokerErr(ctx, "dead", err)
	}
	out := make([]abaco.DeadLetter, 0, len(raw))
	for _, r := range raw {
		var d abaco.DeadLetter
		if err := json.Unmarshal([]byte(r), &d); err != nil {
			return nil, fmt.Errorf("rdb: dead: decode %q: %w", r, err)
		}
		out = append(out, d)
	}
	return out, nil
}

// Requeue moves up to limit dead letters back to the tail of queue.
func (b *Broker) Requeue(ctx context.Context, queue string, limit int) (int, error) {
	keys := []string{queueKey(queue), deadKey(queue), attemptsKey(queue)}
	n, err := queueRequeueScript.Exec(ctx, b.c.conn(), keys, []string{strconv.Itoa(limit)}).AsInt64()
	return int(n), brokerErr(ctx, "requeue", err)
}

// Purge deletes the waiting items and the dead letters of queue.
func (b *Broker) Purge(ctx context.Context, queue string) (int64, error) {
	keys := []string{queueKey(queue), deadKey(queue)}
	n, err := queuePurgeScript.Exec(ctx, b.c.conn(), keys, nil).AsInt64()
	return n, brokerErr(ctx, "purge", err)
}
