package rdb

import (
	"context"
	"fmt"
	"strings"
)

// MaxmemoryPolicy returns Redis's maxmemory-policy, read from INFO memory
// (which managed Redis services answer even where CONFIG GET is
// disabled). On a cluster it asks every node and returns the first policy
// that evicts, else the first node's, so one misconfigured node is not
// hidden by the others.
func (c *Client) MaxmemoryPolicy(ctx context.Context) (string, error) {
	var first string
	for addr, node := range c.conn().Nodes() {
		info, err := node.Do(ctx, node.B().Info().Section("memory").Build()).ToString()
		if err != nil {
			return "", fmt.Errorf("rdb: info memory: %s: %w", addr, err)
		}
		policy, ok := infoField(info, "maxmemory_policy")
		if !ok {
			return "", fmt.Errorf("rdb: info memory of %s has no maxmemory_policy", addr)
		}
		if PolicyEvicts(policy) {
			return policy, nil
		}
		if first == "" {
			first = policy
		}
	}
	return first, nil
}

// PolicyEvicts reports whether a maxmemory-policy lets Redis delete keys
// when it is full: allkeys-* deletes any key, volatile-* any key with a
// TTL (abaco's job records and heartbeats have one). Either can silently
// delete queue lists or job records; noeviction refuses writes instead.
func PolicyEvicts(policy string) bool {
	return strings.HasPrefix(policy, "allkeys-") || strings.HasPrefix(policy, "volatile-")
}

// infoField returns the value of field in an INFO reply: lines of
// "field:value", separated by CRLF, with "# Section" headers.
func infoField(info, field string) (string, bool) {
	for line := range strings.Lines(info) {
		k, v, ok := strings.Cut(strings.TrimRight(line, "\r\n"), ":")
		if ok && k == field {
			return v, true
		}
	}
	return "", false
}
