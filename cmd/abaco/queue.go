package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"abaco/rdb"
)

// openRedis connects to the Redis the queue commands need; they have no
// embedded fallback, because the embedded broker lives inside one process.
func openRedis(env *Env, cmd, url string) (*rdb.Client, error) {
	if url == "" {
		fmt.Fprintf(env.Stderr, "abaco %s: needs Redis: set REDIS_URL or --redis-url (e.g. redis://127.0.0.1:6379, the tutorial's server)\n", cmd)
		return nil, errUsage
	}
	c, err := rdb.Open(url, rdb.Options{ClientName: "abaco-" + cmd})
	if err != nil {
		return nil, fmt.Errorf("redis at %s: %w", redactURL(url), err)
	}
	if err := c.Ping(context.Background()); err != nil {
		c.Close()
		return nil, fmt.Errorf("redis at %s: %w", redactURL(url), err)
	}
	return c, nil
}

// checkQueueName rejects names the Redis broker cannot keep in one slot.
func checkQueueName(env *Env, cmd, q string) error {
	if q == "" || strings.ContainsAny(q, "{}") {
		fmt.Fprintf(env.Stderr, "abaco %s: bad queue name %q: it must be non-empty, without braces\n", cmd, q)
		return errUsage
	}
	return nil
}

func runQueue(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "queue", "abaco queue stats|dead|requeue|purge [flags] [NAME]",
		`Inspects and repairs a queue in Redis: NAME, else $ABACO_QUEUE, else number_queue.

  stats    depth, dead letters, in-flight items per consumer (alive or not) and the
           age of the oldest in-flight item. Waiting items are plain values without
           a timestamp, so "oldest" is the oldest lease, as consumers report it with
           their heartbeat (up to one heartbeat stale).
  dead     lists dead letters with the reason, attempts, consumer and time.
  requeue  moves dead letters back to the tail of the queue (--limit N, 0 = all)
           with fresh attempt counts.
  purge    deletes the waiting items and the dead letters (not in-flight ones);
           needs --yes.

Examples:
  abaco queue stats
  abaco queue dead --limit 10 abaco_jobs
  abaco queue requeue number_queue
  abaco queue purge number_queue --yes`)
	url := redisURLFlag(fs, env, "required")
	limit := fs.Int("limit", 0, "dead, requeue: at most this many dead letters (0 = all)")
	yes := fs.Bool("yes", false, "purge: really delete")
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
	q := envOr(env, "ABACO_QUEUE", "number_queue")
	switch len(names) {
	case 0:
	case 1:
		q = names[0]
	default:
		fmt.Fprintf(env.Stderr, "abaco queue: one queue name at most, got %q\n", names)
		return errUsage
	}
	if err := checkQueueName(env, "queue", q); err != nil {
		return err
	}
	switch sub {
	case "stats", "dead", "requeue", "purge":
	default:
		fmt.Fprintf(env.Stderr, "abaco queue: unknown subcommand %q (want stats, dead, requeue or purge)\n", sub)
		return errUsage
	}
	if sub == "purge" && !*yes {
		fmt.Fprintf(env.Stderr, "abaco queue purge: this deletes every waiting item and dead letter of %s; add --yes\n", q)
		return errUsage
	}
	c, err := openRedis(env, "queue", *url)
	if err != nil {
		return err
	}
	defer c.Close()
	b := rdb.NewBroker(c)
	switch sub {
	case "stats":
		s, err := b.Stats(ctx, q)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "queue      %s\ndepth      %d\nin flight  %d\ndead       %d\noldest     %s\nconsumers  %d\n",
			s.Queue, s.Depth, s.InFlight, s.Dead, age(s.OldestAge), len(s.Consumers))
		if len(s.Consumers) > 0 {
			tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "\nCONSUMER\tALIVE\tIN FLIGHT\tOLDEST")
			for _, cs := range s.Consumers {
				fmt.Fprintf(tw, "%s\t%v\t%d\t%s\n", cs.ID, cs.Alive, cs.InFlight, age(cs.OldestLease))
			}
			tw.Flush()
		}
	case "dead":
		dead, err := b.Dead(ctx, q, *limit)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "AT\tPAYLOAD\tATTEMPTS\tCONSUMER\tREASON")
		for _, d := range dead {
			fmt.Fprintf(tw, "%s\t%q\t%d\t%s\t%s\n", d.At.UTC().Format(time.RFC3339), d.Payload, d.Attempts, d.Consumer, d.Reason)
		}
		tw.Flush()
	case "requeue":
		n, err := b.Requeue(ctx, q, *limit)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "requeued %d dead letters onto %s\n", n, q)
	case "purge":
		n, err := b.Purge(ctx, q)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "purged %d items (waiting and dead) from %s\n", n, q)
	}
	return nil
}

func age(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return d.Round(time.Millisecond).String()
}
