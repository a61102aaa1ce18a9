package pgxconn_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/canvas-sdk-go/customdata/internal/pgxconn"
	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

func open(t *testing.T) (*sql.DB, *gorm.DB) {
	t.Helper()
	d := testdb.New(t)
	sqlDB, err := sql.Open("pgx", d.DSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = sqlDB.Close() })
	db, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	return sqlDB, db
}

func TestPoolOnlyOutsideTransactions(t *testing.T) {
	t.Parallel()
	sqlDB, db := open(t)
	pool, ok := pgxconn.Pool(db.WithContext(context.Background()))
	require.True(t, ok)
	assert.Same(t, sqlDB, pool)

	err := db.Transaction(func(tx *gorm.DB) error {
		_, ok := pgxconn.Pool(tx)
		assert.False(t, ok, "a transaction's DB has no pool to take a connection from")
		return nil
	})
	require.NoError(t, err)
	_, ok = pgxconn.Pool(nil)
	assert.False(t, ok)
}

func TestWithRunsOnAPoolConnection(t *testing.T) {
	t.Parallel()
	sqlDB, _ := open(t)
	ctx := context.Background()
	var got int
	ok, err := pgxconn.With(ctx, sqlDB, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT $1::int + 1", 41).Scan(&got)
	})
	require.True(t, ok)
	require.NoError(t, err)
	assert.Equal(t, 42, got)
	assert.Equal(t, 1, sqlDB.Stats().Idle, "the connection went back to the pool")
}

// A connection the server ended while it sat idle is replaced: the caller
// sees no error.
func TestWithReplacesAConnectionTheServerEnded(t *testing.T) {
	t.Parallel()
	sqlDB, _ := open(t)
	ctx := context.Background()
	var pid int
	_, err := pgxconn.With(ctx, sqlDB, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid)
	})
	require.NoError(t, err)

	admin, err := pgx.Connect(ctx, sqlDBDSN(t, sqlDB))
	require.NoError(t, err)
	defer func() { _ = admin.Close(ctx) }()
	var ended bool
	require.NoError(t, admin.QueryRow(ctx, "SELECT pg_terminate_backend($1, 5000)", pid).Scan(&ended))
	require.True(t, ended)

	var again int
	ok, err := pgxconn.With(ctx, sqlDB, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&again)
	})
	require.True(t, ok)
	require.NoError(t, err)
	assert.NotEqual(t, pid, again, "a new connection ran the statement")
}

// sqlDBDSN returns the DSN of the pool's connections.
func sqlDBDSN(t *testing.T, sqlDB *sql.DB) string {
	t.Helper()
	var dsn string
	_, err := pgxconn.With(context.Background(), sqlDB, func(c *pgx.Conn) error {
		dsn = c.Config().ConnString()
		return nil
	})
	require.NoError(t, err)
	return dsn
}
