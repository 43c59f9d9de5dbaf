package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"abaco"
	"abaco/queue"
	"abaco/rdb"
)

// queueCommand is one subcommand of "abaco queue", run on the broker
// for queue q once the flags are parsed and Redis is open.
type queueCommand func(ctx context.Context, env *Env, b *rdb.Broker, q string, f queueFlags) error

// queueFlags are the flags of "abaco queue", each for some subcommands.
type queueFlags struct {
	url   string
	qurl  string // --queue-redis-url: the queue's Redis when apart from url's
	limit int
	yes   bool
	json  bool
}

func queueCommands() map[string]queueCommand {
	return map[string]queueCommand{
		"stats": queueStatsCmd, "dead": queueDead, "requeue": queueRequeue, "purge": queuePurge,
	}
}

func runQueue(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "queue", "abaco queue stats|dead|requeue|purge [flags] [NAME]",
		`Inspects and repairs a queue in Redis: NAME or --queue (as for produce and
consume), else $ABACO_QUEUE, else number_queue.

  stats    depth, dead letters, in-flight items per consumer (alive or not) and the
           age of the oldest in-flight item; "stalled" when items wait and no live
           consumer takes them (for abaco_jobs: no worker runs). Waiting items are plain values without
           a timestamp, so "oldest" is the oldest lease, as consumers report it with
           their heartbeat (up to one heartbeat stale); "?" when items are in flight
           whose age no heartbeat reported (taken since the last one, or held by a
           dead consumer). "redelivery" counts items delivered more than once, by
           cause: consumer died (reaped), lease lost (finished by a consumer after
           a reaper had handed it back), handler error (retried). --json prints
           the same as one JSON object.
  dead     lists dead letters with the reason, attempts, consumer and time
           (--limit N, 0 = all); --json prints them as one JSON object.
  requeue  moves dead letters back to the tail of the queue (--limit N, 0 = all)
           with fresh attempt counts.
  purge    deletes the waiting items and the dead letters (not in-flight ones);
           needs --yes.

Examples:
  abaco queue stats
  abaco queue dead --limit 10 --queue abaco_jobs
  abaco queue requeue number_queue
  abaco queue purge number_queue --yes`)
	var f queueFlags
	redisURLVar(fs, env, &f.url, "required unless --queue-redis-url is set")
	queueRedisURLVar(fs, env, &f.qurl)
	var wait time.Duration
	connectTimeoutVar(fs, env, &wait)
	var q string
	stringVar(fs, env, &q, "queue", "ABACO_QUEUE", queue.DefaultQueue, "the queue, when no NAME argument names it")
	intVar(fs, env, &f.limit, "limit", "ABACO_LIMIT", 0, "dead, requeue: at most this many dead letters (0 = all)")
	// An environment variable that answers yes would purge without asking.
	fs.BoolVar(&f.yes, "yes", false, "purge: really delete (no environment fallback: the command line must say it)")
	boolVar(fs, env, &f.json, "json", "ABACO_JSON", false, "stats, dead: print one JSON document")
	if len(args) == 0 {
		fs.Usage()
		return errUsage
	}
	sub := args[0]
	if sub == "-h" || sub == "--help" {
		return parseFlags(fs, args)
	}
	// Flags may come before or after the queue name.
	var names []string
	for rest := args[1:]; ; {
		if err := parseFlags(fs, rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		names = append(names, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	switch len(names) {
	case 0:
	case 1:
		if flagSet(fs, "queue") && q != names[0] {
			return usageErrorf("--queue %q and NAME %q name different queues", q, names[0])
		}
		q = names[0]
	default:
		return usageErrorf("one queue name at most, got %q", names)
	}
	if err := checkQueueName(q); err != nil {
		return err
	}
	cmd, ok := queueCommands()[sub]
	if !ok {
		return usageErrorf("unknown subcommand %q (want stats, dead, requeue or purge)", sub)
	}
	if sub == "purge" && !f.yes {
		return usageError{cmd: "queue purge", msg: "this deletes every waiting item and dead letter of " + q + "; add --yes"}
	}
	c, err := openRedis("queue", queueURL(f.url, f.qurl), wait)
	if err != nil {
		return err
	}
	defer c.Close()
	return cmd(ctx, env, rdb.NewBroker(c), q, f)
}

// flagSet reports whether the command line set flag name.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// queueStatsCmd prints the queue's counts and its consumers.
func queueStatsCmd(ctx context.Context, env *Env, b *rdb.Broker, q string, f queueFlags) error {
	s, err := b.Stats(ctx, q)
	if err != nil {
		return err
	}
	if f.json {
		return writeJSON(env, newStatsJSON(s))
	}
	r := s.Redelivered
	fmt.Fprintf(env.Stdout, "queue      %s\ndepth      %d\nin flight  %d\ndead       %d\noldest     %s\n"+
		"redelivery consumer died %d, lease lost %d, handler error %d\nconsumers  %d (%d alive)\n",
		oneLine(s.Queue), s.Depth, s.InFlight, s.Dead, age(s.OldestAge, s.OldestUnknown),
		r.ConsumerDied, r.LeaseLost, r.HandlerError, len(s.Consumers), alive(s))
	if stalled(s) {
		fmt.Fprintf(env.Stdout, "stalled    %d items wait and no live consumer takes them: start abaco consume "+
			"(or abaco worker, or abaco serve, for the job queue)\n", s.Depth)
	}
	if len(s.Consumers) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nCONSUMER\tALIVE\tIN FLIGHT\tOLDEST")
	for _, cs := range s.Consumers {
		fmt.Fprintf(tw, "%s\t%v\t%d\t%s\n", oneLine(cs.ID), cs.Alive, cs.InFlight, age(cs.OldestLease, cs.OldestUnknown))
	}
	return tw.Flush()
}

// statsJSON is the shape of "abaco queue stats --json", which scripts
// read: its names change only with a new name beside the old one. Ages are
// in milliseconds; oldest_lease_ms is null when nothing is in flight or no
// age is known, and oldest_unknown says whether some in-flight item's age
// is unknown (see abaco.ConsumerStats).
type statsJSON struct {
	Queue         string           `json:"queue"`
	Depth         int64            `json:"depth"`
	InFlight      int64            `json:"in_flight"`
	Dead          int64            `json:"dead"`
	OldestLeaseMs *int64           `json:"oldest_lease_ms"`
	OldestUnknown bool             `json:"oldest_unknown"`
	Redelivered   redeliveriesJSON `json:"redelivered"`
	// LiveConsumers counts the consumers whose heartbeat has not expired,
	// and Stalled says items wait with none of them to take them.
	LiveConsumers int            `json:"live_consumers"`
	Stalled       bool           `json:"stalled"`
	Consumers     []consumerJSON `json:"consumers"`
}

// alive counts the live consumers of s.
func alive(s abaco.QueueStats) int {
	n := 0
	for _, c := range s.Consumers {
		if c.Alive {
			n++
		}
	}
	return n
}

// stalled reports whether items wait in s with no live consumer to take
// them: the state of a job queue with no worker running.
func stalled(s abaco.QueueStats) bool { return s.Depth > 0 && alive(s) == 0 }

// redeliveriesJSON is abaco.Redeliveries in statsJSON, defined here so
// that the output keeps its names whatever the domain type's become.
type redeliveriesJSON struct {
	ConsumerDied int64 `json:"consumer_died"`
	LeaseLost    int64 `json:"lease_lost"`
	HandlerError int64 `json:"handler_error"`
}

type consumerJSON struct {
	ID            string `json:"id"`
	Alive         bool   `json:"alive"`
	InFlight      int64  `json:"in_flight"`
	OldestLeaseMs *int64 `json:"oldest_lease_ms"`
	OldestUnknown bool   `json:"oldest_unknown"`
}

func newStatsJSON(s abaco.QueueStats) statsJSON {
	out := statsJSON{Queue: s.Queue, Depth: s.Depth, InFlight: s.InFlight, Dead: s.Dead,
		OldestLeaseMs: millis(s.OldestAge), OldestUnknown: s.OldestUnknown,
		Redelivered: redeliveriesJSON(s.Redelivered), LiveConsumers: alive(s), Stalled: stalled(s),
		Consumers: []consumerJSON{}}
	for _, c := range s.Consumers {
		out.Consumers = append(out.Consumers, consumerJSON{ID: c.ID, Alive: c.Alive, InFlight: c.InFlight,
			OldestLeaseMs: millis(c.OldestLease), OldestUnknown: c.OldestUnknown})
	}
	return out
}

// millis returns d in milliseconds, or nil when d is not positive.
func millis(d time.Duration) *int64 {
	if d <= 0 {
		return nil
	}
	ms := d.Milliseconds()
	return &ms
}

// queueDead lists the dead letters, at most --limit of them.
func queueDead(ctx context.Context, env *Env, b *rdb.Broker, q string, f queueFlags) error {
	dead, err := b.Dead(ctx, q, f.limit)
	if err != nil {
		return err
	}
	if f.json {
		out := deadJSON{Queue: q, DeadLetters: []deadLetterJSON{}}
		for _, d := range dead {
			out.DeadLetters = append(out.DeadLetters, deadLetterJSON{At: d.At.UTC(), Payload: d.Payload,
				Attempts: d.Attempts, Consumer: d.Consumer, Reason: d.Reason})
		}
		return writeJSON(env, out)
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "AT\tPAYLOAD\tATTEMPTS\tCONSUMER\tREASON")
	for _, d := range dead {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", d.At.UTC().Format(time.RFC3339), oneLine(d.Payload), d.Attempts, oneLine(d.Consumer), oneLine(d.Reason))
	}
	return tw.Flush()
}

// deadJSON is the shape of "abaco queue dead --json", stable as
// statsJSON is: the dead letters, oldest first, at most --limit of them.
type deadJSON struct {
	Queue       string           `json:"queue"`
	DeadLetters []deadLetterJSON `json:"dead_letters"`
}

// deadLetterJSON is one abaco.DeadLetter; at is RFC 3339 in UTC.
type deadLetterJSON struct {
	At       time.Time `json:"at"`
	Payload  string    `json:"payload"`
	Attempts int       `json:"attempts"`
	Consumer string    `json:"consumer"`
	Reason   string    `json:"reason"`
}

// writeJSON prints v as one indented JSON document.
func writeJSON(env *Env, v any) error {
	enc := json.NewEncoder(env.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// queueRequeue moves at most --limit dead letters back onto the queue.
func queueRequeue(ctx context.Context, env *Env, b *rdb.Broker, q string, f queueFlags) error {
	n, err := b.Requeue(ctx, q, f.limit)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "requeued %d dead letters onto %s\n", n, q)
	return nil
}

// queuePurge deletes the waiting items and the dead letters.
func queuePurge(ctx context.Context, env *Env, b *rdb.Broker, q string, _ queueFlags) error {
	n, err := b.Purge(ctx, q)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "purged %d items (waiting and dead) from %s\n", n, q)
	return nil
}

// age formats an oldest-lease age: "-" when nothing is in flight, "?"
// when items are in flight but no age is known, and a trailing "+?" when
// the known age may not be the oldest.
func age(d time.Duration, unknown bool) string {
	switch {
	case d <= 0 && unknown:
		return "?"
	case d <= 0:
		return "-"
	case unknown:
		return d.Round(time.Millisecond).String() + "+?"
	}
	return d.Round(time.Millisecond).String()
}
