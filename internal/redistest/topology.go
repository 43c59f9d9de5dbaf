package redistest

import (
	"fmt"
	"strconv"
	"strings"
)

// Node is one node of a cluster as one line of CLUSTER NODES describes it.
type Node struct {
	// ID is the node's cluster id; Addr its host:port.
	ID, Addr string
	// Master is true for a master, Failed when the reporting node holds
	// it failed (fail or fail?), Myself for the reporting node itself.
	Master, Failed, Myself bool
	// MasterID is the id of a replica's master, empty for a master.
	MasterID string
	// Slots are the inclusive ranges a master serves.
	Slots [][2]int
}

// Serves reports whether n's slot ranges hold slot.
func (n Node) Serves(slot int) bool {
	for _, r := range n.Slots {
		if r[0] <= slot && slot <= r[1] {
			return true
		}
	}
	return false
}

// Topology returns the cluster as s sees it (CLUSTER NODES).
func Topology(s *Server) ([]Node, error) {
	r, err := s.Do("CLUSTER", "NODES")
	if err != nil {
		return nil, err
	}
	var nodes []Node
	for _, line := range strings.Split(strings.TrimSpace(r), "\n") {
		n, err := parseNode(line)
		if err != nil {
			return nil, err
		}
		nodes = append(nodes, n)
	}
	return nodes, nil
}

// parseNode parses one line of CLUSTER NODES:
//
//	<id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <epoch> <link> <slot>...
func parseNode(line string) (Node, error) {
	f := strings.Fields(line)
	if len(f) < 8 {
		return Node{}, fmt.Errorf("redistest: CLUSTER NODES line %q", line)
	}
	addr, _, _ := strings.Cut(f[1], "@")
	n := Node{ID: f[0], Addr: addr}
	for _, flag := range strings.Split(f[2], ",") {
		switch flag {
		case "master":
			n.Master = true
		case "fail", "fail?":
			n.Failed = true
		case "myself":
			n.Myself = true
		}
	}
	if f[3] != "-" {
		n.MasterID = f[3]
	}
	for _, s := range f[8:] {
		if strings.HasPrefix(s, "[") {
			continue // a slot being migrated: [slot->-id] or [slot-<-id]
		}
		lo, hi, ok := strings.Cut(s, "-")
		if !ok {
			hi = lo
		}
		a, err1 := strconv.Atoi(lo)
		b, err2 := strconv.Atoi(hi)
		if err1 != nil || err2 != nil {
			return Node{}, fmt.Errorf("redistest: CLUSTER NODES slots %q in %q", s, line)
		}
		n.Slots = append(n.Slots, [2]int{a, b})
	}
	return n, nil
}
