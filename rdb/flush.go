package rdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/redis/rueidis"
)

// Flushes is the cache's flush signal in Redis: a generation at
// generationKey that every flush advances, and the channel flushChannel on
// which the flushing process publishes the new generation, so that every
// process sharing the Redis drops its in-process tier (see keys.go). It
// implements cache.Flushes and is safe for concurrent use.
type Flushes struct {
	c *Client
}

// NewFlushes returns the flush signal over c. Closing c is the caller's job.
func NewFlushes(c *Client) *Flushes { return &Flushes{c: c} }

// generationScript returns the generation at KEYS[1], advanced by one
// first when ARGV[2] is "incr". A missing generation is first set to
// ARGV[1], a random number: a Redis that lost its data then starts a
// generation that none of its readers has seen, where INCR alone would
// count 1, 2, ... again and could meet a generation a reader remembers.
// One script, so that two readers of a missing key agree on one value.
//
// KEYS: generation. ARGV: random start, "incr" or "get".
var generationScript = rueidis.NewLuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SET', KEYS[1], ARGV[1])
end
if ARGV[2] == 'incr' then
  redis.call('INCR', KEYS[1])
end
return redis.call('GET', KEYS[1])
`)

// generation runs generationScript with op "incr" or "get".
func (f *Flushes) generation(ctx context.Context, op string) (string, error) {
	// Below 2^62, so that INCR has room to count for ever.
	start := strconv.FormatInt(rand.Int64N(1<<62), 10)
	g, err := generationScript.Exec(ctx, f.c.conn(), []string{generationKey}, []string{start, op}).ToString()
	if err != nil {
		return "", fmt.Errorf("rdb: flush generation %s: %w", op, err)
	}
	return g, nil
}

// Generation returns the current generation, starting a new random one
// when there is none.
func (f *Flushes) Generation(ctx context.Context) (string, error) {
	return f.generation(ctx, "get")
}

// Advance starts the next generation, after a flush, and returns it.
func (f *Flushes) Advance(ctx context.Context) (string, error) {
	return f.generation(ctx, "incr")
}

// Announce publishes generation on the flush channel.
func (f *Flushes) Announce(ctx context.Context, generation string) error {
	rc := f.c.conn()
	if err := rc.Do(ctx, rc.B().Publish().Channel(flushChannel).Message(generation).Build()).Error(); err != nil {
		return fmt.Errorf("rdb: flush announce: %w", err)
	}
	return nil
}

// Listen subscribes to the flush channel and calls announced with each
// generation published there, until ctx ends (it returns ctx's error) or
// the subscription fails. It calls subscribed each time Redis confirms the
// subscription: rueidis subscribes again by itself after a lost
// connection, and what was published meanwhile is lost, so that is when
// to read the generation. rueidis carries the subscription over RESP3 on
// a connection that other commands share, and both callbacks run on its
// reading goroutine: they must not block or call Redis.
func (f *Flushes) Listen(ctx context.Context, subscribed func(), announced func(generation string)) error {
	return listen(ctx, f.c.conn(), flushChannel, "flush listen", subscribed, announced)
}

// listen subscribes to channel and calls message with each message, as
// Flushes.Listen documents, for both of abaco's channels.
func listen(ctx context.Context, rc rueidis.Client, channel, op string, subscribed func(), message func(string)) error {
	hooked := rueidis.WithOnSubscriptionHook(ctx, func(s rueidis.PubSubSubscription) {
		if s.Kind == "subscribe" {
			subscribed()
		}
	})
	err := rc.Receive(hooked, rc.B().Subscribe().Channel(channel).Build(), func(m rueidis.PubSubMessage) {
		message(m.Message)
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if err == nil {
		// Receive ends without an error when the channel is unsubscribed,
		// which only a hand-run CLIENT KILL or a proxy could do here.
		err = fmt.Errorf("unsubscribed")
	}
	return fmt.Errorf("rdb: %s: %w", op, err)
}
