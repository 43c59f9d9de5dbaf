package redistest

import (
	"fmt"
	"strings"
)

// Fill sets values on a server started with --maxmemory and
// --maxmemory-policy noeviction, smaller and smaller, until it refuses
// even a small write with OOM, and returns the keys it set (DEL them to
// free the memory). A large SET alone is not enough: Redis refuses it
// while it holds the argument, above what it keeps once that is gone.
func (s *Server) Fill() []string {
	s.t.Helper()
	var keys []string
	for _, size := range []int{256 << 10, 16 << 10, 1 << 10, 64} {
		v := strings.Repeat("x", size)
		for {
			k := fmt.Sprintf("redistest:fill:%d", len(keys))
			_, err := s.Do("SET", k, v)
			if err != nil && strings.Contains(err.Error(), "OOM") {
				break
			}
			if err != nil {
				s.t.Fatalf("redistest: SET %s: %v, want OK or OOM", k, err)
			}
			if keys = append(keys, k); len(keys) > 100_000 {
				s.t.Fatal("redistest: Fill set 100,000 values without OOM: start the server with --maxmemory and noeviction")
			}
		}
	}
	return keys
}
