package inmem_test

import (
	"testing"

	"abaco/inmem"
	"abaco/internal/brokertest"
)

func TestBrokerContract(t *testing.T) {
	brokertest.Run(t, inmem.NewBroker())
}
