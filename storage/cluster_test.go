package storage

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed/internal/redistest"
)

// The contract suite against a Redis Cluster of 3 masters: every script
// declares its keys and a team's keys share one hash slot, so everything a
// single node does, a cluster does too.
func TestContractCluster(t *testing.T) {
	rdb := clusterClient(t)
	newStore := func(t *testing.T) *Store { return New(rdb, WithPrefix(redistest.Prefix(t))) }
	runContract(t, newStore)
	runLoyalty(t, newStore)
	runContractMore(t, newStore)
	runBackup(t, newStore, 3000)
}

// clusterClient is a client of a 3-master cluster that lives as long as t.
func clusterClient(t *testing.T) redis.UniversalClient {
	t.Helper()
	c := redistest.Cluster(t, 3)
	rdb, _, closeFn, err := dial(Conn{URL: c.URL(), Mode: "cluster"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeFn() })
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	return rdb
}
