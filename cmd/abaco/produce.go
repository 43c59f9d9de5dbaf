package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"abaco/queue"
	"abaco/rdb"
)

func runProduce(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "produce", "abaco produce [flags] [value | FROM..TO ...]",
		`Pushes values onto a Redis list with RPUSH, the way the tutorial's produtor.py
does: each value is stored exactly as given ("42"), so any plain client
(redis-cli, redis-py's BLPOP) reads them, and "abaco consume" takes them
reliably. Values come from the arguments - a range FROM..TO (inclusive, either
direction) expands to its integers - or, with no arguments, one per line from
stdin (empty lines are skipped). Values travel in batches of --batch per RPUSH
and a summary line is printed at the end.

produce and consume need Redis (REDIS_URL or --redis-url): the embedded broker
lives inside one process and cannot be shared between two commands.

Examples:
  export REDIS_URL=redis://127.0.0.1:6379
  abaco produce 1..100
  abaco produce 7 42 "2**10"
  seq 1 1000000 | abaco produce --queue numbers`)
	var q, url, queueRedisURL string
	var batch int
	var wait time.Duration
	stringVar(fs, env, &q, "queue", "ABACO_QUEUE", queue.DefaultQueue, "the Redis list to push onto")
	redisURLVar(fs, env, &url, "required unless --queue-redis-url is set")
	queueRedisURLVar(fs, env, &queueRedisURL)
	connectTimeoutVar(fs, env, &wait)
	intVar(fs, env, &batch, "batch", "ABACO_PRODUCE_BATCH", 1000, "values per RPUSH")
	var durability rdb.Durability
	durabilityVars(fs, env, &durability, "durability", "ABACO_PRODUCE_DURABILITY", "each RPUSH")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	values := positionals(fs, args, nil)
	if batch < 1 {
		return usageErrorf("--batch must be at least 1")
	}
	if err := checkQueueName(q); err != nil {
		return err
	}
	if err := checkDurability(durability, "durability", queueURL(url, queueRedisURL)); err != nil {
		return err
	}
	if slices.Contains(values, "") {
		return usageErrorf("empty value")
	}
	c, err := openRedis("produce", queueURL(url, queueRedisURL), wait)
	if err != nil {
		return err
	}
	defer c.Close()
	rdb.NewPolicyWatch(c, slog.New(slog.NewTextHandler(env.Stderr, nil)), nil).Start(ctx)
	b := rdb.NewBroker(c).WithDurability(durability)

	start := time.Now()
	buf := make([]string, 0, batch)
	var n int
	flush := func() error {
		if len(buf) == 0 {
			return nil
		}
		if err := b.Push(ctx, q, buf...); err != nil {
			return err
		}
		n += len(buf)
		buf = buf[:0]
		return nil
	}
	emit := func(v string) error {
		buf = append(buf, v)
		if len(buf) == cap(buf) {
			return flush()
		}
		return nil
	}
	if len(values) > 0 {
		for _, a := range values {
			if err := expand(a, emit); err != nil {
				return err
			}
		}
	} else {
		err = eachLine(ctx, env.Stdin, func(line string) error {
			if line = strings.TrimSpace(line); line == "" {
				return nil
			}
			return emit(line)
		})
		if err != nil {
			return err
		}
	}
	if err := flush(); err != nil {
		return err
	}
	d := time.Since(start)
	fmt.Fprintf(env.Stdout, "produced %d items onto %s in %s (%.0f items/s)\n",
		n, q, d.Round(time.Microsecond), float64(n)/max(d.Seconds(), 1e-9))
	return nil
}

// expand calls emit with a's values: the integers of a range FROM..TO
// (inclusive, counting down when TO < FROM) or a itself.
func expand(a string, emit func(string) error) error {
	from, to, ok := strings.Cut(a, "..")
	if !ok {
		return emit(a)
	}
	lo, err1 := strconv.ParseInt(from, 10, 64)
	hi, err2 := strconv.ParseInt(to, 10, 64)
	if err1 != nil || err2 != nil {
		return emit(a) // not a range of integers: a value like "1..2" is pushed as is
	}
	step := int64(1)
	if hi < lo {
		step = -1
	}
	for i := lo; ; i += step {
		if err := emit(strconv.FormatInt(i, 10)); err != nil {
			return err
		}
		if i == hi {
			return nil
		}
	}
}
