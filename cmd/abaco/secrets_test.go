package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

// TestMalformedURLHidesPassword runs every command that opens Redis with a
// malformed REDIS_URL holding a password: each must fail, and neither its
// output nor its error may show the password (net/url's errors quote the
// whole URL).
func TestMalformedURLHidesPassword(t *testing.T) {
	t.Parallel()
	const password = "hunter2pass"
	urls := []string{
		"redis://:" + password + "@127.0.0.1:notaport/0",
		"redis://user:" + password + "@127.0.0.1:6379/notadb",
		"redis://:" + password + "@[::1/0",
	}
	commands := [][]string{
		{"serve", "--addr", "127.0.0.1:0"}, {"worker"}, {"consume"}, {"produce", "1"},
		{"queue", "stats"}, {"queue", "dead"}, {"queue", "requeue"}, {"queue", "purge", "--yes"},
	}
	for _, u := range urls {
		for _, args := range commands {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			var out, errb bytes.Buffer
			code := run(ctx, &Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb, Getenv: redisEnv(u)}, args)
			cancel()
			if code == 0 {
				t.Errorf("abaco %v with REDIS_URL=%q succeeded", args, u)
			}
			if all := out.String() + errb.String(); strings.Contains(all, password) || !strings.Contains(all, "redis") {
				t.Errorf("abaco %v with a malformed URL: want an error naming redis, without the password:\n%s", args, all)
			}
		}
	}
}
