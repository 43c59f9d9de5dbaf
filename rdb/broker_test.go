package rdb_test

import (
	"testing"

	"abaco/internal/brokertest"
	"abaco/internal/redistest"
	"abaco/rdb"
)

func openBroker(t *testing.T, url string) *rdb.Broker {
	t.Helper()
	c, err := rdb.Open(url, rdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return rdb.NewBroker(c)
}

func TestBrokerContract(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	brokertest.Run(t, openBroker(t, srv.URL))
}
