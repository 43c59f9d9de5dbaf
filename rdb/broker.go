package rdb

import (
	"context"
	"errors"
	"time"

	"abaco"
)

// Broker is the Redis abaco.Broker (see broker_scripts.go for the Lua).
type Broker struct {
	c *Client
}

var _ abaco.Broker = (*Broker)(nil)

// NewBroker returns a queue broker over c.
func NewBroker(c *Client) *Broker { return &Broker{c: c} }

var errTODO = errors.New("rdb: broker: not implemented yet")

// Push appends payloads to the tail of queue.
func (b *Broker) Push(ctx context.Context, queue string, payloads ...string) error { return errTODO }

// Take leases up to max items.
func (b *Broker) Take(ctx context.Context, queue, consumer string, max int, wait time.Duration) ([]abaco.Item, error) {
	return nil, errTODO
}

// Ack removes payloads from consumer's processing list.
func (b *Broker) Ack(ctx context.Context, queue, consumer string, payloads ...string) error {
	return errTODO
}

// Fail counts a failed attempt.
func (b *Broker) Fail(ctx context.Context, queue, payload string) (int, error) { return 0, errTODO }

// Return moves payloads back to the head of queue.
func (b *Broker) Return(ctx context.Context, queue, consumer string, payloads ...string) error {
	return errTODO
}

// Bury dead-letters a payload.
func (b *Broker) Bury(ctx context.Context, queue, consumer string, d abaco.DeadLetter) (bool, error) {
	return false, errTODO
}

// Heartbeat keeps consumer alive.
func (b *Broker) Heartbeat(ctx context.Context, queue, consumer string, ttl time.Duration, oldest time.Time) error {
	return errTODO
}

// Leave unregisters consumer.
func (b *Broker) Leave(ctx context.Context, queue, consumer string) (int, error) { return 0, errTODO }

// Reap redelivers dead consumers' items.
func (b *Broker) Reap(ctx context.Context, queue string) (int, error) { return 0, errTODO }

// Stats returns a snapshot.
func (b *Broker) Stats(ctx context.Context, queue string) (abaco.QueueStats, error) {
	return abaco.QueueStats{}, errTODO
}

// Dead lists dead letters.
func (b *Broker) Dead(ctx context.Context, queue string, limit int) ([]abaco.DeadLetter, error) {
	return nil, errTODO
}

// Requeue moves dead letters back.
func (b *Broker) Requeue(ctx context.Context, queue string, limit int) (int, error) { return 0, errTODO }

// Purge deletes waiting items and dead letters.
func (b *Broker) Purge(ctx context.Context, queue string) (int64, error) { return 0, errTODO }

// SaveJob stores a job record.
func (b *Broker) SaveJob(ctx context.Context, queue, id string, record []byte, ttl time.Duration) error {
	return errTODO
}

// LoadJob loads a job record.
func (b *Broker) LoadJob(ctx context.Context, queue, id string) ([]byte, error) { return nil, errTODO }
