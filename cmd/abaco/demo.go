package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"abaco"
	"abaco/cache"
	"abaco/expr"
	"abaco/rdb"
)

const demoHelp = `Runs the tutorial's demos through abaco's own layers. There is one:

  abaco demo cache

the tutorial's cache.py. A slow computation, calculo_demorado(10), which
takes --delay and returns 10*2, is asked for twice through the same
cache-aside path every evaluation takes (in-process tier, then Redis when
configured, single flight). The first call computes it and caches the
result for --ttl; the second is answered by the cache:

  Calculando resultado
  20
  Resultado obtido do cache
  20

With REDIS_URL (or --redis-url) set the entry also goes to Redis, where
another run within the TTL finds it, and redis-cli shows it:

  redis-cli get  'abaco:v1:eval:demo:calculo_demorado(10)'    "20"
  redis-cli pttl 'abaco:v1:eval:demo:calculo_demorado(10)'    (ms left)

Examples:
  abaco demo cache
  abaco demo cache --delay 1s --ttl 3s
  REDIS_URL=redis://localhost:6379 abaco demo cache`

// demoParam is the argument the tutorial passes to calculo_demorado.
const demoParam = 10

// demoRedisTimeout bounds each Redis operation of the demo. serve's 75 ms
// (cache.DefaultSharedTimeout) keeps a slow Redis out of request latency;
// the demo's single lookup, on a connection just opened and maybe on a
// loaded machine, would then miss an entry that is there and compute it
// again, which is the one thing the demo is meant to show not happening.
const demoRedisTimeout = time.Second

// runDemo is "abaco demo": the tutorial's demos through the cache layer.
func runDemo(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "demo", "abaco demo cache [flags]", demoHelp)
	var delay, ttl, wait time.Duration
	var redisURL string
	durationVar(fs, env, &delay, "delay", "ABACO_DEMO_DELAY", 5*time.Second, "how long the slow computation takes")
	durationVar(fs, env, &ttl, "ttl", "ABACO_CACHE_TTL", cache.DefaultTTL, "how long its result stays cached")
	redisURLVar(fs, env, &redisURL, "empty means the embedded cache")
	connectTimeoutVar(fs, env, &wait)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	// Flags may come before or after the demo's name.
	rest := fs.Args()
	if len(rest) > 0 && rest[0] == "cache" {
		if err := parseFlags(fs, rest[1:]); err != nil {
			return err
		}
		rest = append([]string{"cache"}, fs.Args()...)
	}
	switch {
	case len(rest) != 1 || rest[0] != "cache":
		return usageErrorf("want exactly one demo name, \"cache\"; got %q", rest)
	case ttl <= 0 || delay < 0:
		return usageErrorf("--ttl must be positive and --delay not negative")
	}

	o := cache.Options{TTL: ttl, SharedTimeout: demoRedisTimeout,
		Logger: slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if redisURL != "" {
		client, err := openRedis("demo", redisURL, wait)
		if err != nil {
			return err
		}
		defer client.Close()
		o.Shared = rdb.NewStore(client)
	}
	c := cache.New(expr.New(expr.Limits{}), o)
	defer c.Close()
	for range 2 {
		r, err := getResultado(ctx, env, c, demoParam, delay)
		if err != nil {
			return err
		}
		fmt.Fprintln(env.Stdout, r)
	}
	return nil
}

// getResultado is cache.py's get_resultado: the cached result of
// calculo_demorado(param), computed on a miss.
func getResultado(ctx context.Context, env *Env, c *cache.Cache, param int, delay time.Duration) (string, error) {
	key := fmt.Sprintf("calculo_demorado(%d)", param)
	e, src, err := c.GetOrCompute(ctx, "demo", key, func(ctx context.Context) (cache.Entry, error) {
		fmt.Fprintln(env.Stdout, "Calculando resultado")
		return calculoDemorado(ctx, param, delay)
	})
	if err != nil {
		return "", err
	}
	if src.Cache == abaco.CacheHit {
		fmt.Fprintln(env.Stdout, "Resultado obtido do cache")
	}
	return e.Value, nil
}

// calculoDemorado is cache.py's calculo_demorado: a costly operation,
// simulated by waiting delay, that doubles param.
func calculoDemorado(ctx context.Context, param int, delay time.Duration) (cache.Entry, error) {
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return cache.Entry{}, ctx.Err()
	case <-t.C:
	}
	return cache.Entry{Value: strconv.Itoa(param * 2), Kind: abaco.KindInt}, nil
}
