// Package benchredis holds what the bench programs share: a private
// redis-server for a run, and a quiet logger for asynq.
package benchredis

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Start starts a private redis-server on a free port, persistence off.
// It returns its address, a function that stops it, and one that reports
// the CPU time it has used (which, unlike a rate, a busy machine does not
// distort).
func Start() (addr string, stop func(), cpu func() time.Duration, err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, nil, err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	dir, err := os.MkdirTemp("", "abaco-bench-redis")
	if err != nil {
		return "", nil, nil, err
	}
	cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", dir, "--logfile", filepath.Join(dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return "", nil, nil, err
	}
	addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	stop = func() { _ = cmd.Process.Kill(); _ = cmd.Wait(); _ = os.RemoveAll(dir) }
	cpu = func() time.Duration { return ProcessCPU(cmd.Process.Pid) }
	for i := 0; ; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return addr, stop, cpu, nil
		}
		if i > 500 {
			stop()
			return "", nil, nil, fmt.Errorf("redis-server on %s did not start", addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ProcessCPU returns the user and system CPU time process pid has used,
// from /proc (Linux), or 0 when it cannot be read.
func ProcessCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: count the
	// fields after it. utime and stime are fields 14 and 15, in clock
	// ticks of 1/100 s (USER_HZ on every Linux this runs on).
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
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
