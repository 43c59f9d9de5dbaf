package rdb

import (
	"context"
	"strconv"
	"strings"
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

// jobSubmitSrc submits a batch of jobs in one step: the idempotency key
// first (a stored one returns its value and submits nothing), then the
// ids, whose new queue length is the bound's check for the whole batch (so
// several servers sharing the queue cannot overshoot it; a refused batch
// is trimmed off again before anyone sees it, and blocked takers are only
// served once the script ends), then the records, the index of recent
// jobs (trimmed only when ARGV[7] is "1", since a trim per submission
// costs more than the rest of the index) and the key. Every key is in the
// queue's slot. Each redis.call costs more than the same command sent
// alone, so the script makes as few as it can: one RPUSH and one ZADD per
// batch. It answers "ok", "full", or "=" followed by the idempotency
// key's stored value.
//
// KEYS: queue, recent index, idempotency key, then one record key per
// job. ARGV: limit (<= 0: none), jobs, index size (<= 0: no index), first
// score, idempotency value ("" : no key), its ttl ms, trim ("1" or "0"),
// then id, record and ttl ms of each job.
const jobSubmitSrc = `
local limit, n, keep, score = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local idem = ARGV[5] ~= ''
if idem then
  local prior = redis.call('GET', KEYS[3])
  if prior then return '=' .. prior end
end
local ids = {}
for i = 1, n do ids[i] = ARGV[5 + 3 * i] end
local len = redis.call('RPUSH', KEYS[1], unpack(ids))
if limit > 0 and len > limit then
  redis.call('LTRIM', KEYS[1], 0, -(n + 1))
  return 'full'
end
for i = 1, n do
  local a = 5 + 3 * i
  redis.call('SET', KEYS[3 + i], ARGV[a + 1], 'PX', ARGV[a + 2])
end
if keep > 0 then
  local z = {}
  for i = 1, n do
    z[2 * i - 1] = score + i - 1
    z[2 * i] = ids[i]
  end
  redis.call('ZADD', KEYS[2], unpack(z))
  if ARGV[7] == '1' then redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(keep + 1)) end
end
if idem then redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[6]) end
return 'ok'
`

// trimEvery is how often, in submissions, the submit script trims the
// index of recent jobs; a batch at least this large always trims.
const trimEvery = 32

var jobSubmitScript = rueidis.NewLuaScript(jobSubmitSrc)

// jobSubmitSHA is the SHA1 of jobSubmitSrc, for EVALSHA in a DoMulti.
var jobSubmitSHA = scriptSHA(jobSubmitSrc)

// SubmitJobs stores the records of a batch of jobs and queues their ids
// with one script: one round trip. Under a durability barrier the script
// and the WAIT travel in one DoMulti, still one round trip, plus the
// replicas' acknowledgement; jobs the master took but too few replicas
// acknowledged are reported with code unavailable, though they exist on
// the master and may run.
func (b *Broker) SubmitJobs(ctx context.Context, queue string, s abaco.JobSubmission) (string, error) {
	if len(s.Jobs) == 0 {
		return "", nil
	}
	keys := make([]string, 0, 3+len(s.Jobs))
	keys = append(keys, queueKey(queue), recentKey(queue), idemKey(queue, s.IdemKey))
	args := make([]string, 0, 7+3*len(s.Jobs))
	idemValue := ""
	if s.IdemKey != "" {
		idemValue = s.IdemValue
	}
	trim := "0"
	if b.submits.Add(1)%trimEvery == 0 || len(s.Jobs) >= trimEvery {
		trim = "1"
	}
	args = append(args, strconv.FormatInt(s.Limit, 10), strconv.Itoa(len(s.Jobs)), strconv.FormatInt(s.Recent, 10),
		strconv.FormatInt(s.Score, 10), idemValue, pxArg(s.IdemTTL), trim)
	for _, j := range s.Jobs {
		keys = append(keys, jobKey(queue, j.ID))
		args = append(args, j.ID, string(j.Record), pxArg(j.TTL))
	}
	reply, acked, werr := b.submit(ctx, keys, args)
	v, err := reply.ToString()
	switch {
	case err != nil:
		return "", brokerErr(ctx, "submit jobs", err)
	case v == "full":
		return "", queueFull(queue, s.Limit)
	case strings.HasPrefix(v, "="):
		return v[1:], nil
	case werr != nil:
		return "", brokerErr(ctx, "submit jobs: wait", werr)
	case acked < int64(b.durability.Replicas):
		// The job service merges submissions, so the message speaks of
		// the caller's jobs, however many the call held.
		return "", b.notReplicated("the submitted jobs were written to the Redis master, but %d of the %d replicas "+
			"required acknowledged them within %s, so a failover could lose them; they may still exist and run, "+
			"and submitting them again creates a second job for each", acked)
	}
	return "", nil
}

// pxArg is d in whole milliseconds for a PX argument, at least 1.
func pxArg(d time.Duration) string { return strconv.FormatInt(max(d.Milliseconds(), 1), 10) }

// submit runs jobSubmitSrc, followed under a durability barrier by its
// WAIT in the same DoMulti, and returns the script's reply, how many
// replicas acknowledged it (0 without a barrier) and the WAIT's error.
func (b *Broker) submit(ctx context.Context, keys, args []string) (reply rueidis.RedisResult, acked int64, err error) {
	rc := b.c.conn()
	if b.durability.Replicas <= 0 {
		return jobSubmitScript.Exec(ctx, rc, keys, args), 0, nil
	}
	n := int64(len(keys))
	reply, acked, err = b.durably(ctx, rc, rc.B().Evalsha().Sha1(jobSubmitSHA).Numkeys(n).Key(keys...).Arg(args...).Build())
	if rerr, ok := rueidis.IsRedisErr(reply.Error()); ok && rerr.IsNoScript() {
		// The script cache was flushed (a Redis restart): the script did
		// not run, so send its source, with the WAIT again.
		reply, acked, err = b.durably(ctx, rc, rc.B().Eval().Script(jobSubmitSrc).Numkeys(n).Key(keys...).Arg(args...).Build())
	}
	return reply, acked, err
}

// queueFull is the error of a job refused by the bound on waiting jobs.
func queueFull(queue string, limit int64) error {
	return abaco.Errorf(abaco.CodeQueueFull, "the job queue %s holds %d waiting jobs, its bound; retry later", queue, limit)
}

// LoadJobs returns the records of ids with one MGET (they share the
// queue's slot, so it works on Cluster too).
func (b *Broker) LoadJobs(ctx context.Context, queue string, ids []string) ([][]byte, error) {
	out := make([][]byte, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = jobKey(queue, id)
	}
	rc := b.c.conn()
	vals, err := rc.Do(ctx, rc.B().Mget().Key(keys...).Build()).ToArray()
	if err != nil {
		return nil, brokerErr(ctx, "load jobs", err)
	}
	for i, v := range vals {
		if raw, err := v.AsBytes(); err == nil {
			out[i] = raw
		}
	}
	return out, nil
}

// FinishJobs writes the records and publishes their ids on the queue's
// done channel, in one DoMulti: one round trip for the batch.
func (b *Broker) FinishJobs(ctx context.Context, queue string, jobs []abaco.JobRecord) error {
	if len(jobs) == 0 {
		return nil
	}
	rc := b.c.conn()
	cmds := make(rueidis.Commands, 0, len(jobs)+1)
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		cmds = append(cmds, rc.B().Set().Key(jobKey(queue, j.ID)).Value(rueidis.BinaryString(j.Record)).Px(max(j.TTL, time.Millisecond)).Build())
		ids[i] = j.ID
	}
	cmds = append(cmds, rc.B().Publish().Channel(doneChannel(queue)).Message(strings.Join(ids, " ")).Build())
	for _, r := range rc.DoMulti(ctx, cmds...) {
		if err := r.Error(); err != nil {
			return brokerErr(ctx, "finish jobs", err)
		}
	}
	return nil
}

// WatchJobs subscribes to the queue's done channel, as Flushes.Listen
// does to the flush channel (see there for how rueidis carries it).
func (b *Broker) WatchJobs(ctx context.Context, queue string, subscribed func(), finished func(ids []string)) error {
	return listen(ctx, b.c.conn(), doneChannel(queue), "watch jobs", subscribed, func(m string) { finished(strings.Fields(m)) })
}

// jobCancelSrc removes a waiting job from the queue and, when it was
// there, stores its cancelled record and announces it, in one step.
//
// KEYS: queue, job record. ARGV: id, record, ttl ms, done channel.
const jobCancelSrc = `
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[1])
return 1
`

var jobCancelScript = rueidis.NewLuaScript(jobCancelSrc)

// CancelJob cancels a waiting job with one script.
func (b *Broker) CancelJob(ctx context.Context, queue, id string, record []byte, ttl time.Duration) (bool, error) {
	n, err := jobCancelScript.Exec(ctx, b.c.conn(), []string{queueKey(queue), jobKey(queue, id)},
		[]string{id, string(record), pxArg(ttl), doneChannel(queue)}).AsInt64()
	if err != nil {
		return false, brokerErr(ctx, "cancel job", err)
	}
	return n == 1, nil
}

// RecentJobs reads the index with one ZRANGE ... BYSCORE REV and the
// records with one MGET.
func (b *Broker) RecentJobs(ctx context.Context, queue string, before int64, limit int) ([]abaco.RecentJob, error) {
	if limit <= 0 {
		return nil, nil
	}
	start := "+inf"
	if before > 0 {
		start = "(" + strconv.FormatInt(before, 10)
	}
	rc := b.c.conn()
	zs, err := rc.Do(ctx, rc.B().Zrange().Key(recentKey(queue)).Min(start).Max("-inf").Byscore().Rev().
		Limit(0, int64(limit)).Withscores().Build()).AsZScores()
	if err != nil {
		return nil, brokerErr(ctx, "recent jobs", err)
	}
	ids := make([]string, len(zs))
	for i, z := range zs {
		ids[i] = z.Member
	}
	recs, err := b.LoadJobs(ctx, queue, ids)
	if err != nil {
		return nil, err
	}
	out := make([]abaco.RecentJob, len(zs))
	for i, z := range zs {
		out[i] = abaco.RecentJob{ID: z.Member, Score: int64(z.Score), Record: recs[i]}
	}
	return out, nil
}
