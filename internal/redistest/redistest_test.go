package redistest

import "testing"

func TestStartStopRestart(t *testing.T) {
	s := Start(t)
	if got := s.MustDo("SET", "k", "v"); got != "OK" {
		t.Fatalf("SET = %q, want OK", got)
	}
	if got := s.MustDo("GET", "k"); got != "v" {
		t.Fatalf("GET = %q, want v", got)
	}
	s.Stop()
	if _, err := s.Do("PING"); err == nil {
		t.Fatal("PING after Stop succeeded")
	}
	s.Restart()
	if got := s.MustDo("PING"); got != "PONG" {
		t.Fatalf("PING = %q", got)
	}
}
