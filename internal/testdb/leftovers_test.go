package testdb

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/pgrole"
	"github.com/canvas-sdk-go/customdata/internal/sqlident"
)

func TestDropKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv, err := server(ctx)
	require.NoError(t, err)
	if !srv.Ephemeral() {
		t.Skip("DropKept drops every kept test database of the server: run only on this process's own cluster")
	}
	mine := New(t) // in use: DropKept leaves it
	kept := "customdata_t_" + randomHex(8)
	_, err = srv.DB.ExecContext(ctx, "CREATE DATABASE "+sqlident.Quote(kept))
	require.NoError(t, err)
	orphan := pgrole.Name(4_000_000_000, "acme__gone", "read") // no database has this OID
	_, err = srv.DB.ExecContext(ctx, "CREATE ROLE "+sqlident.Quote(orphan))
	require.NoError(t, err)
	live := pgrole.Name(mine.OID, "acme__here", "read")
	_, err = srv.DB.ExecContext(ctx, "CREATE ROLE "+sqlident.Quote(live))
	require.NoError(t, err)

	dropped, err := DropKept(ctx)
	require.NoError(t, err)
	assert.Contains(t, dropped, kept)
	assert.Contains(t, dropped, orphan)
	assert.NotContains(t, dropped, mine.Name)
	assert.NotContains(t, dropped, live, "roles of a database that exists stay")

	var n int
	require.NoError(t, srv.DB.QueryRowContext(ctx, "SELECT count(*) FROM pg_database WHERE datname = $1", mine.Name).Scan(&n))
	assert.Equal(t, 1, n)
	require.NoError(t, srv.DB.QueryRowContext(ctx, "SELECT count(*) FROM pg_roles WHERE rolname = ANY($1)", []string{kept, orphan}).Scan(&n))
	assert.Zero(t, n)
	require.NoError(t, mine.Drop(ctx))
	require.NoError(t, srv.DB.QueryRowContext(ctx, "SELECT count(*) FROM pg_roles WHERE rolname = $1", live).Scan(&n))
	assert.Zero(t, n, "Drop removes the database's roles")
}
