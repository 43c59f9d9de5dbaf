package rdb

import (
	"testing"
	"time"
)

// TestClientOptionCredentials checks where each credential of a Sentinel
// URL goes: the URL's user and password to the master, the query's
// sentinel_username and sentinel_password to the sentinels, the db to the
// master only, and the dial timeout to both.
func TestClientOptionCredentials(t *testing.T) {
	t.Parallel()
	u, err := ParseURL("rediss+sentinel://alice:mpw@127.0.0.1:26379/m/3?sentinel_username=sam&sentinel_password=spw")
	if err != nil {
		t.Fatal(err)
	}
	ro := clientOption(u, Options{DialTimeout: 7 * time.Second, ClientName: "abaco-test"})
	switch {
	case ro.Username != "alice" || ro.Password != "mpw" || ro.SelectDB != 3:
		t.Errorf("master login %q/%q db %d, want alice/mpw db 3", ro.Username, ro.Password, ro.SelectDB)
	case ro.Sentinel.MasterSet != "m" || ro.Sentinel.Username != "sam" || ro.Sentinel.Password != "spw":
		t.Errorf("sentinel %q login %q/%q, want m sam/spw", ro.Sentinel.MasterSet, ro.Sentinel.Username, ro.Sentinel.Password)
	case ro.Dialer.Timeout != 7*time.Second || ro.Sentinel.Dialer.Timeout != 7*time.Second:
		t.Errorf("dial timeouts %v, %v, want 7s for both", ro.Dialer.Timeout, ro.Sentinel.Dialer.Timeout)
	case ro.TLSConfig == nil || ro.Sentinel.TLSConfig == nil || ro.Sentinel.TLSConfig.ServerName != "127.0.0.1":
		t.Errorf("TLS %v, sentinel TLS %v: want both, the sentinels' named 127.0.0.1", ro.TLSConfig, ro.Sentinel.TLSConfig)
	case ro.ClientName != "abaco-test" || ro.Sentinel.ClientName != "abaco-test":
		t.Errorf("client names %q, %q", ro.ClientName, ro.Sentinel.ClientName)
	}
}
