package redistest

import (
	"fmt"
	"strings"
)

// Fill sets values on a server started with --maxmemory and
// --maxmemory-policy noeviction, smaller and smaller, until it refuses
// even a small write with OOM; then it lowers maxmemory to one byte, so
// that every write stays refused while reads go on. A large SET alone is
// not enough: Redis refuses it while it holds the argument, above what it
// keeps once that is gone. And a full Redis does not stay full: soon
// after, it shrinks the query buffers of idle connections, which lets a
// few hundred small writes in again. free deletes what Fill set and
// restores maxmemory.
func (s *Server) Fill() (free func()) {
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
	limit := strings.Split(s.MustDo("CONFIG", "GET", "maxmemory"), "\n")[1]
	s.MustDo("CONFIG", "SET", "maxmemory", "1")
	return func() {
		s.MustDo(append([]string{"DEL"}, keys...)...)
		s.MustDo("CONFIG", "SET", "maxmemory", limit)
	}
}
