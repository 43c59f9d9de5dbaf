// Package benchredis holds what the bench programs share: a private
// redis-server for a run, and a quiet logger for asynq.
package benchredis

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"
)

// Start starts a private redis-server on a free port, persistence off.
func Start() (string, func(), error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "abaco-bench-redis")
	if err != nil {
		return "", nil, err
	}
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	stop := func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = os.RemoveAll(dir) }
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr, stop, nil
		}
		if i > 500 {
			stop()
			return "", nil, fmt.Errorf("redis-server on %s did not start", addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Quiet is an asynq logger that prints nothing, so that a benchmark's
// table is all its output.
type Quiet struct{}

// Debug, Info, Warn, Error and Fatal discard their arguments.
func (Quiet) Debug(...any) {}

// Info discards its arguments.
func (Quiet) Info(...any) {}

// Warn discards its arguments.
func (Quiet) Warn(...any) {}

// Error discards its arguments.
func (Quiet) Error(...any) {}

// Fatal discards its arguments.
func (Quiet) Fatal(...any) {}
