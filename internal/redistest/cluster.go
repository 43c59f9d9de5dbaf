package redistest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Cluster is a private Redis Cluster: three masters, each a redis-server on
// a free port in its own temporary directory, and with
// StartClusterReplicas one replica of each.
type Cluster struct {
	// Nodes are the servers in the order they were created. A failover
	// swaps roles, not this order: Owner and Topology tell who is master.
	Nodes []*Server
	// URL names every node (redis://first?addr=second&addr=third...),
	// which rdb.Open (rueidis) recognises as a cluster.
	URL string
}

// Node timeouts, in milliseconds, for cluster-node-timeout. A cluster
// without replicas has no failover to speed up, so it keeps a timeout
// that a loaded machine cannot trip by mistake; with replicas, a short one
// makes a replica take over about three seconds after its master dies.
const (
	nodeTimeout        = "5000"
	replicaNodeTimeout = "1500"
)

// StartCluster starts a three-master Redis Cluster for t, waits until it
// reports cluster_state:ok, and stops it in t.Cleanup. It fails the test
// when redis-server or redis-cli is missing.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	return startCluster(t, 0, nodeTimeout)
}

// StartClusterReplicas starts a Redis Cluster of three masters with one
// replica each, for failover tests: it waits until the cluster is ok and
// every replica has synced, and stops it in t.Cleanup. Its node timeout is
// 1.5 s, so a SIGKILLed master's replica is promoted within seconds.
func StartClusterReplicas(t testing.TB) *Cluster {
	t.Helper()
	c := startCluster(t, 1, replicaNodeTimeout)
	deadline := time.Now().Add(20 * time.Second)
	for _, s := range c.Nodes {
		for {
			info, err := s.Do("INFO", "replication")
			if err == nil && (strings.Contains(info, "role:master") || strings.Contains(info, "master_link_status:up")) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("redistest: cluster replica %s not synced: %q, %v", s.Addr, info, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return c
}

// startCluster starts 3*(1+replicas) nodes and creates the cluster.
func startCluster(t testing.TB, replicas int, timeout string) *Cluster {
	t.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Fatalf("redistest: redis-cli not found on PATH (apt-get install redis-tools): %v", err)
	}
	c := &Cluster{}
	addrs := make([]string, 3*(1+replicas))
	for i := range addrs {
		// Each node's cluster config lives in its own directory (Start
		// gives every server one), so the nodes.conf files never clash.
		s := Start(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", timeout)
		c.Nodes = append(c.Nodes, s)
		addrs[i] = s.Addr
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", strconv.Itoa(replicas), "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		t.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, s := range c.Nodes {
		for {
			info, err := s.Do("CLUSTER", "INFO")
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
				t.Fatalf("redistest: cluster node %s not ok: %q, %v\n%s", s.Addr, info, err, log)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	c.URL = "redis://" + addrs[0] + "?addr=" + strings.Join(addrs[1:], "&addr=")
	return c
}

// Slot returns the cluster hash slot of key, as CLUSTER KEYSLOT computes it.
func (c *Cluster) Slot(t testing.TB, key string) int {
	t.Helper()
	r, err := c.Nodes[0].Do("CLUSTER", "KEYSLOT", key)
	if err != nil {
		t.Fatalf("redistest: CLUSTER KEYSLOT %q: %v", key, err)
	}
	n, err := strconv.Atoi(r)
	if err != nil {
		t.Fatalf("redistest: CLUSTER KEYSLOT %q: %q", key, r)
	}
	return n
}

// String describes the cluster for test logs.
func (c *Cluster) String() string { return fmt.Sprintf("redis cluster %s", c.URL) }

// Server returns the node listening on addr, or nil.
func (c *Cluster) Server(addr string) *Server {
	for _, s := range c.Nodes {
		if s.Addr == addr {
			return s
		}
	}
	return nil
}

// Owner returns the node that from's CLUSTER NODES names as the master of
// slot, failed or not: after a SIGKILL, the dead master until from learns
// of the promotion.
func (c *Cluster) Owner(from *Server, slot int) (Node, error) {
	nodes, err := Topology(from)
	if err != nil {
		return Node{}, err
	}
	for _, n := range nodes {
		if n.Master && n.Serves(slot) {
			return n, nil
		}
	}
	return Node{}, fmt.Errorf("redistest: %s knows no master of slot %d", from.Addr, slot)
}

// ReplicaOf returns the replica of master, as master's CLUSTER NODES
// names it.
func (c *Cluster) ReplicaOf(t testing.TB, master Node) *Server {
	t.Helper()
	nodes, err := Topology(c.Server(master.Addr))
	if err != nil {
		t.Fatalf("redistest: %v", err)
	}
	for _, n := range nodes {
		if n.MasterID == master.ID {
			return c.Server(n.Addr)
		}
	}
	t.Fatalf("redistest: no replica of %s in %+v", master.Addr, nodes)
	return nil
}

// WaitPromoted polls replica's CLUSTER NODES every 5 ms until it names
// itself the master of slot, and returns when it first did: the earliest
// moment a client can learn of the promotion, since the other nodes hear
// of it from the replica.
func (c *Cluster) WaitPromoted(t testing.TB, replica *Server, slot int) time.Time {
	t.Helper()
	waitFor(t, 30*time.Second, 5*time.Millisecond, "replica "+replica.Addr+" to be promoted", func() (bool, string) {
		n, err := c.Owner(replica, slot)
		return err == nil && n.Addr == replica.Addr, fmt.Sprintf("slot %d owned by %+v (%v)", slot, n, err)
	})
	return time.Now()
}

// WaitReplicated waits until every replica of master has applied the
// writes master had accepted when it was called, so that a test may kill
// master without losing them (Redis replicates asynchronously).
func (c *Cluster) WaitReplicated(t testing.TB, master *Server) {
	t.Helper()
	want := replOffsets(t, master)["master"]
	waitFor(t, 10*time.Second, 10*time.Millisecond, fmt.Sprintf("the replicas of %s to reach offset %d", master.Addr, want), func() (bool, string) {
		got := replOffsets(t, master)
		behind := len(got) == 1 // no replica connected
		for name, off := range got {
			behind = behind || (name != "master" && off < want)
		}
		return !behind, fmt.Sprint(got)
	})
}

// replOffsets returns s's master_repl_offset as "master" and the offset of
// each connected replica under its INFO name (slave0, ...).
func replOffsets(t testing.TB, s *Server) map[string]int64 {
	t.Helper()
	info := s.MustDo("INFO", "replication")
	offs := map[string]int64{}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "master_repl_offset:"); ok {
			offs["master"], _ = strconv.ParseInt(v, 10, 64)
		}
		name, fields, ok := strings.Cut(line, ":")
		if !ok || !strings.HasPrefix(name, "slave") || !strings.Contains(fields, "offset=") {
			continue
		}
		for _, f := range strings.Split(fields, ",") {
			if v, ok := strings.CutPrefix(f, "offset="); ok {
				offs[name], _ = strconv.ParseInt(v, 10, 64)
			}
		}
	}
	return offs
}

// Deployment is a way to run Redis for a test: Start returns its URL and
// its servers (one, or the cluster's nodes).
type Deployment struct {
	Name  string
	Start func(t testing.TB) (url string, nodes []*Server)
}

// Deployments are one server and a three-master cluster, for the tests
// that must hold on both.
var Deployments = []Deployment{
	{"redis", func(t testing.TB) (string, []*Server) {
		s := Start(t)
		return s.URL, []*Server{s}
	}},
	{"redis cluster", func(t testing.TB) (string, []*Server) {
		c := StartCluster(t)
		return c.URL, c.Nodes
	}},
}
