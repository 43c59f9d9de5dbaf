package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"abaco/internal/redistest"
)

// TestLogFormat starts serve, worker and consume against a Redis with a
// password, with the default log format and with --log-format text, and
// checks each start-up line: JSON by default for all three, key=value
// with text, naming the queue (worker, consume) and the Redis without
// its password.
func TestLogFormat(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--user", "alice", "on", ">s3cret", "~*", "&*", "+@all")
	url := strings.Replace(srv.URL, "redis://", "redis://alice:s3cret@", 1)
	tests := []struct {
		args  []string
		msg   string
		queue string // the start-up line's queue, "" for none
	}{
		{[]string{"serve", "--addr", "127.0.0.1:0"}, "abaco serve listening", ""},
		{[]string{"worker"}, "abaco worker running", "abaco_jobs"},
		{[]string{"consume", "--queue", "logs"}, "abaco consume running", "logs"},
	}
	for _, tt := range tests {
		for _, format := range []string{"", "text"} {
			args := tt.args
			if format != "" {
				args = append(args[:len(args):len(args)], "--log-format", format)
			}
			p := startInProcess(url, args...)
			var line string
			until(t, 10*time.Second, tt.msg, func() bool {
				for _, l := range strings.Split(p.err.String(), "\n") {
					if strings.Contains(l, tt.msg) {
						line = l
						return true
					}
				}
				return false
			})
			if code := p.stop(t); code != 0 {
				t.Fatalf("abaco %v exited %d: %s", args, code, p.err.String())
			}
			if strings.Contains(p.err.String(), "s3cret") {
				t.Errorf("abaco %v logged the password:\n%s", args, p.err.String())
			}
			if format == "text" {
				if !strings.HasPrefix(line, "time=") || !strings.Contains(line, ` level=INFO msg="`+tt.msg+`" `) ||
					!strings.Contains(line, " redis=redis://") || tt.queue != "" && !strings.Contains(line, " queue="+tt.queue+" ") {
					t.Errorf("abaco %v: start-up line %q, want key=value with the queue and the Redis", args, line)
				}
				continue
			}
			var rec struct{ Level, Msg, Queue, Redis string }
			if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Level != "INFO" || rec.Msg != tt.msg ||
				!strings.HasPrefix(rec.Redis, "redis://") || rec.Queue != tt.queue {
				t.Errorf("abaco %v: start-up line %q (%v), want JSON with the queue and the Redis", args, line, err)
			}
		}
	}
	code, _, errs := runWith(url, "", "worker", "--log-format", "xml")
	if code != 2 || !strings.Contains(errs, `bad log format "xml": want json or text`) {
		t.Errorf("worker --log-format xml = %d, %q; want 2 and why", code, errs)
	}
}
