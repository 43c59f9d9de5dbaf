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

// Cluster is a private Redis Cluster: three masters, no replicas, each a
// redis-server on a free port in its own temporary directory.
type Cluster struct {
	// Nodes are the masters, in the order they were created.
	Nodes []*Server
	// URL names every node (redis://first?addr=second&addr=third), which
	// rdb.Open (rueidis) recognises as a cluster.
	URL string
}

// StartCluster starts a three-master Redis Cluster for t, waits until it
// reports cluster_state:ok, and stops it in t.Cleanup. It fails the test
// when redis-server or redis-cli is missing.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Fatalf("redistest: redis-cli not found on PATH (apt-get install redis-tools): %v", err)
	}
	c := &Cluster{}
	addrs := make([]string, 3)
	for i := range addrs {
		// Each node's cluster config lives in its own directory (Start
		// gives every server one), so the nodes.conf files never clash.
		s := Start(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", "5000")
		c.Nodes = append(c.Nodes, s)
		addrs[i] = s.Addr
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
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
	c.URL = "redis://" + addrs[0] + "?addr=" + addrs[1] + "&addr=" + addrs[2]
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
