package abaco

import (
	"context"
	"time"
)

// Item is one message taken from a queue.
type Item struct {
	// Payload is the value exactly as the producer pushed it (for the
	// tutorial's queue, a number such as "42").
	Payload string
	// Attempts counts deliveries of this payload including this one: 1 on
	// the first delivery, more after failures or a crashed consumer.
	Attempts int
}

// ConsumerStats describes one consumer registered on a queue.
type ConsumerStats struct {
	// ID names the consumer (host-pid-random by default).
	ID string
	// Alive is false once the consumer's heartbeat has expired; its
	// in-flight items are returned to the queue by the next reaper run.
	Alive bool
	// InFlight is the length of the consumer's processing list.
	InFlight int64
	// OldestLease is the age of the consumer's oldest in-flight item as the
	// consumer last reported it with its heartbeat (so up to one heartbeat
	// interval stale); zero when idle. When the consumer reported no lease
	// but its processing list is not empty (items it took after its last
	// heartbeat, or items whose take reply it lost and has not reconciled
	// yet), the age is unknown and OldestUnknown is set instead.
	OldestLease time.Duration
	// OldestUnknown is true when InFlight > 0 but no lease age is known
	// (see OldestLease): the items are real, their age is not.
	OldestUnknown bool
}

// Redeliveries counts items delivered more than once, by cause, since the
// queue was created (the Redis broker keeps them in the queue's stats hash,
// so they survive consumers and restarts with persistence).
type Redeliveries struct {
	// ConsumerDied counts items a reaper returned to the queue because
	// their consumer's heartbeat had expired.
	ConsumerDied int64 `json:"consumer_died"`
	// LeaseLost counts items a consumer acknowledged or buried after they
	// had left its processing list (reaped while it was cut off, so
	// another consumer got them too). An acknowledgement retried after a
	// reply lost to a broken connection also counts here, since the first
	// try already removed the items.
	LeaseLost int64 `json:"lease_lost"`
	// HandlerError counts failed attempts recorded with Fail: the item is
	// retried (or dead-lettered once it has had its attempts).
	HandlerError int64 `json:"handler_error"`
}

// QueueStats is a snapshot of a queue.
type QueueStats struct {
	// Queue is the queue's name (the Redis list, e.g. number_queue).
	Queue string
	// Depth is the number of items waiting to be taken.
	Depth int64
	// InFlight is the total of the consumers' processing lists.
	InFlight int64
	// Dead is the number of dead letters.
	Dead int64
	// Consumers lists every registered consumer, sorted by ID.
	Consumers []ConsumerStats
	// OldestAge is the age of the oldest in-flight item across consumers.
	// Waiting items carry no timestamp (producers push plain values), so
	// their age cannot be known; this is the honest substitute.
	OldestAge time.Duration
	// OldestUnknown is true when some consumer has items in flight whose
	// age is unknown (ConsumerStats.OldestUnknown): OldestAge is then a
	// lower bound at best.
	OldestUnknown bool
	// Redelivered counts the queue's redeliveries by cause.
	Redelivered Redeliveries
}

// DeadLetter is an item that failed too often (or could never succeed) and
// was set aside with the reason.
type DeadLetter struct {
	// Payload is the item, unchanged.
	Payload string `json:"payload"`
	// Reason is the last failure's error text.
	Reason string `json:"reason"`
	// Attempts is how many deliveries the item had.
	Attempts int `json:"attempts"`
	// Consumer is the id of the consumer that gave up on it.
	Consumer string `json:"consumer"`
	// At is when it was dead-lettered.
	At time.Time `json:"at"`
}

// Broker is a reliable list queue: producers push plain values; consumers
// lease items into a processing list of their own and acknowledge them by
// removal, so an item held by a consumer that dies is returned to the head
// of the queue by any other consumer's reaper. The rdb package implements
// it on Redis, the inmem package in process; both pass the same contract
// suite (internal/brokertest).
//
// Queue names must not contain '{' or '}': the Redis broker keeps a
// queue's keys in the hash slot of its name. Unless stated otherwise,
// methods return errors wrapped from the backend (code internal at the
// edge) and, when the backend is unreachable, an error with code
// unavailable.
type Broker interface {
	// Push appends payloads to the tail of queue, in order (RPUSH).
	Push(ctx context.Context, queue string, payloads ...string) error

	// Take moves up to max items from the head of queue to the tail of
	// consumer's processing list and returns them in queue order. When the
	// queue is empty it blocks up to wait for one item (wait 0 means do not
	// block) and returns no items and no error when none came.
	Take(ctx context.Context, queue, consumer string, max int, wait time.Duration) ([]Item, error)

	// Ack removes payloads from consumer's processing list and forgets
	// their attempt counts, and returns how many it removed. Payloads no
	// longer there (reaped) are ignored and counted as lease lost in
	// Stats.Redelivered.
	Ack(ctx context.Context, queue, consumer string, payloads ...string) (int, error)

	// Fail records a failed attempt of payload, which stays leased by the
	// consumer for a retry, and returns its new attempt count. It counts
	// a handler-error redelivery in Stats.Redelivered.
	Fail(ctx context.Context, queue, payload string) (attempts int, err error)

	// Return moves payloads from consumer's processing list back to the
	// head of queue, in order, without counting an attempt; payloads no
	// longer there are ignored. A consumer calls it as its shutdown
	// begins, for the items it has taken but not started, so that other
	// consumers can take them while its running handlers finish their
	// grace period; Leave returns whatever remains at the end.
	Return(ctx context.Context, queue, consumer string, payloads ...string) error

	// Bury moves payload from consumer's processing list to the queue's
	// dead letters with the reason. It reports false (and buries nothing,
	// counting a lease lost) when the payload was no longer leased by
	// consumer.
	Bury(ctx context.Context, queue, consumer string, d DeadLetter) (bool, error)

	// Heartbeat registers consumer on queue and keeps it alive for ttl;
	// oldestLease is when its oldest in-flight item was taken (zero when
	// idle), published for Stats. It reports reaped true when a reaper
	// unregistered consumer since its previous heartbeat (its heartbeat
	// had expired): the items it held then were handed back to the queue,
	// so it must stop processing them. The Redis broker remembers a reap
	// for a day; a consumer cut off longer is not told.
	Heartbeat(ctx context.Context, queue, consumer string, ttl time.Duration, oldestLease time.Time) (reaped bool, err error)

	// Leave returns everything still in consumer's processing list to the
	// head of queue, in order, and unregisters the consumer. It returns
	// how many items were returned.
	Leave(ctx context.Context, queue, consumer string) (int, error)

	// Reap returns the in-flight items of every consumer whose heartbeat
	// expired to the head of queue, in order, counting an attempt for
	// each (and a consumer-died redelivery in Stats.Redelivered), and
	// unregisters those consumers, remembering that they were reaped for
	// their next Heartbeat. It returns how many items were redelivered.
	Reap(ctx context.Context, queue string) (int, error)

	// Stats returns a snapshot of queue.
	Stats(ctx context.Context, queue string) (QueueStats, error)

	// Leased returns consumer's processing list, oldest first (LRANGE).
	// A consumer compares it with the items it knows it holds, to return
	// those a take whose reply was lost leased without its knowing.
	Leased(ctx context.Context, queue, consumer string) ([]string, error)

	// Dead returns up to limit dead letters, oldest first (limit <= 0: all).
	Dead(ctx context.Context, queue string, limit int) ([]DeadLetter, error)

	// Requeue moves up to limit dead letters (limit <= 0: all), oldest
	// first, back to the tail of queue with fresh attempt counts, and
	// returns how many moved.
	Requeue(ctx context.Context, queue string, limit int) (int, error)

	// Purge deletes the waiting items and the dead letters of queue (not
	// the in-flight ones) and returns how many were deleted.
	Purge(ctx context.Context, queue string) (int64, error)

	// SaveJob stores an opaque job record under id for ttl, replacing any
	// previous record.
	SaveJob(ctx context.Context, queue, id string, record []byte, ttl time.Duration) error

	// LoadJob returns the job record stored under id, or an *Error with
	// code not_found when there is none (never saved or expired).
	LoadJob(ctx context.Context, queue, id string) ([]byte, error)

	// SubmitJobs stores the records of s.Jobs and appends their ids to the
	// tail of queue, in order, as one atomic step (in Redis one script:
	// one round trip for the whole batch). It stores nothing and returns
	// an *Error with code queue_full when the queue's waiting items plus
	// len(s.Jobs) would exceed s.Limit (a Limit of zero or less means no
	// bound); the bound then holds for every process sharing the queue.
	//
	// With s.IdemKey set, the submission is idempotent: the key is stored
	// with s.IdemValue for s.IdemTTL in the same step, and when the key is
	// already stored nothing is submitted and its stored value is returned
	// as prior (the caller compares it with what it would have stored).
	// With s.Recent above zero, each id is also added to the queue's
	// index of recent jobs (RecentJobs) at s.Score+i, which keeps about
	// the newest s.Recent ids (a broker may trim it only now and then).
	SubmitJobs(ctx context.Context, queue string, s JobSubmission) (prior string, err error)

	// LoadJobs returns the records stored under ids, in order, with nil
	// for an id that has none (never saved or expired); in Redis one MGET.
	LoadJobs(ctx context.Context, queue string, ids []string) ([][]byte, error)

	// FinishJobs stores the records of finished jobs, replacing the
	// previous ones, and announces their ids to every WatchJobs of queue,
	// in any process sharing the broker; in Redis one round trip for the
	// batch (the SETs and one PUBLISH).
	FinishJobs(ctx context.Context, queue string, jobs []JobRecord) error

	// WatchJobs calls finished with the ids of each batch of jobs that
	// FinishJobs announces on queue, until ctx ends (it returns ctx's
	// error) or the subscription fails. It calls subscribed each time the
	// subscription starts or starts again after a lost connection:
	// announcements made meanwhile are lost, so that is when a waiter
	// must read the records again. Both callbacks must not block or call
	// the broker.
	WatchJobs(ctx context.Context, queue string, subscribed func(), finished func(ids []string)) error

	// CancelJob removes id from the waiting items of queue and, when it
	// was there, replaces its record with record (the cancelled job) for
	// ttl, as one atomic step. It reports whether the job was waiting: a
	// job already taken by a consumer, or not queued at all, is left as
	// it is.
	CancelJob(ctx context.Context, queue, id string, record []byte, ttl time.Duration) (bool, error)

	// RecentJobs returns up to limit entries of the queue's index of
	// recent jobs, newest first, whose Score is below before (zero or
	// less: from the newest), each with its record (nil once expired).
	RecentJobs(ctx context.Context, queue string, before int64, limit int) ([]RecentJob, error)
}

// JobRecord is one job record written by a batch method of Broker.
type JobRecord struct {
	// ID is the job's id, which is also its queue payload.
	ID string
	// Record is the opaque record.
	Record []byte
	// TTL is how long the record is kept.
	TTL time.Duration
}

// JobSubmission is one call of Broker.SubmitJobs; see there.
type JobSubmission struct {
	// Jobs are stored, and their ids queued, in order.
	Jobs []JobRecord
	// Limit bounds the waiting items of the queue (zero or less: none).
	Limit int64
	// IdemKey, when not empty, makes the submission idempotent; IdemValue
	// is stored under it for IdemTTL.
	IdemKey, IdemValue string
	IdemTTL            time.Duration
	// Score places the jobs in the index of recent jobs: job i has score
	// Score+i. The job service makes scores from the time in unix
	// milliseconds times 1000, kept increasing within a process.
	Score int64
	// Recent is how many ids the index of recent jobs keeps; zero or less
	// means the ids are not indexed.
	Recent int64
}

// RecentJob is one entry of the index of recent jobs.
type RecentJob struct {
	// ID is the job's id.
	ID string
	// Score orders the index (see JobSubmission.Score). Two processes
	// submitting in the same millisecond can give jobs the same score.
	Score int64
	// Record is its record, nil once it expired.
	Record []byte
}
