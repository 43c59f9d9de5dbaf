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
	return brokerErr(ctx, "save job", err)
}

// LoadJob returns the record stored under id, or not_found.
func (b *Broker) LoadJob(ctx context.Context, queue, id string) ([]byte, error) {
	rc := b.c.conn()
	v, err := rc.Do(ctx, rc.B().Get().Key(jobKey(queue, id)).Build()).AsBytes()
	if rueidis.IsRedisNil(err) {
		return nil, abaco.Errorf(abaco.CodeNotFound, "job %q not found", id)
	}
	if err != nil {
		return nil, brokerErr(ctx, "load job", err)
	}
	return v, nil
}

// jobSubmitSrc checks the bound on waiting jobs, stores the record and
// pushes the id, in one step: several servers sharing the queue cannot
// overshoot the bound between a check and a push, and a refused job
// leaves no record behind. Both keys are in the queue's slot.
//
// KEYS: queue, job record. ARGV: limit (<= 0: none), id, record, ttl ms.
// It returns 1 when the job was queued, 0 when the queue was full.
const jobSubmitSrc = `
local limit = tonumber(ARGV[1])
if limit > 0 and redis.call('LLEN', KEYS[1]) >= limit then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('RPUSH', KEYS[1], ARGV[2])
return 1
`

var jobSubmitScript = rueidis.NewLuaScript(jobSubmitSrc)

// jobSubmitSHA is the SHA1 of jobSubmitSrc, for EVALSHA in a DoMulti.
var jobSubmitSHA = scriptSHA(jobSubmitSrc)

// SubmitJob stores a job record and queues its id unless the queue holds
// limit or more waiting items, with one script: one round trip. Under a
// durability barrier the script and the WAIT travel in one DoMulti, still
// one round trip, plus the replicas' acknowledgement; a job the master
// took but too few replicas acknowledged is reported with code
// unavailable, though it exists on the master and may run.
func (b *Broker) SubmitJob(ctx context.Context, queue, id string, record []byte, ttl time.Duration, limit int64) error {
	keys := []string{queueKey(queue), jobKey(queue, id)}
	args := []string{strconv.FormatInt(limit, 10), id, string(record), strconv.FormatInt(max(ttl.Milliseconds(), 1), 10)}
	reply, acked, werr := b.submit(ctx, keys, args)
	n, err := reply.AsInt64()
	switch {
	case err != nil:
		return brokerErr(ctx, "submit job", err)
	case n == 0:
		return queueFull(queue, limit)
	case werr != nil:
		return brokerErr(ctx, "submit job: wait", werr)
	case acked < int64(b.durability.Replicas):
		return b.notReplicated("job "+id, "submitting it again creates a second job", acked)
	}
	return nil
}

// submit runs jobSubmitSrc, followed under a durability barrier by its
// WAIT in the same DoMulti, and returns the script's reply, how many
// replicas acknowledged it (0 without a barrier) and the WAIT's error.
func (b *Broker) submit(ctx context.Context, keys, args []string) (reply rueidis.RedisResult, acked int64, err error) {
	rc := b.c.conn()
	if b.durability.Replicas <= 0 {
		return jobSubmitScript.Exec(ctx, rc, keys, args), 0, nil
	}
	reply, acked, err = b.durably(ctx, rc, rc.B().Evalsha().Sha1(jobSubmitSHA).Numkeys(2).Key(keys...).Arg(args...).Build())
	if rerr, ok := rueidis.IsRedisErr(reply.Error()); ok && rerr.IsNoScript() {
		// The script cache was flushed (a Redis restart): the script did
		// not run, so send its source, with the WAIT again.
		reply, acked, err = b.durably(ctx, rc, rc.B().Eval().Script(jobSubmitSrc).Numkeys(2).Key(keys...).Arg(args...).Build())
	}
	return reply, acked, err
}

// queueFull is the error of a job refused by the bound on waiting jobs.
func queueFull(queue string, limit int64) error {
	return abaco.Errorf(abaco.CodeQueueFull, "the job queue %s holds %d waiting jobs, its bound; retry later", queue, limit)
}
