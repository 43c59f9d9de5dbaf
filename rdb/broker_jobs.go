package rdb

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/rueidis"

	"abaco"
)

// SaveJob stores a job record for ttl.
func (b *Broker) SaveJob(ctx context.Context, queue, id string, record []byte, ttl time.Duration) error {
	rc := b.c.conn()
	err := rc.Do(ctx, rc.B().Set().Key(jobKey(queue, id)).Value(rueidis.BinaryString(record)).Px(ttl).Build()).Error()
	return brokerErr("save job", err)
}

// LoadJob returns the record stored under id, or not_found.
func (b *Broker) LoadJob(ctx context.Context, queue, id string) ([]byte, error) {
	rc := b.c.conn()
	v, err := rc.Do(ctx, rc.B().Get().Key(jobKey(queue, id)).Build()).AsBytes()
	if rueidis.IsRedisNil(err) {
		return nil, abaco.Errorf(abaco.CodeNotFound, "job %q not found", id)
	}
	if err != nil {
		return nil, brokerErr("load job", err)
	}
	return v, nil
}

// jobSubmitScript checks the bound on waiting jobs, stores the record and
// pushes the id, in one step: several servers sharing the queue cannot
// overshoot the bound between a check and a push, and a refused job
// leaves no record behind. Both keys are in the queue's slot.
//
// KEYS: queue, job record. ARGV: limit (<= 0: none), id, record, ttl ms.
// It returns 1 when the job was queued, 0 when the queue was full.
var jobSubmitScript = rueidis.NewLuaScript(`
local limit = tonumber(ARGV[1])
if limit > 0 and redis.call('LLEN', KEYS[1]) >= limit then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('RPUSH', KEYS[1], ARGV[2])
return 1
`)

// SubmitJob stores a job record and queues its id unless the queue holds
// limit or more waiting items, with one script: one round trip.
func (b *Broker) SubmitJob(ctx context.Context, queue, id string, record []byte, ttl time.Duration, limit int64) error {
	keys := []string{queueKey(queue), jobKey(queue, id)}
	args := []string{strconv.FormatInt(limit, 10), id, string(record), strconv.FormatInt(max(ttl.Milliseconds(), 1), 10)}
	n, err := jobSubmitScript.Exec(ctx, b.c.conn(), keys, args).AsInt64()
	if err != nil {
		return brokerErr("submit job", err)
	}
	if n == 0 {
		return queueFull(queue, limit)
	}
	return nil
}

// queueFull is the error of a job refused by the bound on waiting jobs.
func queueFull(queue string, limit int64) error {
	return abaco.Errorf(abaco.CodeQueueFull, "the job queue %s holds %d waiting jobs, its bound; retry later", queue, limit)
}
