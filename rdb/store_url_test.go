package rdb_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"abaco/internal/redistest"
	"abaco/rdb"
)

// TestStoreURLForms checks that the cache store works over every URL form
// abaco documents: user and password, a db number, and TLS (rediss://).
// It sets SSL_CERT_FILE, so it cannot run in parallel; it must also be the
// first TLS user in this test binary, since Go reads the system roots once.
func TestStoreURLForms(t *testing.T) {
	tlsPort := redistest.FreePort(t)
	cert := selfSigned(t)
	srv := redistest.Start(t,
		"--user", "alice", "on", ">s3cret", "~*", "+@all",
		"--tls-port", strconv.Itoa(tlsPort), "--tls-cert-file", cert+".crt", "--tls-key-file", cert+".key",
		"--tls-auth-clients", "no")
	t.Setenv("SSL_CERT_FILE", cert+".crt")
	tlsAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(tlsPort))

	tests := []struct {
		name string
		url  string
		db   string
	}{
		{"user, password and db", "redis://alice:s3cret@" + srv.Addr + "/3", "3"},
		{"tls", "rediss://" + tlsAddr, "0"},
		{"tls, user, password and db", "rediss://alice:s3cret@" + tlsAddr + "/5", "5"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A TLS handshake under -race on a loaded machine can take a while.
			c, err := rdb.Open(tt.url, rdb.Options{DialTimeout: 10 * time.Second})
			if err != nil {
				t.Fatalf("Open(%s): %v", tt.url, err)
			}
			defer c.Close()
			canonical := strconv.Itoa(i) + " + 1"
			if err := set(context.Background(), rdb.NewStore(c), canonical, []byte("ok"), time.Minute); err != nil {
				t.Fatal(err)
			}
			// redistest talks to db 0 only: swap the db in to look.
			srv.MustDo("SWAPDB", "0", tt.db)
			defer srv.MustDo("SWAPDB", "0", tt.db)
			if got := srv.MustDo("GET", "abaco:v1:eval:"+canonical); got != "ok" {
				t.Fatalf("GET in db %s = %q, want ok", tt.db, got)
			}
		})
	}
	t.Run("wrong password", func(t *testing.T) {
		// Even a client allowed to start before Redis gives up on a login
		// that Redis refuses: waiting would not fix it.
		for _, allow := range []bool{false, true} {
			if c, err := rdb.Open("redis://alice:wrong@"+srv.Addr, rdb.Options{AllowUnreachable: allow}); err == nil {
				c.Close()
				t.Fatalf("Open with a wrong password succeeded (AllowUnreachable %v)", allow)
			}
		}
	})
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key to
// <dir>/cert.crt and <dir>/cert.key and returns <dir>/cert.
func selfSigned(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "abaco test redis"},
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(t.TempDir(), "cert")
	write := func(path, typ string, b []byte) {
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(base+".crt", "CERTIFICATE", der)
	write(base+".key", "EC PRIVATE KEY", keyDER)
	return base
}

// TestStoreSentinel checks a redis+sentinel:// client end to end: it
// opens while every sentinel is down (as serve does), connects once they
// are up, writes to the master they name, and after SENTINEL FAILOVER
// writes to the promoted replica, while Ping follows: it goes to the
// current master, not to an address the URL names.
func TestStoreSentinel(t *testing.T) {
	t.Parallel()
	sn := redistest.NewSentinels(t)
	connected := make(chan struct{})
	c, err := rdb.Open(sn.URL, rdb.Options{AllowUnreachable: true, OnConnect: func() { close(connected) }})
	if err != nil {
		t.Fatalf("Open with the sentinels down: %v", err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Ping(ctx); err == nil {
		t.Fatal("Ping with every sentinel down: no error")
	}
	sn.Up()
	select {
	case <-connected:
	case <-time.After(20 * time.Second):
		t.Fatal("not connected within 20s of the sentinels starting")
	}
	s := rdb.NewStore(c)
	if err := set(ctx, s, "1 + 1", []byte("2"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if got := sn.Master.MustDo("GET", "abaco:v1:eval:1 + 1"); got != "2" {
		t.Fatalf("GET on the master = %q, want 2", got)
	}
	sn.Failover()
	sn.WaitFailover()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := set(ctx, s, "2 + 2", []byte("4"), time.Minute)
		if got, _ := sn.Replica.Do("GET", "abaco:v1:eval:2 + 2"); err == nil && got == "4" && c.Ping(ctx) == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("20s after the failover, writes do not reach the promoted replica (last: %v)", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPingFollowsCluster checks that Ping reports the cluster's health as
// its live nodes see it, whichever address the URL names first. The URL
// (the comma form) names node 0 first; node 0 is SIGKILLed and forgotten
// by the others, so its slots have no master: Ping must say the cluster
// is failing (cluster_state:fail), which a keyless PING, answered by any
// live node or refused by the dead seed, never says. Its slots are then
// given to node 1, as a promotion would: Ping must answer 40 times out of
// 40 although the URL's first address is dead.
func TestPingFollowsCluster(t *testing.T) {
	t.Parallel()
	cl := redistest.StartCluster(t)
	url := "redis://" + cl.Nodes[0].Addr + "," + cl.Nodes[1].Addr + "," + cl.Nodes[2].Addr
	c, err := rdb.Open(url, rdb.Options{})
	if err != nil {
		t.Fatalf("Open(%s): %v", url, err)
	}
	defer c.Close()
	ctx := context.Background()
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping on a healthy cluster: %v", err)
	}
	id := cl.Nodes[0].MustDo("CLUSTER", "MYID")
	slots := slotsOf(t, cl.Nodes[1], id)
	cl.Nodes[0].Stop()
	for _, n := range cl.Nodes[1:] {
		n.MustDo("CLUSTER", "FORGET", id)
	}
	pingUntil(t, c, func(err error) bool { return err != nil && strings.Contains(err.Error(), "cluster_state:fail") })
	cl.Nodes[1].MustDo(append([]string{"CLUSTER", "ADDSLOTSRANGE"}, slots...)...)
	pingUntil(t, c, func(err error) bool { return err == nil })
	for i := range 40 {
		if err := c.Ping(ctx); err != nil {
			t.Fatalf("Ping %d of 40 after the slots moved: %v", i+1, err)
		}
	}
}

// slotsOf returns the slot ranges of node id as node n sees them, as
// ADDSLOTSRANGE arguments ("0", "5460").
func slotsOf(t *testing.T, n *redistest.Server, id string) []string {
	t.Helper()
	for _, line := range strings.Split(n.MustDo("CLUSTER", "NODES"), "\n") {
		f := strings.Fields(line)
		if len(f) < 9 || f[0] != id {
			continue
		}
		var args []string
		for _, r := range f[8:] {
			lo, hi, ok := strings.Cut(r, "-")
			if !ok {
				hi = lo
			}
			args = append(args, lo, hi)
		}
		return args
	}
	t.Fatalf("node %s has no slots in CLUSTER NODES", id)
	return nil
}

// pingUntil polls c.Ping until done accepts its result, for up to 20s.
func pingUntil(t *testing.T, c *rdb.Client, done func(error) bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx)
		cancel()
		if done(err) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Ping after 20s: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
