package bench

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// TestProxyCountsRoundTrips checks the proxy against pgx's own tracer: a
// prepared statement is one round trip per call, its first call (prepare,
// then execute) two, and a pipelined batch of three statements one.
func TestProxyCountsRoundTrips(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := testdb.New(t)
	p, err := newTripProxy(d.DSN)
	require.NoError(t, err)
	defer func() { assert.NoError(t, p.Close()) }()
	dsn, err := p.DSN(d.DSN)
	require.NoError(t, err)
	cfg, err := pgx.ParseConfig(dsn)
	require.NoError(t, err)
	tr := &countTracer{}
	cfg.Tracer = tr
	conn, err := pgx.ConnectConfig(ctx, cfg)
	require.NoError(t, err)
	defer func() { assert.NoError(t, conn.Close(ctx)) }()
	assert.Positive(t, p.Trips(), "the startup talks")

	var n int
	t0 := p.Trips()
	require.NoError(t, conn.QueryRow(ctx, "SELECT $1::int", 1).Scan(&n))
	assert.Equal(t, int64(2), p.Trips()-t0, "first call: prepare, then execute")

	t0, q0 := p.Trips(), tr.n.Load()
	for i := range 10 {
		require.NoError(t, conn.QueryRow(ctx, "SELECT $1::int", i).Scan(&n))
	}
	assert.Equal(t, int64(10), p.Trips()-t0)
	assert.Equal(t, tr.n.Load()-q0, p.Trips()-t0, "the tracer agrees: one statement per round trip")

	t0 = p.Trips()
	b := &pgx.Batch{}
	for i := range 3 {
		b.Queue("SELECT $1::int", i)
	}
	require.NoError(t, conn.SendBatch(ctx, b).Close())
	assert.Equal(t, int64(1), p.Trips()-t0, "a pipelined batch is one round trip")
}
