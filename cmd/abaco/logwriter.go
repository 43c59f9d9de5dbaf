package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// bufferedLog batches log lines for `abaco serve`: with a line per request,
// one write system call per line costs a visible share of the request rate
// (see the HTTP API load section of docs/benchmarks.md). Lines are written
// at least every flush interval, when the buffer fills, and on Close; a
// process killed with SIGKILL loses at most one interval of lines.
type bufferedLog struct {
	mu   sync.Mutex
	w    *bufio.Writer
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func newBufferedLog(w io.Writer, every time.Duration) *bufferedLog {
	b := &bufferedLog{w: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go b.loop(every)
	return b
}

// Write buffers p, one whole log line (slog's handlers write each record
// with one call).
func (b *bufferedLog) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Write(p)
}

func (b *bufferedLog) flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.w.Flush()
}

func (b *bufferedLog) loop(every time.Duration) {
	defer close(b.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			b.flush()
		case <-b.stop:
			return
		}
	}
}

// Close stops the flusher and writes what is buffered. It is safe to call
// twice.
func (b *bufferedLog) Close() error {
	b.once.Do(func() { close(b.stop); <-b.done })
	return b.flush()
}
