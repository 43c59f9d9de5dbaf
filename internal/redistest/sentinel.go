package redistest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// MasterName is the name the sentinels of a Sentinels watch the master
// under.
const MasterName = "mymaster"

// Sentinels is a private Redis Sentinel deployment: a master, one replica
// and three sentinels (redis-server --sentinel, each with its config file
// in its own temporary directory), all on 127.0.0.1 with free ports. The
// sentinels announce 127.0.0.1 and resolve no host names, so nothing
// leaves the machine, and declare the master down after 1 s.
type Sentinels struct {
	// Master and Replica are the data servers as started; after a
	// failover, Replica is the master (see Master and WaitFailover).
	Master, Replica *Server
	// Sentinels are the sentinel processes; they run once Up is called.
	Sentinels []*Server
	// URL is the redis+sentinel:// URL naming the three sentinels.
	URL string
	t   testing.TB
}

// NewSentinels starts the master and its replica for t, waits until the
// replica is in sync, and writes the sentinels' configs without starting
// them: a test can so start a client before its sentinels (call Up).
// Everything is stopped in t.Cleanup.
func NewSentinels(t testing.TB) *Sentinels {
	t.Helper()
	m := Start(t)
	r := Start(t, "--replicaof", "127.0.0.1", strconv.Itoa(m.port))
	s := &Sentinels{Master: m, Replica: r, t: t}
	waitFor(t, 20*time.Second, 20*time.Millisecond, "the replica to sync", func() (bool, string) {
		info, err := r.Do("INFO", "replication")
		return err == nil && strings.Contains(info, "master_link_status:up"), info
	})
	addrs := make([]string, 3)
	for i := range addrs {
		s.Sentinels = append(s.Sentinels, newSentinel(t, m.port))
		addrs[i] = s.Sentinels[i].Addr
	}
	s.URL = "redis+sentinel://" + strings.Join(addrs, ",") + "/" + MasterName
	return s
}

// StartSentinels is NewSentinels followed by Up.
func StartSentinels(t testing.TB) *Sentinels {
	t.Helper()
	s := NewSentinels(t)
	s.Up()
	return s
}

// newSentinel writes a sentinel's config watching the master on
// masterPort and returns the process, not started.
func newSentinel(t testing.TB, masterPort int) *Server {
	t.Helper()
	port := FreePort(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	text := fmt.Sprintf(`port %d
bind 127.0.0.1
dir %s
logfile %s
sentinel resolve-hostnames no
sentinel announce-ip 127.0.0.1
sentinel monitor %s 127.0.0.1 %d 2
sentinel down-after-milliseconds %s 1000
sentinel failover-timeout %s 5000
sentinel parallel-syncs %s 1
`, port, dir, filepath.Join(dir, "redis.log"), MasterName, masterPort, MasterName, MasterName, MasterName)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatalf("redistest: sentinel config: %v", err)
	}
	s := &Server{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), port: port, dir: dir, t: t,
		args: []string{conf, "--sentinel"}}
	s.URL = "redis://" + s.Addr
	t.Cleanup(s.Stop)
	return s
}

// Up starts the three sentinels and waits until each knows the master,
// the replica and the other two sentinels, so that a failover can be
// agreed on.
func (s *Sentinels) Up() {
	s.t.Helper()
	for _, sn := range s.Sentinels {
		sn.Restart()
	}
	for _, sn := range s.Sentinels {
		waitFor(s.t, 30*time.Second, 20*time.Millisecond, "sentinel "+sn.Addr+" to know its peers", func() (bool, string) {
			peers, err1 := sn.Do("SENTINEL", "SENTINELS", MasterName)
			replicas, err2 := sn.Do("SENTINEL", "REPLICAS", MasterName)
			ok := err1 == nil && err2 == nil && strings.Count(peers, "\nip\n") == 2 && strings.Contains(replicas, s.Replica.Addr)
			return ok, fmt.Sprintf("peers %q, replicas %q, %v %v", peers, replicas, err1, err2)
		})
	}
}

// Down stops the three sentinels.
func (s *Sentinels) Down() {
	for _, sn := range s.Sentinels {
		sn.Stop()
	}
}

// MasterAddr returns the master's address as the first sentinel that
// answers reports it.
func (s *Sentinels) MasterAddr() (string, error) {
	var last error
	for _, sn := range s.Sentinels {
		r, err := sn.Do("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MasterName)
		if err == nil {
			host, port, _ := strings.Cut(r, "\n")
			return net.JoinHostPort(host, port), nil
		}
		last = err
	}
	return "", last
}

// KillMaster SIGKILLs the master, which the sentinels then replace.
func (s *Sentinels) KillMaster() { s.Master.Stop() }

// Failover asks the first sentinel for a failover (SENTINEL FAILOVER): the
// master is demoted to a replica of the promoted one.
func (s *Sentinels) Failover() {
	s.t.Helper()
	if _, err := s.Sentinels[0].Do("SENTINEL", "FAILOVER", MasterName); err != nil {
		s.t.Fatalf("redistest: SENTINEL FAILOVER: %v", err)
	}
}

// WaitFailover waits until the sentinels name the replica as master and
// it answers as one.
func (s *Sentinels) WaitFailover() {
	s.t.Helper()
	waitFor(s.t, 60*time.Second, 20*time.Millisecond, "the replica's promotion", func() (bool, string) {
		addr, err := s.MasterAddr()
		role, _ := s.Replica.Do("ROLE")
		return err == nil && addr == s.Replica.Addr && strings.HasPrefix(role, "master"), fmt.Sprintf("master %s (%v), replica's role %q", addr, err, role)
	})
}
