package redistest

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// StartReplicated starts a master and one replica of it for t, and returns
// once the replica acknowledges a write to the master (a WAIT after a SET
// on one connection returns 1): the master counts a replica online a while
// before its acknowledgements flow, and a test of a durability barrier
// needs them flowing.
func StartReplicated(t testing.TB) (master, replica *Server) {
	t.Helper()
	// The master sends its first snapshot at once rather than after the
	// default 5s wait for more replicas to share it.
	master = Start(t, "--repl-diskless-sync-delay", "0")
	_, port, _ := strings.Cut(master.Addr, ":")
	replica = Start(t, "--replicaof", "127.0.0.1", port)
	waitFor(t, 10*time.Second, 5*time.Millisecond, "the replica on "+replica.Addr+" to acknowledge a write", func() (bool, string) {
		n, err := master.writeAndWait()
		return err == nil && n == "1", fmt.Sprintf("WAIT answered %q, %v", n, err)
	})
	return master, replica
}

// writeAndWait sends a SET and a WAIT for one replica (50ms) on one
// connection, since WAIT counts its own connection's writes, and returns
// WAIT's reply.
func (s *Server) writeAndWait() (string, error) {
	conn, err := net.DialTimeout("tcp", s.Addr, time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := conn.Write([]byte(encode("SET", "redistest:replicated", "1") + encode("WAIT", "1", "50"))); err != nil {
		return "", err
	}
	r := bufio.NewReader(conn)
	if _, err := readReply(r); err != nil {
		return "", err
	}
	return readReply(r)
}

// Pause stops the server with SIGSTOP until resume is called or the test
// ends. Its connections stay open, so a master still counts a paused
// replica as connected, but it answers and acknowledges nothing.
func (s *Server) Pause() (resume func()) {
	s.t.Helper()
	p := s.cmd.Process
	if err := p.Signal(syscall.SIGSTOP); err != nil {
		s.t.Fatalf("redistest: SIGSTOP %s: %v", s.Addr, err)
	}
	var once sync.Once
	resume = func() { once.Do(func() { _ = p.Signal(syscall.SIGCONT) }) }
	s.t.Cleanup(resume)
	return resume
}
