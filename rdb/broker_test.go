package rdb_test

import (
	"testing"

	"abaco/internal/brokertest"
	"abaco/internal/rdbtest"
	"abaco/internal/redistest"
	"abaco/rdb"
)

func openBroker(t *testing.T, url string) *rdb.Broker {
	t.Helper()
	return rdb.NewBroker(rdbtest.Open(t, url))
}

func TestBrokerContract(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	brokertest.Run(t, openBroker(t, srv.URL))
}

// TestBrokerContractCluster runs the contract on a three-master Redis
// Cluster: every multi-key script must declare keys of one slot, or Redis
// refuses it with CROSSSLOT.
func TestBrokerContractCluster(t *testing.T) {
	t.Parallel()
	cl := redistest.StartCluster(t)
	for _, q := range []string{"number_queue", "abaco_jobs"} {
		for _, key := range []string{"{" + q + "}:processing:c1", "{" + q + "}:dead", "{" + q + "}:job:x"} {
			if cl.Slot(t, key) != cl.Slot(t, q) {
				t.Fatalf("%s and %s hash to different slots", key, q)
			}
		}
	}
	brokertest.Run(t, openBroker(t, cl.URL))
}
